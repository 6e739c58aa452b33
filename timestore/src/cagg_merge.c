/*-------------------------------------------------------------------------
 *
 * cagg_merge.c
 *	  Late rows merged into materialized buckets (README.md, "Continuous
 *	  aggregates", "Merging late rows").  A refresh recomputes every
 *	  invalidated bucket from its raw rows; when late inserts are spread
 *	  over many buckets that costs a full refresh.  For an aggregate whose
 *	  outputs are grouping columns and count, sum, min, max or avg, the
 *	  INSERT and COPY paths instead copy each row below the invalidation
 *	  threshold into the aggregate's late-row table, and a refresh folds
 *	  the query's result on those rows into the materialized ones.
 *
 *	  Objects of a mergeable aggregate (all depending on its user view):
 *	  the late-row table _late_rows_<id> (the source's columns), an empty
 *	  parent of two tables, _a and _b, one of which writers copy late rows
 *	  into (the active one); the partial view (the query plus, for each avg,
 *	  the sum and count it is made of, which the materialization keeps in
 *	  hidden columns); the late view (the partial view's query on the
 *	  parent).
 *
 *	  Invariant: a row of a late-row table is never reflected in the
 *	  materialization.  Its raw row commits with it; a recompute of a bucket
 *	  deletes the bucket's late rows in the statement that reads its raw
 *	  rows, and a merge removes the late rows it folds in, in the statement
 *	  that reads them (one snapshot each), or truncates their table after it
 *	  when no writer can add to it meanwhile.  So each late row is counted
 *	  once, by a recompute or by a merge.  Rows are copied only when every continuous
 *	  aggregate on the hypertable is mergeable (the others need the ranges).
 *
 *	  Draining by TRUNCATE: deleting late rows row by row costs a WAL record
 *	  each, a full-page image of each page after a checkpoint, and dead
 *	  rows until a vacuum.  A refresh outside a transaction block therefore
 *	  flips the active table before it commits the raised threshold, so
 *	  that writers copy into the other one from then on; after it has locked
 *	  its aggregate's catalog row (so refreshes run one at a time), it takes
 *	  the table written before the flip with AccessExclusiveLock, if it can
 *	  at once: then no writer has it open, and the next statement's
 *	  snapshot (READ COMMITTED) sees every row in it.  The merge reads both
 *	  tables, deletes what it read from the active one (rows copied since
 *	  the flip), moves the drained table's rows outside its window to the
 *	  active one, and the drained table is truncated.  A writer that still
 *	  has the old table open (it read the active one just before the flip)
 *	  makes the refresh fall back to deleting, so refreshes never wait for
 *	  writers, and writers wait for a refresh only in that moment's race.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/cagg_merge.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "storage/lmgr.h"
#include "timestore.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/varlena.h"
#include "utils/rel.h"

/* ----------------------------------------------------------------
 *		Which aggregates merge, and how
 * ----------------------------------------------------------------
 */

/* The kind of a pg_catalog aggregate that merges, or NULL. */
static const char *
MergeableAggregate(Aggref *agg)
{
	static const char *const names[] = {"count", "sum", "min", "max", "avg"};
	char	   *name;
	int			i;

	if (agg->aggdistinct != NIL || agg->aggorder != NIL || agg->aggfilter != NULL ||
		agg->aggkind != AGGKIND_NORMAL || agg->agglevelsup != 0 ||
		get_func_namespace(agg->aggfnoid) != PG_CATALOG_NAMESPACE)
		return NULL;
	name = get_func_name(agg->aggfnoid);
	for (i = 0; i < lengthof(names); i++)
		if (strcmp(name, names[i]) == 0)
			return names[i];
	return NULL;
}

/* Whether avg over type merges as sum/count (float or exact numeric). */
static bool
AvgTypeMerges(Oid type, bool *is_float)
{
	*is_float = (type == FLOAT4OID || type == FLOAT8OID);
	return *is_float || type == INT2OID || type == INT4OID || type == INT8OID ||
		type == NUMERICOID;
}

/*
 * The columns joined by sep, each as "m.column = d.column" when op is
 * given ("m.column op d.column"), else as it is.
 */
static char *
JoinedColumns(List *columns, const char *sep, const char *op)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, columns)
	{
		if (buf.len > 0)
			appendStringInfoString(&buf, sep);
		if (op == NULL)
			appendStringInfoString(&buf, lfirst(lc));
		else
			appendStringInfo(&buf, "m.%s %s d.%s", (char *) lfirst(lc), op, (char *) lfirst(lc));
	}
	return buf.data;
}

/* The merge of two sums: NULL is a sum of no rows. */
static char *
SumMerge(const char *column)
{
	return psprintf("CASE WHEN m.%1$s IS NULL THEN d.%1$s WHEN d.%1$s IS NULL THEN m.%1$s"
					" ELSE m.%1$s + d.%1$s END", column);
}

/*
 * (sum)::float8 or ::numeric / NULLIF(count, 0): what avg computes
 * (float8_avg is Sx / N; the integer and numeric avg divide the numeric sum
 * by the count with numeric_div), from aggregates that the hidden columns
 * compute anyway, so that the planner runs them once and avg not at all.
 */
static Node *
AvgQuotient(FuncCall *sum_call, FuncCall *count_call, bool is_float)
{
	TypeCast   *sum = makeNode(TypeCast);
	A_Const    *zero = makeNode(A_Const);

	sum->arg = copyObject((Node *) sum_call);
	sum->typeName = SystemTypeName(is_float ? "float8" : "numeric");
	sum->location = -1;
	zero->val.ival.type = T_Integer;
	zero->val.ival.ival = 0;
	zero->location = -1;
	return (Node *) makeSimpleA_Expr(AEXPR_OP, "/", (Node *) sum,
									 (Node *) makeSimpleA_Expr(AEXPR_NULLIF, "=",
															   copyObject((Node *) count_call),
															   (Node *) zero, -1),
									 -1);
}

/* A raw target of the given output name. */
static ResTarget *
NamedTarget(const char *name, Node *val)
{
	ResTarget  *target = makeNode(ResTarget);

	target->name = pstrdup(name);
	target->val = val;
	target->location = -1;
	return target;
}

/*
 * CaggMergePlan - whether the aggregate can merge late rows; if so, fills
 * spec: the hidden targets to add to the raw query (for each avg its sum
 * and count), the columns that identify a group (merge_keys: the bucket
 * first) and the SQL that folds a row d of partial results into a
 * materialized row m (merge_set).  names are the output names of the
 * query's columns, by position.
 */
bool
CaggMergePlan(Query *query, SelectStmt *select, List *names, AttrNumber bucket_resno,
			  CaggMergeSpec *spec)
{
	List	   *keys = NIL;
	StringInfoData set;
	ListCell   *lc;

	memset(spec, 0, sizeof(CaggMergeSpec));
	if (query->havingQual != NULL || list_length(select->targetList) != list_length(names) ||
		list_length(select->fromClause) != 1 || !IsA(linitial(select->fromClause), RangeVar))
		return false;
	initStringInfo(&set);
	foreach(lc, query->targetList)
	{
		TargetEntry *tle = lfirst(lc);
		ResTarget  *raw;
		const char *column;
		const char *kind;
		Aggref	   *agg;

		if (tle->resjunk)
		{
			if (tle->ressortgroupref != 0)
				return false;	/* a grouping column the rows do not show */
			continue;
		}
		raw = list_nth(select->targetList, tle->resno - 1);
		column = quote_identifier(list_nth(names, tle->resno - 1));
		if (tle->ressortgroupref != 0 &&
			get_sortgroupref_clause_noerr(tle->ressortgroupref, query->groupClause) != NULL)
		{
			if (tle->resno == bucket_resno)
				keys = lcons((char *) column, keys);
			else
				keys = lappend(keys, (char *) column);
			continue;
		}
		if (!IsA(tle->expr, Aggref) || (kind = MergeableAggregate((Aggref *) tle->expr)) == NULL)
			return false;
		agg = (Aggref *) tle->expr;
		if (set.len > 0)
			appendStringInfoString(&set, ", ");
		if (strcmp(kind, "count") == 0)
			appendStringInfo(&set, "%s = m.%s + d.%s", column, column, column);
		else if (strcmp(kind, "sum") == 0)
			appendStringInfo(&set, "%s = %s", column, SumMerge(column));
		else if (strcmp(kind, "min") == 0 || strcmp(kind, "max") == 0)
			appendStringInfo(&set, "%s = %s(m.%s, d.%s)", column,
							 strcmp(kind, "min") == 0 ? "LEAST" : "GREATEST", column, column);
		else
		{
			Node	   *arg;
			Node	   *summed;
			FuncCall   *sum_call;
			FuncCall   *count_call;
			bool		is_float;
			char	   *sum_name = psprintf("_epiphany_sum_%d", tle->resno);
			char	   *count_name = psprintf("_epiphany_count_%d", tle->resno);
			const char *sum_column = quote_identifier(sum_name);
			const char *count_column = quote_identifier(count_name);

			if (list_length(agg->args) != 1 || !IsA(raw->val, FuncCall) ||
				list_length(((FuncCall *) raw->val)->args) != 1 ||
				!AvgTypeMerges(exprType((Node *) ((TargetEntry *) linitial(agg->args))->expr),
							   &is_float))
				return false;
			arg = linitial(((FuncCall *) raw->val)->args);
			summed = copyObject(arg);
			if (is_float)
			{
				TypeCast   *cast = makeNode(TypeCast);

				cast->arg = summed;
				cast->typeName = SystemTypeName("float8");
				cast->location = -1;
				summed = (Node *) cast;
			}
			sum_call = makeFuncCall(SystemFuncName("sum"), list_make1(summed),
									COERCE_EXPLICIT_CALL, -1);
			count_call = makeFuncCall(SystemFuncName("count"), list_make1(copyObject(arg)),
									  COERCE_EXPLICIT_CALL, -1);
			spec->hidden_targets = lappend(spec->hidden_targets,
										   NamedTarget(sum_name, (Node *) sum_call));
			spec->hidden_targets = lappend(spec->hidden_targets,
										   NamedTarget(count_name, (Node *) count_call));
			spec->avg_resnos = lappend_int(spec->avg_resnos, tle->resno);
			spec->avg_quotients = lappend(spec->avg_quotients,
										  NamedTarget(list_nth(names, tle->resno - 1),
													  AvgQuotient(sum_call, count_call,
																  is_float)));
			appendStringInfo(&set, "%s = (%s)::%s / NULLIF(m.%s + d.%s, 0), %s = %s, %s = m.%s + d.%s",
							 column, SumMerge(sum_column), is_float ? "float8" : "numeric",
							 count_column, count_column, sum_column, SumMerge(sum_column),
							 count_column, count_column, count_column);
		}
	}
	if (keys == NIL || set.len == 0)
		return false;
	spec->merge_keys = JoinedColumns(keys, ",", NULL);
	spec->merge_set = set.data;
	return true;
}

/*
 * The raw query of the partial view: the query and the hidden targets,
 * each avg computed from its hidden sum and count.
 */
SelectStmt *
CaggPartialSelect(SelectStmt *select, const CaggMergeSpec *spec)
{
	SelectStmt *partial = copyObject(select);
	ListCell   *resno;
	ListCell   *quotient;

	forboth(resno, spec->avg_resnos, quotient, spec->avg_quotients)
	{
		ResTarget  *target = list_nth(partial->targetList, lfirst_int(resno) - 1);
		ResTarget  *avg = lfirst(quotient);

		target->name = pstrdup(avg->name);
		target->val = copyObject(avg->val);
	}
	partial->targetList = list_concat(partial->targetList, copyObject(spec->hidden_targets));
	return partial;
}

/*
 * The raw query of the late view: the partial query on the late-row table,
 * under the name the query gives its relation.
 */
SelectStmt *
CaggLateSelect(SelectStmt *partial, const char *late_table)
{
	SelectStmt *late = copyObject(partial);
	RangeVar   *source = linitial(late->fromClause);
	RangeVar   *table = makeRangeVar(CAGG_SCHEMA, pstrdup(late_table), -1);

	table->alias = makeAlias(source->alias ? source->alias->aliasname : source->relname, NIL);
	linitial(late->fromClause) = table;
	return late;
}

/* ----------------------------------------------------------------
 *		Copying late rows (the INSERT and COPY paths)
 * ----------------------------------------------------------------
 */

/*
 * Per hypertable with continuous aggregates: the late-row tables to copy
 * late rows to (the active ones; none when one aggregate does not merge)
 * and the threshold as last read.  Dropped with the hypertable's relcache
 * entry, which creating or dropping a continuous aggregate and raising the
 * threshold (with the flip of the active tables) invalidate; a stale
 * threshold is lower than the real one, which only copies fewer rows (the
 * others are invalidated by range).
 */
typedef struct LateRowsCacheEntry
{
	Oid			relid;			/* hash key: the hypertable */
	int64		threshold;
	List	   *tables;			/* OIDs of late-row tables, TopMemoryContext */
} LateRowsCacheEntry;

static HTAB *LateRowsCache = NULL;

static LateRowsCacheEntry *
LateRowsLookup(const Hypertable *ht)
{
	LateRowsCacheEntry *entry;
	bool		found;
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(ht->id)};
	int			nestlevel;
	uint64		i;

	if (LateRowsCache == NULL)
		LateRowsCache = RelidCacheCreate("epiphany_timestore late rows",
										 sizeof(LateRowsCacheEntry));
	entry = hash_search(LateRowsCache, &ht->relid, HASH_ENTER, &found);
	if (found)
		return entry;
	entry->tables = NIL;
	entry->threshold = InvalidationThresholdGet(ht->id);
	nestlevel = CatalogEnter();
	SPI_connect();
	CatalogReadLatest("SELECT late_rows_active FROM _epiphany_timestore.continuous_agg"
					  " WHERE source_hypertable_id = $1", 1, argtypes, values, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		table = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1,
										  &isnull);
		MemoryContext oldcxt;

		if (isnull)
		{
			list_free(entry->tables);
			entry->tables = NIL;
			break;
		}
		oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		entry->tables = lappend_oid(entry->tables, DatumGetObjectId(table));
		MemoryContextSwitchTo(oldcxt);
	}
	SPI_finish();
	CatalogLeave(nestlevel);
	return entry;
}

/* One late-row table opened for a statement, with its column map. */
typedef struct LateRowsTarget
{
	Relation	rel;
	TupleTableSlot *slot;
	AttrNumber *source_attno;	/* per column of rel */
} LateRowsTarget;

/*
 * LateRowsOpen - the late-row tables a statement inserting into ht copies
 * late rows to, opened, or NULL when there are none.  *threshold gets the
 * time below which a row is late.
 */
List *
LateRowsOpen(const Hypertable *ht, Relation htrel, int64 *threshold)
{
	LateRowsCacheEntry *entry = LateRowsLookup(ht);
	List	   *targets = NIL;
	ListCell   *lc;

	*threshold = entry->threshold;
	foreach(lc, entry->tables)
	{
		Relation	rel = try_table_open(lfirst_oid(lc), RowExclusiveLock);
		LateRowsTarget *target;
		TupleDesc	desc;
		int			i;

		if (rel == NULL)
			continue;			/* its aggregate was dropped with a schema */
		target = palloc(sizeof(LateRowsTarget));
		target->rel = rel;
		desc = RelationGetDescr(target->rel);
		target->slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
		target->source_attno = palloc0(desc->natts * sizeof(AttrNumber));
		for (i = 0; i < desc->natts; i++)
		{
			const char *name = NameStr(TupleDescAttr(desc, i)->attname);

			if (!TupleDescAttr(desc, i)->attisdropped)
				target->source_attno[i] = get_attnum(RelationGetRelid(htrel), name);
		}
		targets = lappend(targets, target);
	}
	return targets;
}

/* LateRowsCopy - copies a row (in the hypertable's layout) to the tables. */
void
LateRowsCopy(List *targets, TupleTableSlot *row)
{
	ListCell   *lc;

	slot_getallattrs(row);
	foreach(lc, targets)
	{
		LateRowsTarget *target = lfirst(lc);
		TupleTableSlot *slot = target->slot;
		int			i;

		ExecClearTuple(slot);
		for (i = 0; i < slot->tts_tupleDescriptor->natts; i++)
		{
			AttrNumber	attno = target->source_attno[i];

			slot->tts_isnull[i] = attno == InvalidAttrNumber || row->tts_isnull[attno - 1];
			slot->tts_values[i] = slot->tts_isnull[i] ? (Datum) 0 : row->tts_values[attno - 1];
		}
		ExecStoreVirtualTuple(slot);
		table_tuple_insert(target->rel, slot, GetCurrentCommandId(true), 0, NULL);
	}
}

/* LateRowsClose - closes what LateRowsOpen opened. */
void
LateRowsClose(List *targets)
{
	ListCell   *lc;

	foreach(lc, targets)
	{
		LateRowsTarget *target = lfirst(lc);

		ExecDropSingleTupleTableSlot(target->slot);
		table_close(target->rel, NoLock);
	}
}

/* ----------------------------------------------------------------
 *		Merging (refresh)
 * ----------------------------------------------------------------
 */

/*
 * LateRowsFlip - makes the spare late-row table of cagg the active one, to
 * be committed with the raised threshold by a refresh that then drains the
 * other one (LateRowsDrainable).
 */
void
LateRowsFlip(const ContinuousAgg *cagg)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(cagg->id)};

	CatalogExecute("UPDATE _epiphany_timestore.continuous_agg"
				   " SET late_rows_active = late_rows_spare, late_rows_spare = late_rows_active"
				   " WHERE id = $1", 1, argtypes, values, NULL, NULL);
}

/*
 * LateRowsDrainable - the late-row table that the merge of a refresh may
 * empty by TRUNCATE (the spare one, locked AccessExclusive), or InvalidOid
 * when the refresh must delete the rows it merges: in a transaction block
 * (no flip was committed), under a snapshot older than the next statement,
 * or when a writer still has the table open.  *active gets the other one
 * when it drains.  Called with the aggregate's catalog row locked, after
 * the flip.
 */
Oid
LateRowsDrainable(const ContinuousAgg *cagg, bool nonatomic, Oid *active)
{
	ContinuousAgg *latest;

	*active = InvalidOid;
	if (!nonatomic || IsolationUsesXactSnapshot())
		return InvalidOid;
	/* the tables as flipped, read with the latest snapshot */
	latest = ContinuousAggFind(cagg->user_view);
	if (latest == NULL)
		elog(ERROR, "continuous aggregate %d has no catalog row", cagg->id);
	if (!ConditionalLockRelationOid(latest->late_rows_spare, AccessExclusiveLock))
		return InvalidOid;
	*active = latest->late_rows_active;
	return latest->late_rows_spare;
}

/* LateRowsTruncate - empties the late-row table that a merge drained. */
void
LateRowsTruncate(Oid drained)
{
	SPI_connect();
	if (SPI_execute(psprintf("TRUNCATE %s", QualifiedRelationName(drained)), false, 0) !=
		SPI_OK_UTILITY)
		elog(ERROR, "could not truncate late-row table %u", drained);
	SPI_finish();
}

/*
 * CaggMergeStatement - the statement that folds the late rows of a range
 * (time_cond on the late-row tables, bucket_cond on the late view) into
 * the materialized rows, inserts the groups not materialized yet, and
 * removes those late rows: one statement, so the rows merged are the rows
 * removed.  It deletes them, or, when the refresh drains the table
 * drained, deletes those of the active table and moves the drained
 * table's rows outside the range to the active one (the refresh truncates
 * the drained one next).  Groups are matched on "=" of every key, which
 * hashes; groups with a NULL grouping column are matched apart, with IS NOT
 * DISTINCT FROM.
 */
char *
CaggMergeStatement(const ContinuousAgg *cagg, const char *bucket_cond, const char *time_cond,
				   Oid drained, Oid active)
{
	char	   *mat = QualifiedRelationName(cagg->mat_relid);
	List	   *names;
	List	   *keys = NIL;
	List	   *groups;
	ListCell   *lc;
	char	   *equal;
	char	   *same;
	char	   *late;
	StringInfoData has_null;

	if (!SplitIdentifierString(pstrdup(cagg->merge_keys), ',', &names))
		elog(ERROR, "invalid merge keys of continuous aggregate %d", cagg->id);
	foreach(lc, names)
		keys = lappend(keys, (char *) quote_identifier(lfirst(lc)));
	equal = JoinedColumns(keys, " AND ", "=");
	groups = list_copy_tail(keys, 1);
	if (!OidIsValid(drained))
		late = psprintf("WITH gone AS (DELETE FROM %s WHERE %s)",
						QualifiedRelationName(cagg->late_rows), time_cond);
	else
		late = psprintf("WITH gone AS (DELETE FROM %1$s WHERE %3$s),"
						" kept AS (INSERT INTO %1$s SELECT * FROM %2$s WHERE NOT (%3$s))",
						QualifiedRelationName(active), QualifiedRelationName(drained), time_cond);
	late = psprintf("%s, d AS (SELECT * FROM %s WHERE %s)", late,
					QualifiedRelationName(cagg->late_view), bucket_cond);
	/* groups already materialized are read from the snapshot, before the updates */
	if (groups == NIL)
		return psprintf("%1$s, updated AS (UPDATE %2$s m SET %3$s FROM d WHERE %4$s)"
						" INSERT INTO %2$s SELECT d.* FROM d"
						" WHERE NOT EXISTS (SELECT 1 FROM %2$s m WHERE %4$s)",
						late, mat, cagg->merge_set, equal);

	same = psprintf("m.%s = d.%s AND %s", (char *) linitial(keys), (char *) linitial(keys),
					JoinedColumns(groups, " AND ", "IS NOT DISTINCT FROM"));
	initStringInfo(&has_null);
	foreach(lc, groups)
		appendStringInfo(&has_null, "%sd.%s IS NULL", has_null.len > 0 ? " OR " : "",
						 (char *) lfirst(lc));
	return psprintf("%1$s, updated AS (UPDATE %2$s m SET %3$s FROM d WHERE %4$s),"
					" updated_null AS (UPDATE %2$s m SET %3$s FROM d WHERE (%5$s) AND %6$s)"
					" INSERT INTO %2$s SELECT d.* FROM d"
					" WHERE NOT EXISTS (SELECT 1 FROM %2$s m WHERE %4$s)"
					" AND NOT EXISTS (SELECT 1 FROM %2$s m WHERE (%5$s) AND %6$s)",
					late, mat, cagg->merge_set, equal, has_null.data, same);
}

/* The statement that recomputes buckets, with late rows of them deleted. */
char *
CaggRecomputeStatement(const ContinuousAgg *cagg, const char *bucket_cond,
					   const char *time_cond)
{
	char	   *mat = QualifiedRelationName(cagg->mat_relid);

	if (!OidIsValid(cagg->late_rows))
		return psprintf("WITH old AS (DELETE FROM %1$s WHERE %2$s)"
						" INSERT INTO %1$s SELECT * FROM %3$s WHERE %2$s",
						mat, bucket_cond, QualifiedRelationName(cagg->direct_view));
	return psprintf("WITH gone AS (DELETE FROM %4$s WHERE %5$s), old AS (DELETE FROM %1$s WHERE %2$s)"
					" INSERT INTO %1$s SELECT * FROM %3$s WHERE %2$s",
					mat, bucket_cond, QualifiedRelationName(cagg->partial_view),
					QualifiedRelationName(cagg->late_rows), time_cond);
}
