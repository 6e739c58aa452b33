/*-------------------------------------------------------------------------
 *
 * continuous_aggregate.c
 *	  The definitions of continuous aggregates (README.md, "Continuous
 *	  aggregates"): CREATE MATERIALIZED VIEW ... WITH (timescaledb.continuous)
 *	  checks the query and makes the objects, ALTER MATERIALIZED VIEW turns
 *	  real-time mode on and off, renames and changes the owner, DROP
 *	  MATERIALIZED VIEW removes everything; also the catalog lookups and the
 *	  watermark function.
 *
 *	  A continuous aggregate is the user's view; in schema _epiphany_caggs
 *	  the "direct view" (the user's query, unchanged), the materialization
 *	  hypertable (the direct view's finalized rows for the refreshed
 *	  buckets) and, for aggregates that merge late rows, the objects of
 *	  cagg_merge.c; and its catalog row.  The user's view reads the
 *	  materialization below the watermark and, in real-time mode, the direct
 *	  view at and past it.  Dropping any of them drops all (the sql_drop
 *	  trigger _epiphany_timestore.drop_continuous_agg_parts).
 *
 *	  Invariants: the query of a continuous aggregate reads one hypertable
 *	  (or continuous aggregate), groups by one time_bucket of its time
 *	  column, and uses immutable functions only, so that recomputing a
 *	  bucket from the rows of that bucket gives the query's rows for it.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/continuous_aggregate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "commands/view.h"
#include "common/int.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "timestore.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"

PG_FUNCTION_INFO_V1(ep_cagg_watermark);

#define CAGG_INVALIDATION_TRIGGER	"_epiphany_cagg_invalidation"
#define CAGG_TRUNCATE_TRIGGER		"_epiphany_cagg_truncate"
/*
 * A materialization's chunk covers this many of its source's chunks, and at
 * least this many buckets.
 */
#define CAGG_CHUNK_INTERVAL_FACTOR	10
#define CAGG_CHUNK_BUCKETS			100

/* The WITH (...) options of a continuous aggregate. */
typedef struct CaggOptions
{
	bool		continuous;
	bool		materialized_only;
	bool		create_group_indexes;
} CaggOptions;

/* What the checks of a definition find in its query. */
typedef struct CaggDefinition
{
	RangeTblEntry *source;		/* the relation the query reads */
	const Hypertable *ht;		/* whose rows the buckets hold */
	AttrNumber	time_attno;		/* in source */
	FuncExpr   *bucket;			/* time_bucket(..., time, ...) */
	TargetEntry *bucket_tle;
	List	   *group_tles;		/* the other grouping columns */
} CaggDefinition;

/* ----------------------------------------------------------------
 *		Catalog
 * ----------------------------------------------------------------
 */

#define CAGG_SELECT \
	"SELECT c.id, c.user_view, c.direct_view, c.mat_hypertable_id, m.relid," \
	" c.source_hypertable_id, s.relid, s.time_type, c.bucket_column," \
	" c.bucket_function, c.bucket_min_width, c.materialized_only," \
	" c.late_rows, c.late_rows_active, c.late_rows_spare, c.partial_view, c.late_view," \
	" c.merge_keys, c.merge_set" \
	" FROM _epiphany_timestore.continuous_agg c" \
	" JOIN _epiphany_timestore.hypertable m ON m.id = c.mat_hypertable_id" \
	" JOIN _epiphany_timestore.hypertable s ON s.id = c.source_hypertable_id"

/* Whether this database has the extension's catalog of continuous aggregates. */
static bool
CaggCatalogExists(void)
{
	Oid			schema = get_namespace_oid("_epiphany_timestore", true);

	return OidIsValid(schema) && OidIsValid(get_relname_relid("continuous_agg", schema));
}

static Datum
Column(int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, isnull);
}

static char *
TextColumnOrNull(int col)
{
	bool		isnull;
	Datum		value = Column(col, &isnull);

	return isnull ? NULL : TextDatumGetCString(value);
}

static Oid
OidColumnOrInvalid(int col)
{
	bool		isnull;
	Datum		value = Column(col, &isnull);

	return isnull ? InvalidOid : DatumGetObjectId(value);
}

/* The continuous aggregate whose catalog row matches, or NULL. */
static ContinuousAgg *
ContinuousAggLoad(const char *condition, Oid argtype, Datum arg)
{
	MemoryContext callercxt = CurrentMemoryContext;
	ContinuousAgg *cagg = NULL;
	int			nestlevel;

	if (!CaggCatalogExists())
		return NULL;
	nestlevel = CatalogEnter();
	SPI_connect();
	CatalogReadLatest(psprintf(CAGG_SELECT " WHERE %s", condition), 1, &argtype, &arg, NULL);
	if (SPI_processed > 0)
	{
		MemoryContext spicxt = MemoryContextSwitchTo(callercxt);
		bool		isnull;

		cagg = palloc(sizeof(ContinuousAgg));
		cagg->id = DatumGetInt32(Column(1, &isnull));
		cagg->user_view = DatumGetObjectId(Column(2, &isnull));
		cagg->direct_view = DatumGetObjectId(Column(3, &isnull));
		cagg->mat_hypertable_id = DatumGetInt32(Column(4, &isnull));
		cagg->mat_relid = DatumGetObjectId(Column(5, &isnull));
		cagg->source_hypertable_id = DatumGetInt32(Column(6, &isnull));
		cagg->source_relid = DatumGetObjectId(Column(7, &isnull));
		cagg->time_type = DatumGetObjectId(Column(8, &isnull));
		cagg->bucket_column = pstrdup(NameStr(*DatumGetName(Column(9, &isnull))));
		cagg->bucket_function = TextDatumGetCString(Column(10, &isnull));
		cagg->bucket_min_width = DatumGetInt64(Column(11, &isnull));
		cagg->materialized_only = DatumGetBool(Column(12, &isnull));
		cagg->late_rows = OidColumnOrInvalid(13);
		cagg->late_rows_active = OidColumnOrInvalid(14);
		cagg->late_rows_spare = OidColumnOrInvalid(15);
		cagg->partial_view = OidColumnOrInvalid(16);
		cagg->late_view = OidColumnOrInvalid(17);
		cagg->merge_keys = TextColumnOrNull(18);
		cagg->merge_set = TextColumnOrNull(19);
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	CatalogLeave(nestlevel);
	return cagg;
}

/* ContinuousAggFind - the continuous aggregate of user view relid, or NULL. */
ContinuousAgg *
ContinuousAggFind(Oid user_view)
{
	return ContinuousAggLoad("c.user_view::oid = $1", OIDOID, ObjectIdGetDatum(user_view));
}

/* The continuous aggregate materialized in hypertable mat_hypertable_id, or NULL. */
ContinuousAgg *
ContinuousAggFindByMatHypertable(int32 mat_hypertable_id)
{
	return ContinuousAggLoad("c.mat_hypertable_id = $1", INT4OID,
							 Int32GetDatum(mat_hypertable_id));
}

/*
 * ContinuousAggGetOwned - the continuous aggregate of user view relid, which
 * the current user must own; errors out otherwise.
 */
ContinuousAgg *
ContinuousAggGetOwned(Oid relid)
{
	ContinuousAgg *cagg = ContinuousAggFind(relid);

	if (cagg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("relation \"%s\" is not a continuous aggregate", get_rel_name(relid))));
	if (!pg_class_ownercheck(cagg->user_view, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_MATVIEW, get_rel_name(cagg->user_view));
	return cagg;
}

/* The continuous aggregate a RangeVar names, or NULL. */
static ContinuousAgg *
ContinuousAggOfRangeVar(RangeVar *relation)
{
	Oid			relid = RangeVarGetRelid(relation, NoLock, true);

	return OidIsValid(relid) ? ContinuousAggFind(relid) : NULL;
}

/* ----------------------------------------------------------------
 *		Checking a definition
 * ----------------------------------------------------------------
 */

static void
RefuseDefinition(const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("invalid continuous aggregate query"),
			 errdetail("%s", what),
			 hint ? errhint("%s", hint) : 0));
}

/* Whether expr is a time_bucket call (not time_bucket_gapfill) of our library. */
static bool
IsTimeBucketCall(Node *expr)
{
	const char *symbol;

	if (expr == NULL || !IsA(expr, FuncExpr))
		return false;
	symbol = LibraryFunctionSymbol(((FuncExpr *) expr)->funcid);
	return symbol != NULL && strncmp(symbol, "ep_time_bucket_", 15) == 0 &&
		strcmp(symbol, "ep_time_bucket_gapfill") != 0;
}

/* The relation the query reads, with the hypertable behind it. */
static void
CheckSource(Query *query, CaggDefinition *def)
{
	RangeTblRef *ref;
	ContinuousAgg *lower;

	if (list_length(query->jointree->fromlist) != 1 ||
		!IsA(linitial(query->jointree->fromlist), RangeTblRef))
		RefuseDefinition("Joins are not supported in continuous aggregates.",
						 "Define it on one hypertable; join the continuous aggregate with other tables when you query it.");
	ref = linitial(query->jointree->fromlist);
	def->source = rt_fetch(ref->rtindex, query->rtable);
	if (def->source->rtekind != RTE_RELATION)
		RefuseDefinition("A continuous aggregate must read a hypertable or a continuous aggregate.",
						 NULL);
	if (!def->source->inh)
		RefuseDefinition("FROM ONLY is not supported in continuous aggregates.", NULL);

	def->ht = HypertableGet(def->source->relid);
	if (def->ht != NULL)
	{
		def->time_attno = def->ht->time_attno;
		return;
	}
	lower = ContinuousAggFind(def->source->relid);
	if (lower == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("table \"%s\" is not a hypertable", get_rel_name(def->source->relid)),
				 errhint("A continuous aggregate reads a hypertable (see create_hypertable) or another continuous aggregate.")));
	def->ht = HypertableGet(lower->mat_relid);
	def->time_attno = get_attnum(def->source->relid, lower->bucket_column);
	if (def->ht == NULL || def->time_attno == InvalidAttrNumber)
		elog(ERROR, "continuous aggregate \"%s\" has lost its materialization",
			 get_rel_name(def->source->relid));
}

/* The grouping column that is a time_bucket of the time column. */
static void
CheckBucket(Query *query, CaggDefinition *def)
{
	ListCell   *lc;

	foreach(lc, query->groupClause)
	{
		TargetEntry *tle = get_sortgroupclause_tle(lfirst(lc), query->targetList);
		Node	   *expr = (Node *) tle->expr;
		FuncExpr   *call;
		Var		   *var;

		if (!IsTimeBucketCall(expr))
		{
			def->group_tles = lappend(def->group_tles, tle);
			continue;
		}
		call = (FuncExpr *) eval_const_expressions(NULL, copyObject(expr));
		var = IsA(call, FuncExpr) && list_length(call->args) >= 2 ? lsecond(call->args) : NULL;
		if (var == NULL || !IsA(var, Var) || var->varattno != def->time_attno ||
			var->varlevelsup != 0)
		{
			def->group_tles = lappend(def->group_tles, tle);
			continue;
		}
		if (def->bucket != NULL)
			RefuseDefinition("A continuous aggregate groups by one time_bucket of the time column.",
							 NULL);
		if (tle->resjunk)
			RefuseDefinition("The time_bucket the query groups by must be in its select list.",
							 NULL);
		def->bucket = call;
		def->bucket_tle = tle;
	}
	if (def->bucket == NULL)
		RefuseDefinition(psprintf("The query must GROUP BY time_bucket(..., %s).",
								  quote_identifier(get_attname(def->source->relid,
															   def->time_attno, false))),
						 NULL);
}

/* CheckDefinition - refuses what a continuous aggregate cannot be; fills def. */
static void
CheckDefinition(Query *query, CaggDefinition *def)
{
	memset(def, 0, sizeof(CaggDefinition));
	if (query->cteList != NIL)
		RefuseDefinition("Common table expressions are not supported in continuous aggregates.", NULL);
	if (query->setOperations != NULL)
		RefuseDefinition("UNION, INTERSECT and EXCEPT are not supported in continuous aggregates.", NULL);
	if (query->hasWindowFuncs)
		RefuseDefinition("Window functions are not supported in continuous aggregates.", NULL);
	if (query->sortClause != NIL)
		RefuseDefinition("ORDER BY is not supported in continuous aggregates.",
						 "Order the rows when you query the continuous aggregate.");
	if (query->limitCount != NULL || query->limitOffset != NULL)
		RefuseDefinition("LIMIT and OFFSET are not supported in continuous aggregates.", NULL);
	if (query->distinctClause != NIL)
		RefuseDefinition("DISTINCT is not supported in continuous aggregates.", NULL);
	if (query->groupingSets != NIL)
		RefuseDefinition("GROUPING SETS, ROLLUP and CUBE are not supported in continuous aggregates.", NULL);
	if (query->hasSubLinks)
		RefuseDefinition("Subqueries are not supported in continuous aggregates.", NULL);
	if (query->hasTargetSRFs)
		RefuseDefinition("Set-returning functions are not supported in continuous aggregates.", NULL);
	if (query->rowMarks != NIL)
		RefuseDefinition("FOR UPDATE and FOR SHARE are not supported in continuous aggregates.", NULL);
	if (query->groupClause == NIL)
		RefuseDefinition("A continuous aggregate must have a GROUP BY clause with a time_bucket of the time column.",
						 NULL);
	if (contain_mutable_functions((Node *) query))
		RefuseDefinition("Only immutable functions are supported in continuous aggregates.",
						 "now(), random() and casts that depend on settings give other results at each refresh.");
	CheckSource(query, def);
	CheckBucket(query, def);
}

/*
 * The bucket call with the time column replaced by $1, as text with
 * qualified names, so that a refresh can compute the buckets of any time.
 */
static char *
BucketFunctionText(const CaggDefinition *def)
{
	FuncExpr   *call = copyObject(def->bucket);
	Param	   *param = makeNode(Param);
	char	   *text;
	int			nestlevel;

	param->paramkind = PARAM_EXTERN;
	param->paramid = 1;
	param->paramtype = def->ht->time_type;
	param->paramtypmod = -1;
	param->paramcollid = InvalidOid;
	param->location = -1;
	lsecond(call->args) = param;
	nestlevel = CatalogEnter();
	text = deparse_expression((Node *) call, NIL, false, false);
	CatalogLeave(nestlevel);
	return text;
}

/*
 * A length no bucket is shorter than, in internal units: the width for
 * integers and fixed intervals, months counted as 28 days, and half of it
 * in a time zone (whose days and hours change length at clock changes).
 */
static int64
BucketMinWidth(const CaggDefinition *def)
{
	Const	   *width = linitial(def->bucket->args);
	int64		min_width;

	if (!IsA(width, Const) || width->constisnull)
		RefuseDefinition("The bucket width must be a constant.", NULL);
	if (width->consttype == INTERVALOID)
	{
		Interval   *interval = DatumGetIntervalP(width->constvalue);
		int64		months;
		int64		days;

		if (pg_mul_s64_overflow((int64) interval->month * 28, USECS_PER_DAY, &months) ||
			pg_mul_s64_overflow(interval->day, USECS_PER_DAY, &days) ||
			pg_add_s64_overflow(months, days, &min_width) ||
			pg_add_s64_overflow(min_width, interval->time, &min_width))
			RefuseDefinition("The bucket width is out of range.", NULL);
		if (strcmp(LibraryFunctionSymbol(def->bucket->funcid), "ep_time_bucket_tstz_timezone") == 0)
			min_width /= 2;
		if (def->ht->time_type == DATEOID)
			min_width /= USECS_PER_DAY;
	}
	else if (width->consttype == INT2OID)
		min_width = DatumGetInt16(width->constvalue);
	else if (width->consttype == INT4OID)
		min_width = DatumGetInt32(width->constvalue);
	else
		min_width = DatumGetInt64(width->constvalue);
	if (min_width <= 0)
		RefuseDefinition("The bucket width must be positive (and at least a day for dates).", NULL);
	return min_width;
}

/* ----------------------------------------------------------------
 *		Creating
 * ----------------------------------------------------------------
 */

static void
ParseOptions(List *options, CaggOptions *opts)
{
	ListCell   *lc;
	bool		ours = false;

	opts->continuous = false;
	opts->materialized_only = false;
	opts->create_group_indexes = true;
	foreach(lc, options)
	{
		DefElem    *opt = lfirst(lc);

		if (opt->defnamespace == NULL ||
			(strcmp(opt->defnamespace, "timescaledb") != 0 &&
			 strcmp(opt->defnamespace, "epiphany") != 0))
			continue;
		ours = true;
		if (strcmp(opt->defname, "continuous") == 0)
			opts->continuous = defGetBoolean(opt);
		else if (strcmp(opt->defname, "materialized_only") == 0)
			opts->materialized_only = defGetBoolean(opt);
		else if (strcmp(opt->defname, "create_group_indexes") == 0)
			opts->create_group_indexes = defGetBoolean(opt);
		else if (strcmp(opt->defname, "compress") == 0 && !defGetBoolean(opt))
			continue;
		else if (strcmp(opt->defname, "compress") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("compression of continuous aggregates is not supported yet")));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unrecognized parameter \"%s.%s\"", opt->defnamespace, opt->defname)));
	}
	if (ours && !opts->continuous)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s options need timescaledb.continuous", "timescaledb.*"),
				 errhint("Add timescaledb.continuous to WITH (...) to make a continuous aggregate.")));
	foreach(lc, options)
		if (opts->continuous && ((DefElem *) lfirst(lc))->defnamespace == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("storage parameter \"%s\" is not supported on continuous aggregates",
							((DefElem *) lfirst(lc))->defname)));
}

/* The raw SELECT of the CREATE MATERIALIZED VIEW at location in queryString. */
static SelectStmt *
RawSelectOf(const char *queryString, int location)
{
	ListCell   *lc;

	foreach(lc, raw_parser(queryString, RAW_PARSE_DEFAULT))
	{
		RawStmt    *raw = lfirst(lc);

		if (raw->stmt_location == location && IsA(raw->stmt, CreateTableAsStmt))
			return castNode(SelectStmt, ((CreateTableAsStmt *) raw->stmt)->query);
	}
	elog(ERROR, "could not find the query of the continuous aggregate");
	pg_unreachable();
}

/*
 * Runs fn(arg) as the catalog's owner, who may create objects in
 * _epiphany_caggs, then gives the relation it returns to owner.
 */
static Oid
CreateAsCatalogOwner(Oid (*fn) (void *), void *arg, Oid owner)
{
	Oid			save_userid;
	int			save_sec;
	Oid			relid;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(CatalogOwner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	relid = fn(arg);
	CommandCounterIncrement();
	ATExecChangeOwner(relid, owner, false, AccessExclusiveLock);
	SetUserIdAndSecContext(save_userid, save_sec);
	CommandCounterIncrement();
	return relid;
}

/* A view of _epiphany_caggs: its name and raw query. */
typedef struct InternalViewArgs
{
	char	   *name;
	SelectStmt *select;
	List	   *aliases;
	const char *queryString;
	PlannedStmt *pstmt;
} InternalViewArgs;

static Oid
MakeInternalView(void *arg)
{
	InternalViewArgs *args = arg;
	ViewStmt   *view = makeNode(ViewStmt);

	view->view = makeRangeVar(CAGG_SCHEMA, args->name, -1);
	view->aliases = args->aliases;
	view->query = (Node *) args->select;
	view->replace = false;
	view->options = NIL;
	view->withCheckOption = NO_CHECK_OPTION;
	return DefineView(view, args->queryString, args->pstmt->stmt_location,
					  args->pstmt->stmt_len).objectId;
}

typedef struct MatTableArgs
{
	int32		id;
	Oid			query_view;		/* whose columns the materialization has */
	const char *bucket_column;
	int64		chunk_interval;
	List	   *index_columns;
	bool		merges;			/* late rows are merged into its rows */
} MatTableArgs;

/*
 * The fillfactor of a materialization that merges late rows: a refresh
 * updates the groups it merges into in place, and with half of each page
 * free even an update of every row on a page stays on the page (HOT: no
 * index entry, no new page), and the next scan prunes the old versions, so
 * the table keeps its size from one refresh to the next.
 */
#define MERGING_MATERIALIZATION_FILLFACTOR 50

static Oid
MakeMaterialization(void *arg)
{
	MatTableArgs *args = arg;
	char	   *relname = psprintf("_materialized_hypertable_%d", args->id);
	char	   *name = quote_qualified_identifier(CAGG_SCHEMA, relname);
	Oid			argtypes[2] = {NAMEOID, INT8OID};
	Datum		values[2];
	ListCell   *lc;

	CatalogExecute(psprintf("CREATE TABLE %s WITH (fillfactor = %d) AS SELECT * FROM %s"
							" WITH NO DATA", name,
							args->merges ? MERGING_MATERIALIZATION_FILLFACTOR : HEAP_DEFAULT_FILLFACTOR,
							QualifiedRelationName(args->query_view)),
				   0, NULL, NULL, NULL, NULL);
	values[0] = CStringGetDatum(args->bucket_column);
	values[1] = Int64GetDatum(args->chunk_interval);
	CatalogExecute(psprintf("SELECT _epiphany_timestore.create_hypertable('%s', $1, $2,"
							" true, false, false, NULL, NULL)", name),
				   2, argtypes, values, NULL, NULL);
	foreach(lc, args->index_columns)
		CatalogExecute(psprintf("CREATE INDEX ON %s (%s, %s DESC)", name,
								quote_identifier(lfirst(lc)),
								quote_identifier(args->bucket_column)),
					   0, NULL, NULL, NULL, NULL);
	return RangeVarGetRelid(makeRangeVar(CAGG_SCHEMA, relname, -1), NoLock, false);
}

/* The columns of the direct view, for a select list. */
static char *
UserColumns(const ContinuousAgg *cagg)
{
	Relation	rel = relation_open(cagg->direct_view, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData columns;
	int			i;

	initStringInfo(&columns);
	for (i = 0; i < desc->natts; i++)
		appendStringInfo(&columns, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(NameStr(TupleDescAttr(desc, i)->attname)));
	relation_close(rel, AccessShareLock);
	return columns.data;
}

/*
 * A late-row table of a mergeable aggregate: the parent, with the source's
 * columns (parent invalid), or one of its two children.
 */
typedef struct LateRowsTableArgs
{
	char	   *name;
	Oid			source;
	Oid			parent;
} LateRowsTableArgs;

static Oid
MakeLateRowsTable(void *arg)
{
	LateRowsTableArgs *args = arg;
	const char *name = quote_qualified_identifier(CAGG_SCHEMA, args->name);

	if (OidIsValid(args->parent))
		CatalogExecute(psprintf("CREATE TABLE %s () INHERITS (%s)", name,
								QualifiedRelationName(args->parent)),
					   0, NULL, NULL, NULL, NULL);
	else
		CatalogExecute(psprintf("CREATE TABLE %s (LIKE %s)", name,
								QualifiedRelationName(args->source)),
					   0, NULL, NULL, NULL, NULL);
	return RangeVarGetRelid(makeRangeVar(CAGG_SCHEMA, args->name, -1), NoLock, false);
}

/* The query of the user's view (the materialization may have hidden columns). */
static char *
UserViewQuery(const ContinuousAgg *cagg, bool materialized_only)
{
	char	   *mat = psprintf("%s FROM %s", UserColumns(cagg),
							   QualifiedRelationName(cagg->mat_relid));
	char	   *watermark;
	const char *column = quote_identifier(cagg->bucket_column);

	if (materialized_only)
		return psprintf("SELECT %s", mat);
	watermark = psprintf("_epiphany_timestore.cagg_watermark(%d, NULL::%s)", cagg->id,
						 format_type_be_qualified(cagg->time_type));
	return psprintf("SELECT %s WHERE %s < %s UNION ALL SELECT * FROM %s WHERE %s >= %s",
					mat, column, watermark, QualifiedRelationName(cagg->direct_view),
					column, watermark);
}

/* Runs sql through SPI as the current user. */
static void
ExecuteAsUser(const char *sql)
{
	SPI_connect();
	if (SPI_execute(sql, false, 0) < 0)
		elog(ERROR, "could not run: %s", sql);
	SPI_finish();
}

/* Puts the invalidation triggers on the source hypertable, if not there yet. */
static void
InstallInvalidationTriggers(const Hypertable *ht)
{
	char	   *table = QualifiedRelationName(ht->relid);

	if (OidIsValid(get_trigger_oid(ht->relid, CAGG_INVALIDATION_TRIGGER, true)))
		return;
	CatalogExecute(psprintf("CREATE TRIGGER %s AFTER INSERT OR UPDATE OR DELETE ON %s"
							" FOR EACH ROW EXECUTE FUNCTION"
							" _epiphany_timestore.cagg_invalidation_trigger('%d')",
							CAGG_INVALIDATION_TRIGGER, table, ht->id),
				   0, NULL, NULL, NULL, NULL);
	CatalogExecute(psprintf("CREATE TRIGGER %s AFTER TRUNCATE ON %s"
							" FOR EACH STATEMENT EXECUTE FUNCTION"
							" _epiphany_timestore.cagg_invalidation_trigger('%d')",
							CAGG_TRUNCATE_TRIGGER, table, ht->id),
				   0, NULL, NULL, NULL, NULL);
}

/* Writes the catalog row of a new continuous aggregate. */
static void
RegisterContinuousAgg(const ContinuousAgg *cagg)
{
	Oid			argtypes[16] = {INT4OID, OIDOID, OIDOID, OIDOID, INT4OID, NAMEOID,
		TEXTOID, INT8OID, BOOLOID, OIDOID, OIDOID, OIDOID, OIDOID, OIDOID, TEXTOID, TEXTOID};
	Datum		values[16];
	char		nulls[16] = "                ";
	bool		merges = OidIsValid(cagg->late_rows);
	int			i;

	values[0] = Int32GetDatum(cagg->id);
	values[1] = ObjectIdGetDatum(cagg->user_view);
	values[2] = ObjectIdGetDatum(cagg->direct_view);
	values[3] = ObjectIdGetDatum(cagg->mat_relid);
	values[4] = Int32GetDatum(cagg->source_hypertable_id);
	values[5] = CStringGetDatum(cagg->bucket_column);
	values[6] = CStringGetTextDatum(cagg->bucket_function);
	values[7] = Int64GetDatum(cagg->bucket_min_width);
	values[8] = BoolGetDatum(cagg->materialized_only);
	values[9] = ObjectIdGetDatum(cagg->late_rows);
	values[10] = ObjectIdGetDatum(cagg->late_rows_active);
	values[11] = ObjectIdGetDatum(cagg->late_rows_spare);
	values[12] = ObjectIdGetDatum(cagg->partial_view);
	values[13] = ObjectIdGetDatum(cagg->late_view);
	values[14] = merges ? CStringGetTextDatum(cagg->merge_keys) : (Datum) 0;
	values[15] = merges ? CStringGetTextDatum(cagg->merge_set) : (Datum) 0;
	for (i = 9; i < 16 && !merges; i++)
		nulls[i] = 'n';
	CatalogExecute("INSERT INTO _epiphany_timestore.continuous_agg"
				   " (id, user_view, direct_view, mat_hypertable_id, source_hypertable_id,"
				   "  bucket_column, bucket_function, bucket_min_width, materialized_only,"
				   "  late_rows, late_rows_active, late_rows_spare, partial_view, late_view,"
				   "  merge_keys, merge_set)"
				   " SELECT $1, $2, $3, h.id, $5, $6, $7, $8, $9, $10::regclass, $11::regclass,"
				   "  $12::regclass, $13::regclass, $14::regclass, $15, $16"
				   " FROM _epiphany_timestore.hypertable h WHERE h.relid = $4::regclass",
				   16, argtypes, values, nulls, NULL);
}

/* The output name of a target entry, after the view's column aliases. */
static char *
OutputName(TargetEntry *tle, List *aliases)
{
	if (tle->resno <= list_length(aliases))
		return strVal(list_nth(aliases, tle->resno - 1));
	return tle->resname;
}

/* The chunk interval of a materialization (see CAGG_CHUNK_INTERVAL_FACTOR). */
static int64
MaterializationChunkInterval(int64 source_interval, int64 bucket_width)
{
	int64		chunks;
	int64		buckets;

	if (pg_mul_s64_overflow(source_interval, CAGG_CHUNK_INTERVAL_FACTOR, &chunks))
		chunks = PG_INT64_MAX;
	if (pg_mul_s64_overflow(bucket_width, CAGG_CHUNK_BUCKETS, &buckets))
		buckets = PG_INT64_MAX;
	return Max(chunks, buckets);
}

/* The output names of the query's columns, by position. */
static List *
OutputNames(Query *query, List *aliases)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, query->targetList)
		if (!((TargetEntry *) lfirst(lc))->resjunk)
			names = lappend(names, OutputName(lfirst(lc), aliases));
	return names;
}

/*
 * Makes the late-row tables (a parent and its two children), the partial
 * view and the late view of an aggregate that merges late rows
 * (cagg_merge.c), and notes them in cagg.
 */
static void
CreateMergeObjects(ContinuousAgg *cagg, const CaggDefinition *def, const CaggMergeSpec *spec,
				   InternalViewArgs *view)
{
	SelectStmt *partial = CaggPartialSelect(view->select, spec);
	char	   *late_name = psprintf("_late_rows_%d", cagg->id);
	LateRowsTableArgs late;

	late.name = late_name;
	late.source = def->ht->relid;
	late.parent = InvalidOid;
	cagg->late_rows = CreateAsCatalogOwner(MakeLateRowsTable, &late, GetUserId());
	late.parent = cagg->late_rows;
	late.name = psprintf("%s_a", late_name);
	cagg->late_rows_active = CreateAsCatalogOwner(MakeLateRowsTable, &late, GetUserId());
	late.name = psprintf("%s_b", late_name);
	cagg->late_rows_spare = CreateAsCatalogOwner(MakeLateRowsTable, &late, GetUserId());

	view->name = psprintf("_partial_view_%d", cagg->id);
	view->select = partial;
	cagg->partial_view = CreateAsCatalogOwner(MakeInternalView, view, GetUserId());
	view->name = psprintf("_late_view_%d", cagg->id);
	view->select = CaggLateSelect(partial, late_name);
	cagg->late_view = CreateAsCatalogOwner(MakeInternalView, view, GetUserId());
	cagg->merge_keys = spec->merge_keys;
	cagg->merge_set = spec->merge_set;
}

/* Records that relation dependent depends on relation referenced. */
static void
RecordDependency(Oid dependent, Oid referenced, DependencyType type)
{
	ObjectAddress from;
	ObjectAddress to;

	ObjectAddressSet(from, RelationRelationId, dependent);
	ObjectAddressSet(to, RelationRelationId, referenced);
	recordDependencyOn(&from, &to, type);
}

/*
 * CREATE MATERIALIZED VIEW ... WITH (timescaledb.continuous): needs
 * ownership of the hypertable (or continuous aggregate) read.
 */
static void
CreateContinuousAgg(CreateTableAsStmt *stmt, const CaggOptions *opts, PlannedStmt *pstmt,
					const char *queryString)
{
	IntoClause *into = stmt->into;
	Query	   *query = castNode(Query, stmt->query);
	CaggDefinition def;
	ContinuousAgg cagg;
	InternalViewArgs view;
	MatTableArgs mat;
	CaggMergeSpec spec;
	SelectStmt *select;
	ListCell   *lc;
	Datum		id;

	if (OidIsValid(RangeVarGetRelid(into->rel, NoLock, true)))
	{
		if (stmt->if_not_exists)
		{
			ereport(NOTICE,
					(errcode(ERRCODE_DUPLICATE_TABLE),
					 errmsg("relation \"%s\" already exists, skipping", into->rel->relname)));
			return;
		}
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", into->rel->relname)));
	}
	if (into->rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("continuous aggregates cannot be temporary")));

	CheckDefinition(query, &def);
	if (!pg_class_ownercheck(def.source->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(def.source->relid));
	/* writers of the source wait, so that none misses the new aggregate */
	LockRelationOid(def.ht->relid, ShareRowExclusiveLock);

	CatalogExecute("SELECT nextval('_epiphany_timestore.continuous_agg_id_seq')",
				   0, NULL, NULL, NULL, &id);
	memset(&cagg, 0, sizeof(cagg));
	cagg.id = DatumGetInt64(id);
	cagg.source_hypertable_id = def.ht->id;
	cagg.source_relid = def.ht->relid;
	cagg.time_type = def.ht->time_type;
	cagg.bucket_column = OutputName(def.bucket_tle, into->colNames);
	cagg.bucket_function = BucketFunctionText(&def);
	cagg.bucket_min_width = BucketMinWidth(&def);
	cagg.materialized_only = opts->materialized_only;

	select = RawSelectOf(queryString, pstmt->stmt_location);
	view.select = select;
	view.aliases = into->colNames;
	view.queryString = queryString;
	view.pstmt = pstmt;
	view.name = psprintf("_direct_view_%d", cagg.id);
	cagg.direct_view = CreateAsCatalogOwner(MakeInternalView, &view, GetUserId());
	if (def.source->relid == def.ht->relid &&
		CaggMergePlan(query, select, OutputNames(query, into->colNames),
					  def.bucket_tle->resno, &spec))
		CreateMergeObjects(&cagg, &def, &spec, &view);

	mat.id = cagg.id;
	mat.query_view = OidIsValid(cagg.partial_view) ? cagg.partial_view : cagg.direct_view;
	mat.merges = OidIsValid(cagg.partial_view);
	mat.bucket_column = cagg.bucket_column;
	mat.chunk_interval = MaterializationChunkInterval(def.ht->chunk_interval,
													  cagg.bucket_min_width);
	mat.index_columns = NIL;
	if (opts->create_group_indexes)
		foreach(lc, def.group_tles)
			if (!((TargetEntry *) lfirst(lc))->resjunk)
				mat.index_columns = lappend(mat.index_columns,
											OutputName(lfirst(lc), into->colNames));
	cagg.mat_relid = CreateAsCatalogOwner(MakeMaterialization, &mat, GetUserId());

	ExecuteAsUser(psprintf("CREATE VIEW %s AS %s",
						   quote_qualified_identifier(into->rel->schemaname, into->rel->relname),
						   UserViewQuery(&cagg, cagg.materialized_only)));
	CommandCounterIncrement();
	cagg.user_view = RangeVarGetRelid(into->rel, NoLock, false);
	/*
	 * The user's view goes with the direct view's source; the parts go with
	 * the user's view through the sql_drop trigger drop_continuous_agg_parts.
	 */
	RecordDependency(cagg.user_view, cagg.direct_view, DEPENDENCY_NORMAL);
	RegisterContinuousAgg(&cagg);
	InstallInvalidationTriggers(def.ht);
	/* writers must see the new aggregate before they copy late rows */
	CacheInvalidateRelcacheByRelid(def.ht->relid);
	CommandCounterIncrement();

	if (!into->skipData)
		ContinuousAggRefresh(ContinuousAggFind(cagg.user_view), PG_INT64_MIN, PG_INT64_MAX,
							 false, false);
}

/* ----------------------------------------------------------------
 *		Altering and dropping
 * ----------------------------------------------------------------
 */

/*
 * ALTER MATERIALIZED VIEW v OWNER TO: the user's view with PostgreSQL's
 * checks, then every part (the materialization's chunks included) and the
 * refresh policy's job, which runs as the owner.
 */
static void
ChangeOwner(const ContinuousAgg *cagg, Oid owner)
{
	Oid			parts[] = {cagg->direct_view, cagg->mat_relid, cagg->partial_view,
		cagg->late_view, cagg->late_rows, cagg->late_rows_active, cagg->late_rows_spare};
	Oid			argtypes[2] = {INT4OID, OIDOID};
	Datum		values[2] = {Int32GetDatum(cagg->mat_hypertable_id), ObjectIdGetDatum(owner)};
	ListCell   *lc;
	int			i;

	ATExecChangeOwner(cagg->user_view, owner, false, AccessExclusiveLock);
	for (i = 0; i < lengthof(parts); i++)
		if (OidIsValid(parts[i]))
			ATExecChangeOwner(parts[i], owner, true, AccessExclusiveLock);
	foreach(lc, find_inheritance_children(cagg->mat_relid, AccessExclusiveLock))
		ATExecChangeOwner(lfirst_oid(lc), owner, true, AccessExclusiveLock);
	CatalogExecute("UPDATE _epiphany_timestore.bgw_job SET owner = $2 WHERE hypertable_id = $1",
				   2, argtypes, values, NULL, NULL);
}

/* ALTER MATERIALIZED VIEW v SET (timescaledb.materialized_only = ...) or OWNER TO. */
static void
AlterContinuousAgg(AlterTableStmt *stmt, ContinuousAgg *cagg)
{
	bool		materialized_only = cagg->materialized_only;
	Oid			argtypes[2] = {INT4OID, BOOLOID};
	Datum		values[2];
	ListCell   *lc;
	ListCell   *lc2;

	if (!pg_class_ownercheck(cagg->user_view, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_MATVIEW, get_rel_name(cagg->user_view));
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_ChangeOwner)
		{
			ChangeOwner(cagg, get_rolespec_oid(cmd->newowner, false));
			continue;
		}
		if (cmd->subtype != AT_SetRelOptions)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("this form of ALTER MATERIALIZED VIEW is not supported on continuous aggregates"),
					 errhint("Continuous aggregates take SET (timescaledb.materialized_only = ...), OWNER TO, RENAME TO and SET SCHEMA.")));
		foreach(lc2, (List *) cmd->def)
		{
			DefElem    *opt = lfirst(lc2);

			if (opt->defnamespace == NULL ||
				(strcmp(opt->defnamespace, "timescaledb") != 0 &&
				 strcmp(opt->defnamespace, "epiphany") != 0) ||
				strcmp(opt->defname, "materialized_only") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("option \"%s\" cannot be changed on a continuous aggregate",
								opt->defname),
						 errhint("Only timescaledb.materialized_only can be changed.")));
			materialized_only = defGetBoolean(opt);
		}
	}
	if (materialized_only == cagg->materialized_only)
		return;
	ExecuteAsUser(psprintf("CREATE OR REPLACE VIEW %s AS %s",
						   QualifiedRelationName(cagg->user_view),
						   UserViewQuery(cagg, materialized_only)));
	values[0] = Int32GetDatum(cagg->id);
	values[1] = BoolGetDatum(materialized_only);
	CatalogExecute("UPDATE _epiphany_timestore.continuous_agg SET materialized_only = $2"
				   " WHERE id = $1", 2, argtypes, values, NULL, NULL);
}

/*
 * DROP MATERIALIZED VIEW of continuous aggregates becomes DROP VIEW of
 * their user views; the sql_drop trigger drop_continuous_agg_parts takes
 * the other parts along.  Returns false when the statement names no
 * continuous aggregate.
 */
static bool
DropContinuousAggs(PlannedStmt *pstmt, const char *queryString, ProcessUtilityContext context,
				   ParamListInfo params, QueryEnvironment *queryEnv, DestReceiver *dest,
				   QueryCompletion *qc)
{
	DropStmt   *stmt = (DropStmt *) pstmt->utilityStmt;
	List	   *caggs = NIL;
	ListCell   *lc;

	if (stmt->removeType != OBJECT_MATVIEW && stmt->removeType != OBJECT_VIEW)
		return false;
	foreach(lc, stmt->objects)
	{
		ContinuousAgg *cagg = ContinuousAggOfRangeVar(makeRangeVarFromNameList(lfirst(lc)));

		if (cagg != NULL)
			caggs = lappend(caggs, cagg);
	}
	if (caggs == NIL)
		return false;
	if (stmt->removeType == OBJECT_VIEW)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a continuous aggregate",
						get_rel_name(((ContinuousAgg *) linitial(caggs))->user_view)),
				 errhint("Use DROP MATERIALIZED VIEW to drop it.")));
	if (list_length(caggs) != list_length(stmt->objects))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot drop continuous aggregates and other materialized views in one statement")));

	/* a refresh locks these rows before its relations: so do we */
	foreach(lc, caggs)
	{
		Oid			argtypes[1] = {INT4OID};
		Datum		values[1] = {Int32GetDatum(((ContinuousAgg *) lfirst(lc))->id)};

		CatalogExecute("SELECT 1 FROM _epiphany_timestore.continuous_agg WHERE id = $1"
					   " FOR UPDATE", 1, argtypes, values, NULL, NULL);
	}
	pstmt = copyObject(pstmt);
	((DropStmt *) pstmt->utilityStmt)->removeType = OBJECT_VIEW;
	UtilityCallNext(pstmt, queryString, false, context, params, queryEnv, dest, qc);
	CommandCounterIncrement();
	foreach(lc, caggs)
	{
		ContinuousAgg *cagg = lfirst(lc);

		/* writers stop copying late rows to the dropped table */
		if (HypertableGet(cagg->source_relid) != NULL)
			CacheInvalidateRelcacheByRelid(cagg->source_relid);
	}
	return true;
}

/*
 * ALTER MATERIALIZED VIEW ... RENAME TO / SET SCHEMA of a continuous
 * aggregate: the same statement on its user view.
 */
static bool
MoveContinuousAgg(PlannedStmt *pstmt, const char *queryString, ProcessUtilityContext context,
				  ParamListInfo params, QueryEnvironment *queryEnv, DestReceiver *dest,
				  QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	RangeVar   *relation;

	if (IsA(parsetree, RenameStmt) &&
		((RenameStmt *) parsetree)->renameType == OBJECT_MATVIEW)
		relation = ((RenameStmt *) parsetree)->relation;
	else if (IsA(parsetree, AlterObjectSchemaStmt) &&
			 ((AlterObjectSchemaStmt *) parsetree)->objectType == OBJECT_MATVIEW)
		relation = ((AlterObjectSchemaStmt *) parsetree)->relation;
	else
		return false;
	if (ContinuousAggOfRangeVar(relation) == NULL)
		return false;
	pstmt = copyObject(pstmt);
	if (IsA(pstmt->utilityStmt, RenameStmt))
		((RenameStmt *) pstmt->utilityStmt)->renameType = OBJECT_VIEW;
	else
		((AlterObjectSchemaStmt *) pstmt->utilityStmt)->objectType = OBJECT_VIEW;
	UtilityCallNext(pstmt, queryString, false, context, params, queryEnv, dest, qc);
	return true;
}

/*
 * ContinuousAggProcessUtility - handles the statements on continuous
 * aggregates; returns false for any other statement, which the caller
 * then runs.
 */
bool
ContinuousAggProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
							ProcessUtilityContext context, ParamListInfo params,
							QueryEnvironment *queryEnv, DestReceiver *dest,
							QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	ContinuousAgg *cagg;

	if (IsA(parsetree, CreateTableAsStmt) &&
		((CreateTableAsStmt *) parsetree)->objtype == OBJECT_MATVIEW)
	{
		CreateTableAsStmt *stmt = (CreateTableAsStmt *) parsetree;
		CaggOptions opts;

		ParseOptions(stmt->into->options, &opts);
		if (!opts.continuous)
			return false;
		if (!CaggCatalogExists())
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("extension \"%s\" is not installed in this database",
							EP_TIMESTORE_EXTENSION)));
		CreateContinuousAgg(stmt, &opts, pstmt, queryString);
		if (qc)
			SetQueryCompletion(qc, CMDTAG_CREATE_MATERIALIZED_VIEW, 0);
		return true;
	}
	if (!CaggCatalogExists())
		return false;
	if (IsA(parsetree, DropStmt))
		return DropContinuousAggs(pstmt, queryString, context, params, queryEnv, dest, qc);
	if (IsA(parsetree, AlterTableStmt) &&
		((AlterTableStmt *) parsetree)->objtype == OBJECT_MATVIEW &&
		(cagg = ContinuousAggOfRangeVar(((AlterTableStmt *) parsetree)->relation)) != NULL)
	{
		AlterContinuousAgg((AlterTableStmt *) parsetree, cagg);
		return true;
	}
	if (IsA(parsetree, RefreshMatViewStmt) &&
		ContinuousAggOfRangeVar(((RefreshMatViewStmt *) parsetree)->relation) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("REFRESH MATERIALIZED VIEW does not refresh continuous aggregates"),
				 errhint("Use CALL refresh_continuous_aggregate('%s', NULL, NULL).",
						 ((RefreshMatViewStmt *) parsetree)->relation->relname)));
	return MoveContinuousAgg(pstmt, queryString, context, params, queryEnv, dest, qc);
}

/* ----------------------------------------------------------------
 *		The watermark
 * ----------------------------------------------------------------
 */

typedef struct WatermarkCache
{
	int32		cagg_id;
	Datum		value;
} WatermarkCache;

/* The lowest value of a time type, below every time. */
static Datum
TimeTypeLowest(Oid type)
{
	switch (type)
	{
		case INT2OID:
			return Int16GetDatum(PG_INT16_MIN);
		case INT4OID:
			return Int32GetDatum(PG_INT32_MIN);
		case INT8OID:
			return Int64GetDatum(PG_INT64_MIN);
		case DATEOID:
			return DateADTGetDatum(DATEVAL_NOBEGIN);
		default:
			return TimestampGetDatum(DT_NOBEGIN);
	}
}

/* The highest value of a time type. */
static Datum
TimeTypeHighest(Oid type)
{
	switch (type)
	{
		case INT2OID:
			return Int16GetDatum(PG_INT16_MAX);
		case INT4OID:
			return Int32GetDatum(PG_INT32_MAX);
		case INT8OID:
			return Int64GetDatum(PG_INT64_MAX);
		case DATEOID:
			return DateADTGetDatum(DATEVAL_NOEND);
		default:
			return TimestampGetDatum(DT_NOEND);
	}
}

/*
 * _epiphany_timestore.cagg_watermark(cagg_id, NULL::time_type): read once
 * per statement, with the statement's snapshot, so that both parts of a
 * real-time view split the buckets at the same time.
 */
Datum
ep_cagg_watermark(PG_FUNCTION_ARGS)
{
	WatermarkCache *cache = fcinfo->flinfo->fn_extra;
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 1);
	int32		cagg_id;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	cagg_id = PG_GETARG_INT32(0);
	if (!TimeTypeIsSupported(type))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("cagg_watermark needs a time type, not %s", format_type_be(type))));
	if (cache == NULL || cache->cagg_id != cagg_id)
	{
		Oid			argtypes[1] = {INT4OID};
		Datum		values[1] = {Int32GetDatum(cagg_id)};
		bool		isnull;
		Datum		watermark;
		int			nestlevel;

		cache = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(WatermarkCache));
		cache->cagg_id = cagg_id;
		nestlevel = CatalogEnter();
		SPI_connect();
		if (SPI_execute_with_args("SELECT watermark FROM _epiphany_timestore.continuous_agg"
								  " WHERE id = $1", 1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT ||
			SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("continuous aggregate %d does not exist", cagg_id)));
		watermark = Column(1, &isnull);
		SPI_finish();
		CatalogLeave(nestlevel);
		if (isnull)
			cache->value = TimeTypeLowest(type);
		else if (!InternalToTime(DatumGetInt64(watermark), type, &cache->value))
			cache->value = TimeTypeHighest(type);
		fcinfo->flinfo->fn_extra = cache;
	}
	return cache->value;
}
