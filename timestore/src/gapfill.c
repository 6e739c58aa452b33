/*-------------------------------------------------------------------------
 *
 * gapfill.c
 *	  time_bucket_gapfill, locf and interpolate (TimescaleDB's names and
 *	  signatures).  An aggregate query that groups by
 *	  time_bucket_gapfill(width, time [, timezone] [, start, finish])
 *	  returns a row for every bucket from start to finish in every group,
 *	  also for buckets without rows: their aggregates are NULL, locf(x)
 *	  carries the group's last value forward and interpolate(x) draws a
 *	  straight line between the values around the gap.  Before a group's
 *	  first value, locf(x, prev) takes prev's value and interpolate(x, prev)
 *	  draws from prev's (time, value); after its last, interpolate(x, prev,
 *	  next) draws to next's.  prev and next are evaluated once per group
 *	  that needs them, and may refer to the grouping columns.
 *
 *	  Planning: above each path of the grouped relation, a GapFill custom
 *	  node reads the groups sorted by (other grouping columns, bucket) and
 *	  inserts the missing rows.  start and finish are the function's
 *	  arguments, or else the bounds the WHERE clause puts on the time
 *	  column; both are evaluated when the executor starts.
 *
 *	  Invariants: rows from below pass through unchanged (a bucket outside
 *	  [start, finish) included); within [start, finish) each group has
 *	  exactly one row per bucket that holds data or lies between start and
 *	  finish; groups are told apart with the grouping columns' equality
 *	  operators.  The bucket column of a generated row is the bucket start,
 *	  computed with time_bucket's own arithmetic (in the time zone, for the
 *	  zoned form: a wall-clock bucket that a DST change repeats is two
 *	  buckets, one it skips is none).
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/gapfill.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planner.h"
#include "optimizer/tlist.h"
#include "pgtime.h"
#include "timestore.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(ep_time_bucket_gapfill);
PG_FUNCTION_INFO_V1(ep_time_bucket_gapfill_timezone);
PG_FUNCTION_INFO_V1(ep_gapfill_marker);

#define GAPFILL_NAME "GapFill"

/* What a column of a GapFill row is made of. */
typedef enum GapFillColumn
{
	GAPFILL_NULL = 0,			/* an aggregate or other value: NULL in a gap */
	GAPFILL_GROUP,				/* a grouping column: the group's value */
	GAPFILL_BUCKET,				/* the bucket */
	GAPFILL_LOCF,				/* locf(x) */
	GAPFILL_LOCF_NULLS,			/* locf(x, treat_null_as_missing => true) */
	GAPFILL_INTERPOLATE			/* interpolate(x) */
} GapFillColumn;

/* A (time, value) point of interpolate's prev or next, per group. */
typedef struct GapFillPoint
{
	bool		evaluated;		/* for the current group */
	bool		valid;			/* a point with a time and a value */
	double		t;				/* internal time */
	double		y;
} GapFillPoint;

typedef struct GapFillState
{
	CustomScanState css;
	/* from the plan */
	int			ncolumns;
	GapFillColumn *kinds;
	AttrNumber	bucket_attno;
	int			ngroup;
	AttrNumber *group_attnos;
	Oid			time_type;
	Interval   *width;			/* date and timestamp types */
	int64		int_width;		/* integer types */
	bool		has_zone;		/* the time zone form */
	Datum		zone;
	ExprState **prev_exprs;		/* per column: locf's or interpolate's prev */
	ExprState **next_exprs;		/* per column: interpolate's next */
	/* evaluated at startup */
	Datum		start;			/* first bucket */
	Datum		finish;			/* buckets end before this */
	ExprState  *group_equal;
	/* per group */
	bool		in_group;
	Datum		next_bucket;	/* the next bucket the group should show */
	TupleTableSlot *group_slot;	/* first row of the group (grouping values) */
	TupleTableSlot *last_slot;	/* last real row of the group */
	bool		has_last;
	Datum	   *locf_values;	/* last value of each locf column */
	bool	   *locf_null;
	bool	   *locf_set;		/* the group has had a value for it */
	GapFillPoint *prev_points;	/* per interpolate column */
	GapFillPoint *next_points;
	/* a real row waiting behind the gap before it */
	TupleTableSlot *pending;
	bool		has_pending;
	bool		pending_new_group;	/* it opens another group */
	bool		done;
	bool		emitted_any;
} GapFillState;

/* ----------------------------------------------------------------
 *		SQL functions
 * ----------------------------------------------------------------
 */

/*
 * time_bucket_gapfill(width, ts [, start, finish]) evaluated on a row: the
 * bucket of ts, as time_bucket (start and finish only matter to GapFill).
 */
Datum
ep_time_bucket_gapfill(PG_FUNCTION_ARGS)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 1);

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	switch (type)
	{
		case INT2OID:
			PG_RETURN_INT16((int16) TimeBucketInt64(PG_GETARG_INT16(0), PG_GETARG_INT16(1),
													0, PG_INT16_MIN));
		case INT4OID:
			PG_RETURN_INT32((int32) TimeBucketInt64(PG_GETARG_INT32(0), PG_GETARG_INT32(1),
													0, PG_INT32_MIN));
		case INT8OID:
			PG_RETURN_INT64(TimeBucketInt64(PG_GETARG_INT64(0), PG_GETARG_INT64(1),
											0, PG_INT64_MIN));
		case DATEOID:
			if (DATE_NOT_FINITE(PG_GETARG_DATEADT(1)))
				PG_RETURN_DATUM(PG_GETARG_DATUM(1));
			PG_RETURN_DATEADT(TimeBucketDate(PG_GETARG_INTERVAL_P(0), PG_GETARG_DATEADT(1),
											 TIME_BUCKET_DEFAULT_ORIGIN_DAYS));
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			if (TIMESTAMP_NOT_FINITE(PG_GETARG_TIMESTAMP(1)))
				PG_RETURN_DATUM(PG_GETARG_DATUM(1));
			PG_RETURN_TIMESTAMP(TimeBucketTimestamp(PG_GETARG_INTERVAL_P(0),
													PG_GETARG_TIMESTAMP(1),
													TIME_BUCKET_DEFAULT_ORIGIN));
		default:
			elog(ERROR, "time_bucket_gapfill: unsupported type %u", type);
	}
	pg_unreachable();
}

/*
 * GapFillZoneArg - whether the timezone argument of the zoned form is
 * really a start: an untyped literal start resolves to the text argument.
 * It is one when it names no time zone and starts with a digit, as no zone
 * name or offset does; *start gets its value.
 */
static bool
GapFillZoneArg(Datum zone, TimestampTz *start)
{
	char	   *name = TextDatumGetCString(zone);

	if (!isdigit((unsigned char) name[0]) || pg_tzset(name) != NULL)
		return false;
	*start = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(name),
													 ObjectIdGetDatum(InvalidOid),
													 Int32GetDatum(-1)));
	return true;
}

/*
 * time_bucket_gapfill(width, ts, timezone [, start, finish]) on a row:
 * time_bucket(width, ts, timezone), or time_bucket(width, ts) when the
 * "timezone" is a start (GapFillZoneArg).
 */
Datum
ep_time_bucket_gapfill_timezone(PG_FUNCTION_ARGS)
{
	TimestampTz value;
	TimestampTz start;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	value = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(value))
		PG_RETURN_TIMESTAMPTZ(value);
	if (GapFillZoneArg(PG_GETARG_DATUM(2), &start))
		PG_RETURN_TIMESTAMPTZ(TimeBucketTimestamp(PG_GETARG_INTERVAL_P(0), value,
												  TIME_BUCKET_DEFAULT_ORIGIN));
	PG_RETURN_TIMESTAMPTZ(TimeBucketInZone(PG_GETARG_INTERVAL_P(0), value,
										   PG_GETARG_DATUM(2), NULL));
}

/* locf(value, ...) and interpolate(value, ...) on a row: the value itself. */
Datum
ep_gapfill_marker(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/* ----------------------------------------------------------------
 *		Recognising the functions
 * ----------------------------------------------------------------
 */

/* The C symbol behind funcid if it is one of this library's, else NULL. */
const char *
LibraryFunctionSymbol(Oid funcid)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	const char *symbol = NULL;

	if (!HeapTupleIsValid(tuple))
		return NULL;
	if (((Form_pg_proc) GETSTRUCT(tuple))->prolang == ClanguageId)
	{
		bool		isnull;
		Datum		bin = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_probin, &isnull);

		if (!isnull && strstr(TextDatumGetCString(bin), EP_TIMESTORE_LIBRARY) != NULL)
			symbol = TextDatumGetCString(SysCacheGetAttr(PROCOID, tuple,
														 Anum_pg_proc_prosrc, &isnull));
	}
	ReleaseSysCache(tuple);
	return symbol;
}

/* Whether node calls the function of this library whose C symbol is symbol. */
bool
IsOurFunction(Node *node, const char *symbol)
{
	const char *ours;

	if (node == NULL || !IsA(node, FuncExpr))
		return false;
	ours = LibraryFunctionSymbol(((FuncExpr *) node)->funcid);
	return ours != NULL && strcmp(ours, symbol) == 0;
}

/* Whether node is a call of time_bucket_gapfill, zoned or not. */
static bool
IsGapFillBucket(Node *node)
{
	return IsOurFunction(node, "ep_time_bucket_gapfill") ||
		IsOurFunction(node, "ep_time_bucket_gapfill_timezone");
}

/* Whether a locf or interpolate call is the function's name. */
static bool
IsMarker(Node *node, const char *name)
{
	return IsOurFunction(node, "ep_gapfill_marker") &&
		strcmp(get_func_name(((FuncExpr *) node)->funcid), name) == 0;
}

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

static Plan *GapFillPlan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
						 List *tlist, List *clauses, List *custom_plans);
static Node *GapFillCreateState(CustomScan *cscan);
static void GapFillBegin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *GapFillExec(CustomScanState *node);
static void GapFillEnd(CustomScanState *node);
static void GapFillRescan(CustomScanState *node);

static const CustomPathMethods GapFillPathMethods = {
	.CustomName = GAPFILL_NAME,
	.PlanCustomPath = GapFillPlan,
};

static const CustomScanMethods GapFillScanMethods = {
	.CustomName = GAPFILL_NAME,
	.CreateCustomScanState = GapFillCreateState,
};

static const CustomExecMethods GapFillExecMethods = {
	.CustomName = GAPFILL_NAME,
	.BeginCustomScan = GapFillBegin,
	.ExecCustomScan = GapFillExec,
	.EndCustomScan = GapFillEnd,
	.ReScanCustomScan = GapFillRescan,
};

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

/*
 * The start or finish bound the WHERE clause puts on var: the value of the
 * last top-level "var >= / > value" (lower) or "var < / <= value" (upper),
 * by the operators of var's btree class, whose value is of var's type and
 * needs no row; NULL if none.  An inclusive upper bound is returned
 * with *inclusive set.
 */
static Expr *
BoundFromQuals(PlannerInfo *root, Var *var, bool lower, bool *inclusive)
{
	List	   *quals = (List *) root->parse->jointree->quals;
	Expr	   *found = NULL;
	ListCell   *lc;

	if (quals != NULL && !IsA(quals, List))
		quals = list_make1(quals);
	foreach(lc, quals)
	{
		OpExpr	   *op = lfirst(lc);
		Node	   *value;
		bool		commuted;
		StrategyNumber strategy;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2)
			continue;
		commuted = !equal(linitial(op->args), var);
		if (commuted && !equal(lsecond(op->args), var))
			continue;
		value = commuted ? linitial(op->args) : lsecond(op->args);
		if (exprType(value) != var->vartype || contain_var_clause(value) ||
			contain_volatile_functions(value))
			continue;
		strategy = TimeOperatorStrategy(op->opno, var->vartype, commuted);
		if (lower && (strategy == BTGreaterEqualStrategyNumber ||
					  strategy == BTGreaterStrategyNumber))
			found = (Expr *) value;
		if (!lower && (strategy == BTLessStrategyNumber ||
					   strategy == BTLessEqualStrategyNumber))
		{
			found = (Expr *) value;
			*inclusive = strategy == BTLessEqualStrategyNumber;
		}
	}
	return found;
}

/*
 * An argument of a call that is given: not absent, not a NULL constant
 * (time_bucket_gapfill's start and finish, locf's and interpolate's
 * optional ones).
 */
static Expr *
GivenArg(FuncExpr *call, int argno)
{
	Node	   *arg = list_length(call->args) > argno ? list_nth(call->args, argno) : NULL;

	if (arg == NULL || (IsA(arg, Const) && ((Const *) arg)->constisnull))
		return NULL;
	return (Expr *) arg;
}

/* The time_bucket_gapfill call among the query's GROUP BY expressions. */
static TargetEntry *
GapFillTarget(PlannerInfo *root)
{
	ListCell   *lc;

	foreach(lc, root->parse->targetList)
	{
		TargetEntry *tle = lfirst(lc);

		if (tle->ressortgroupref != 0 &&
			get_sortgroupref_clause_noerr(tle->ressortgroupref,
										  root->parse->groupClause) != NULL &&
			IsGapFillBucket((Node *) tle->expr))
			return tle;
	}
	return NULL;
}

/*
 * At the grouping stage: put GapFill, over a sort by (other grouping
 * columns, bucket), above every path of a query grouped by
 * time_bucket_gapfill.
 */
static void
GapFillUpperPaths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
				  RelOptInfo *output_rel, void *extra)
{
	TargetEntry *bucket;
	FuncExpr   *call;
	List	   *sortclauses = NIL;
	List	   *pathkeys;
	Expr	   *zone = NULL;
	Expr	   *start;
	Expr	   *finish;
	int			nbounds;		/* arguments before start */
	bool		inclusive = false;
	ListCell   *lc;
	List	   *paths = NIL;

	if (prev_create_upper_paths_hook)
		prev_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage != UPPERREL_GROUP_AGG || root->parse->groupClause == NIL ||
		root->parse->groupingSets != NIL || (bucket = GapFillTarget(root)) == NULL)
		return;
	call = (FuncExpr *) bucket->expr;
	if (!IsA(linitial(call->args), Const))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("invalid time_bucket_gapfill argument: bucket_width must be a simple expression")));

	nbounds = 2;
	if (IsOurFunction((Node *) call, "ep_time_bucket_gapfill_timezone"))
	{
		zone = lthird(call->args);
		nbounds = 3;
		if (!IsA(zone, Const) || ((Const *) zone)->constisnull)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("invalid time_bucket_gapfill argument: timezone must be a non-NULL constant")));
	}
	start = GivenArg(call, nbounds);
	finish = GivenArg(call, nbounds + 1);
	if (zone != NULL)
	{
		TimestampTz literal;

		if (GapFillZoneArg(((Const *) zone)->constvalue, &literal))
		{
			/* (width, ts, start, finish) with untyped literals: no zone */
			if (finish != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid time_bucket_gapfill argument: timezone \"%s\" is a time",
								TextDatumGetCString(((Const *) zone)->constvalue)),
						 errhint("Cast start and finish to timestamptz, or name them.")));
			finish = start;
			start = (Expr *) makeConst(TIMESTAMPTZOID, -1, InvalidOid, sizeof(TimestampTz),
									   TimestampTzGetDatum(literal), false, FLOAT8PASSBYVAL);
			zone = NULL;
		}
	}
	if (IsA(lsecond(call->args), Var))
	{
		if (start == NULL)
			start = BoundFromQuals(root, lsecond(call->args), true, &inclusive);
		if (finish == NULL)
			finish = BoundFromQuals(root, lsecond(call->args), false, &inclusive);
	}
	if (start == NULL || finish == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("missing time_bucket_gapfill argument: could not infer %s from WHERE clause",
						start == NULL ? "start" : "finish"),
				 errhint("Specify start and finish as arguments or in the WHERE clause.")));
	if (contain_var_clause((Node *) start) || contain_var_clause((Node *) finish))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("invalid time_bucket_gapfill argument: start and finish must not refer to columns")));

	/* Sort by the other grouping columns, then the bucket. */
	foreach(lc, root->parse->groupClause)
	{
		SortGroupClause *clause = lfirst(lc);

		if (clause->tleSortGroupRef != bucket->ressortgroupref)
			sortclauses = lappend(sortclauses, clause);
	}
	sortclauses = lappend(sortclauses,
						  get_sortgroupref_clause(bucket->ressortgroupref,
												  root->parse->groupClause));
	pathkeys = make_pathkeys_for_sortclauses(root, sortclauses, root->parse->targetList);

	foreach(lc, output_rel->pathlist)
	{
		Path	   *sub = lfirst(lc);
		CustomPath *path = makeNode(CustomPath);

		if (!pathkeys_contained_in(pathkeys, sub->pathkeys))
			sub = (Path *) create_sort_path(root, output_rel, sub, pathkeys, -1.0);
		path->path.pathtype = T_CustomScan;
		path->path.parent = output_rel;
		path->path.pathtarget = sub->pathtarget;
		path->path.rows = sub->rows * 2;
		path->path.startup_cost = sub->startup_cost;
		path->path.total_cost = sub->total_cost + sub->rows * cpu_tuple_cost;
		path->path.pathkeys = pathkeys;
		path->path.parallel_safe = false;
		path->custom_paths = list_make1(sub);
		path->custom_private = list_make4(bucket, start, finish,
										  makeBoolean(inclusive));
		path->custom_private = lappend(path->custom_private, sortclauses);
		path->custom_private = lappend(path->custom_private, zone);
		path->methods = &GapFillPathMethods;
		paths = lappend(paths, path);
	}
	output_rel->pathlist = NIL;
	output_rel->partial_pathlist = NIL;
	foreach(lc, paths)
		add_path(output_rel, lfirst(lc));
}

/*
 * The plan keeps, per output column, what it is made of (custom_private:
 * kinds, grouping equality operators).  custom_exprs holds the width,
 * start, finish and zone (a NULL text without one), then the prev and next
 * expressions that custom_private's "extras" list places: per expression
 * its column number, negated for a next.
 */
static Plan *
GapFillPlan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
			List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	Plan	   *child = linitial(custom_plans);
	TargetEntry *bucket = linitial(best_path->custom_private);
	FuncExpr   *call = (FuncExpr *) bucket->expr;
	List	   *sortclauses = lfirst(list_nth_cell(best_path->custom_private, 4));
	bool		inclusive = boolVal(lfourth(best_path->custom_private));
	Expr	   *zone = lfirst(list_nth_cell(best_path->custom_private, 5));
	List	   *kinds = NIL;
	List	   *groups = NIL;
	List	   *eqops = NIL;
	List	   *extras = NIL;
	List	   *extra_exprs = NIL;
	ListCell   *lc;

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst(lc);
		Node	   *expr = (Node *) tle->expr;
		GapFillColumn kind = GAPFILL_NULL;

		if (equal(expr, bucket->expr))
			kind = GAPFILL_BUCKET;
		else if (IsMarker(expr, "locf"))
		{
			Expr	   *nulls = GivenArg((FuncExpr *) expr, 2);

			if (nulls != NULL && !IsA(nulls, Const))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("invalid locf argument: treat_null_as_missing must be a constant")));
			kind = nulls != NULL && DatumGetBool(((Const *) nulls)->constvalue) ?
				GAPFILL_LOCF_NULLS : GAPFILL_LOCF;
		}
		else if (IsMarker(expr, "interpolate"))
			kind = GAPFILL_INTERPOLATE;
		else
		{
			ListCell   *lc2;

			foreach(lc2, sortclauses)
			{
				SortGroupClause *clause = lfirst(lc2);

				if (clause->tleSortGroupRef != bucket->ressortgroupref &&
					equal(expr, get_sortgroupclause_expr(clause, root->parse->targetList)))
				{
					kind = GAPFILL_GROUP;
					groups = lappend_int(groups, tle->resno);
					eqops = lappend_oid(eqops, clause->eqop);
					break;
				}
			}
		}
		kinds = lappend_int(kinds, kind);
		if (kind == GAPFILL_LOCF || kind == GAPFILL_LOCF_NULLS || kind == GAPFILL_INTERPOLATE)
		{
			Expr	   *prev = GivenArg((FuncExpr *) expr, 1);
			Expr	   *next = kind == GAPFILL_INTERPOLATE ? GivenArg((FuncExpr *) expr, 2) : NULL;

			if (prev != NULL)
			{
				extras = lappend_int(extras, tle->resno);
				extra_exprs = lappend(extra_exprs, prev);
			}
			if (next != NULL)
			{
				extras = lappend_int(extras, -tle->resno);
				extra_exprs = lappend(extra_exprs, next);
			}
		}
	}
	if (zone == NULL)
		zone = (Expr *) makeNullConst(TEXTOID, -1, DEFAULT_COLLATION_OID);

	cscan->scan.plan.startup_cost = best_path->path.startup_cost;
	cscan->scan.plan.total_cost = best_path->path.total_cost;
	cscan->scan.plan.plan_rows = best_path->path.rows;
	cscan->scan.plan.plan_width = child->plan_width;
	cscan->scan.plan.targetlist = tlist;
	cscan->custom_scan_tlist = tlist;
	cscan->scan.scanrelid = 0;
	cscan->custom_plans = custom_plans;
	cscan->custom_private = list_make5(kinds, groups, eqops, makeBoolean(inclusive),
									   makeInteger(exprType((Node *) call)));
	cscan->custom_private = lappend(cscan->custom_private, extras);
	cscan->custom_exprs = list_concat(list_make4(linitial(call->args),
												 lsecond(best_path->custom_private),
												 lthird(best_path->custom_private),
												 zone),
									  extra_exprs);
	cscan->methods = &GapFillScanMethods;
	return &cscan->scan.plan;
}

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

static Node *
GapFillCreateState(CustomScan *cscan)
{
	GapFillState *state = palloc0(sizeof(GapFillState));

	state->css.ss.ps.type = T_CustomScanState;
	state->css.methods = &GapFillExecMethods;
	return (Node *) state;
}

/*
 * The zoned bucket after bucket: the bucket of the wall-clock time one
 * width later, or, for a width without days or months, of the instant one
 * width later when that is earlier (a wall-clock hour that a DST change
 * repeats is a bucket of its own).
 */
static Datum
NextZonedBucket(GapFillState *state, TimestampTz bucket)
{
	Timestamp	local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone, state->zone,
															  TimestampTzGetDatum(bucket)));
	TimestampTz next;

	/* one width of wall-clock time, more if a DST change folds it back */
	do
	{
		local = DatumGetTimestamp(DirectFunctionCall2(timestamp_pl_interval,
													  TimestampGetDatum(local),
													  IntervalPGetDatum(state->width)));
		next = TimeBucketInZone(state->width,
								DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone,
																		state->zone,
																		TimestampGetDatum(local))),
								state->zone, NULL);
	} while (next <= bucket);
	if (state->width->month == 0 && state->width->day == 0)
	{
		TimestampTz by_instant = TimeBucketInZone(state->width, bucket + state->width->time,
												  state->zone, NULL);

		if (by_instant > bucket && by_instant < next)
			next = by_instant;
	}
	return TimestampTzGetDatum(next);
}

/* The bucket after bucket. */
static Datum
NextBucket(GapFillState *state, Datum bucket)
{
	switch (state->time_type)
	{
		case INT2OID:
			return Int16GetDatum(DatumGetInt16(bucket) + state->int_width);
		case INT4OID:
			return Int32GetDatum(DatumGetInt32(bucket) + state->int_width);
		case INT8OID:
			return Int64GetDatum(DatumGetInt64(bucket) + state->int_width);
		case DATEOID:
			return DirectFunctionCall1(timestamp_date,
									   DirectFunctionCall2(date_pl_interval, bucket,
														   IntervalPGetDatum(state->width)));
		default:
			if (state->has_zone)
				return NextZonedBucket(state, DatumGetTimestampTz(bucket));
			/* timestamptz buckets are aligned in UTC: add in UTC too */
			return DirectFunctionCall2(timestamp_pl_interval, bucket,
									   IntervalPGetDatum(state->width));
	}
}

/* The bucket of value, as time_bucket_gapfill computes it. */
static Datum
BucketOf(GapFillState *state, Datum value)
{
	switch (state->time_type)
	{
		case INT2OID:
			return Int16GetDatum((int16) TimeBucketInt64(state->int_width, DatumGetInt16(value),
														 0, PG_INT16_MIN));
		case INT4OID:
			return Int32GetDatum((int32) TimeBucketInt64(state->int_width, DatumGetInt32(value),
														 0, PG_INT32_MIN));
		case INT8OID:
			return Int64GetDatum(TimeBucketInt64(state->int_width, DatumGetInt64(value),
												 0, PG_INT64_MIN));
		case DATEOID:
			return DateADTGetDatum(TimeBucketDate(state->width, DatumGetDateADT(value),
												  TIME_BUCKET_DEFAULT_ORIGIN_DAYS));
		default:
			if (state->has_zone)
				return TimestampTzGetDatum(TimeBucketInZone(state->width,
															DatumGetTimestampTz(value),
															state->zone, NULL));
			return TimestampGetDatum(TimeBucketTimestamp(state->width, DatumGetTimestamp(value),
														 TIME_BUCKET_DEFAULT_ORIGIN));
	}
}

/* Whether bucket a comes before bucket b. */
static bool
BucketBefore(GapFillState *state, Datum a, Datum b)
{
	return TimeToInternalOrClamp(a, state->time_type) <
		TimeToInternalOrClamp(b, state->time_type);
}

/* Whether a start or finish is finite (integers always are). */
static bool
TimeIsFinite(Datum value, Oid type)
{
	if (type == DATEOID)
		return !DATE_NOT_FINITE(DatumGetDateADT(value));
	if (type == TIMESTAMPOID || type == TIMESTAMPTZOID)
		return !TIMESTAMP_NOT_FINITE(DatumGetTimestamp(value));
	return true;
}

/* Evaluates one of the custom expressions once, at startup. */
static Datum
EvalAtStartup(CustomScanState *node, Expr *expr, bool *isnull)
{
	return ExecEvalExprSwitchContext(ExecInitExpr(expr, &node->ss.ps),
									 node->ss.ps.ps_ExprContext, isnull);
}

/* The zone of the zoned form; a NULL text means none. */
static void
GapFillInitZone(GapFillState *state, Expr *expr)
{
	bool		isnull;
	Datum		value = EvalAtStartup(&state->css, expr, &isnull);

	state->has_zone = !isnull;
	if (!isnull)
		state->zone = datumCopy(value, false, -1);
}

/*
 * The prev and next expressions of locf and interpolate columns: the
 * custom expressions after the zone, placed by custom_private's extras.
 */
static void
GapFillInitPrevNext(GapFillState *state, CustomScan *cscan)
{
	List	   *extras = list_nth(cscan->custom_private, 5);
	ListCell   *lc;
	int			i = 4;

	state->prev_exprs = palloc0(sizeof(ExprState *) * state->ncolumns);
	state->next_exprs = palloc0(sizeof(ExprState *) * state->ncolumns);
	state->prev_points = palloc0(sizeof(GapFillPoint) * state->ncolumns);
	state->next_points = palloc0(sizeof(GapFillPoint) * state->ncolumns);
	foreach(lc, extras)
	{
		int			column = lfirst_int(lc);
		ExprState  *expr = ExecInitExpr(list_nth(cscan->custom_exprs, i++), &state->css.ss.ps);

		if (column > 0)
			state->prev_exprs[column - 1] = expr;
		else
			state->next_exprs[-column - 1] = expr;
	}
}

/* The width, start or finish, evaluated at startup; NULL is an error. */
static Datum
EvalBound(CustomScanState *node, Expr *expr, const char *what)
{
	bool		isnull;
	Datum		value = EvalAtStartup(node, expr, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid time_bucket_gapfill argument: %s cannot be NULL", what)));
	return value;
}

static void
GapFillBegin(CustomScanState *node, EState *estate, int eflags)
{
	GapFillState *state = (GapFillState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *kinds = linitial(cscan->custom_private);
	List	   *groups = lsecond(cscan->custom_private);
	List	   *eqops = lthird(cscan->custom_private);
	bool		inclusive = boolVal(lfourth(cscan->custom_private));
	TupleDesc	desc;
	Oid		   *eqfuncs;
	Oid		   *collations;
	Datum		width;
	ListCell   *lc;
	int			i;

	node->custom_ps = list_make1(ExecInitNode(linitial(cscan->custom_plans), estate, eflags));
	desc = ExecGetResultType(linitial(node->custom_ps));
	state->time_type = intVal(list_nth(cscan->custom_private, 4));
	state->ncolumns = list_length(kinds);
	state->kinds = palloc(sizeof(GapFillColumn) * state->ncolumns);
	i = 0;
	foreach(lc, kinds)
	{
		state->kinds[i] = lfirst_int(lc);
		if (state->kinds[i] == GAPFILL_BUCKET)
			state->bucket_attno = i + 1;
		i++;
	}

	width = EvalBound(node, linitial(cscan->custom_exprs), "bucket_width");
	if (TimeTypeIsInteger(state->time_type))
	{
		state->int_width = state->time_type == INT2OID ? DatumGetInt16(width) :
			state->time_type == INT4OID ? DatumGetInt32(width) : DatumGetInt64(width);
		if (state->int_width <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid time_bucket_gapfill argument: bucket_width must be greater than 0")));
	}
	else
		state->width = DatumGetIntervalP(datumCopy(width, false, sizeof(Interval)));
	GapFillInitZone(state, lfourth(cscan->custom_exprs));
	state->start = EvalBound(node, lsecond(cscan->custom_exprs), "start");
	state->finish = EvalBound(node, lthird(cscan->custom_exprs), "finish");
	if (!TimeIsFinite(state->start, state->time_type) ||
		!TimeIsFinite(state->finish, state->time_type))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid time_bucket_gapfill argument: start and finish must be finite")));
	state->start = BucketOf(state, state->start);
	if (inclusive)
		state->finish = NextBucket(state, BucketOf(state, state->finish));

	state->ngroup = list_length(groups);
	state->group_attnos = palloc(sizeof(AttrNumber) * Max(1, state->ngroup));
	eqfuncs = palloc(sizeof(Oid) * Max(1, state->ngroup));
	collations = palloc(sizeof(Oid) * Max(1, state->ngroup));
	i = 0;
	foreach(lc, groups)
	{
		state->group_attnos[i] = lfirst_int(lc);
		eqfuncs[i] = get_opcode(list_nth_oid(eqops, i));
		collations[i] = TupleDescAttr(desc, state->group_attnos[i] - 1)->attcollation;
		i++;
	}
	if (state->ngroup > 0)
		state->group_equal = ExecBuildGroupingEqual(desc, desc, NULL, NULL, state->ngroup,
													state->group_attnos, eqfuncs,
													collations, &node->ss.ps);
	state->group_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	state->last_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	state->pending = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	state->locf_values = palloc0(sizeof(Datum) * state->ncolumns);
	state->locf_null = palloc0(sizeof(bool) * state->ncolumns);
	state->locf_set = palloc0(sizeof(bool) * state->ncolumns);
	GapFillInitPrevNext(state, cscan);
	ExecInitResultTupleSlotTL(&node->ss.ps, &TTSOpsVirtual);
}

/* Whether slot belongs to the current group. */
static bool
SameGroup(GapFillState *state, TupleTableSlot *slot)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;

	if (state->ngroup == 0)
		return true;
	econtext->ecxt_innertuple = state->group_slot;
	econtext->ecxt_outertuple = slot;
	return ExecQualAndReset(state->group_equal, econtext);
}

/* A number as a double; other types are refused. */
static double
ValueAsDouble(Datum value, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
			return DatumGetInt32(value);
		case INT8OID:
			return (double) DatumGetInt64(value);
		case FLOAT4OID:
			return DatumGetFloat4(value);
		case FLOAT8OID:
			return DatumGetFloat8(value);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, value));
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("invalid interpolate argument: values of type %s cannot be interpolated",
							format_type_be(type))));
	}
	pg_unreachable();
}

/* Evaluates a prev or next expression on the current group's grouping values. */
static Datum
EvalForGroup(GapFillState *state, ExprState *expr, bool *isnull)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;

	econtext->ecxt_scantuple = state->group_slot;
	return ExecEvalExprSwitchContext(expr, econtext, isnull);
}

/* The point of column attno in a real row of the group: (bucket, value). */
static bool
RowPoint(GapFillState *state, TupleTableSlot *row, int attno, GapFillPoint *point)
{
	bool		isnull;
	Datum		value = slot_getattr(row, attno, &isnull);
	Datum		bucket;

	if (isnull)
		return false;
	bucket = slot_getattr(row, state->bucket_attno, &isnull);
	if (isnull)
		return false;
	point->t = (double) TimeToInternalOrClamp(bucket, state->time_type);
	point->y = ValueAsDouble(value, TupleDescAttr(row->tts_tupleDescriptor, attno - 1)->atttypid);
	return true;
}

/* The point a (time, value) record gives; false when it is or holds NULL. */
static bool
RecordPoint(GapFillState *state, Datum record, GapFillPoint *point)
{
	HeapTupleHeader header = DatumGetHeapTupleHeader(record);
	TupleDesc	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(header),
											  HeapTupleHeaderGetTypMod(header));
	HeapTupleData tuple;
	bool		time_null;
	bool		value_null;
	Datum		time;
	Datum		value;

	if (desc->natts != 2 || TupleDescAttr(desc, 0)->atttypid != state->time_type)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("invalid interpolate argument: prev and next must be records of (time, value)"),
				 errdetail("The time must be of type %s, as the bucket is.",
						   format_type_be(state->time_type))));
	tuple.t_len = HeapTupleHeaderGetDatumLength(header);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = header;
	time = heap_getattr(&tuple, 1, desc, &time_null);
	value = heap_getattr(&tuple, 2, desc, &value_null);
	if (!time_null && !value_null)
	{
		point->t = (double) TimeToInternalOrClamp(time, state->time_type);
		point->y = ValueAsDouble(value, TupleDescAttr(desc, 1)->atttypid);
	}
	ReleaseTupleDesc(desc);
	return !time_null && !value_null;
}

/*
 * The point interpolate's prev (or next) gives column attno in the current
 * group: evaluated once per group; false without one.
 */
static bool
OuterPoint(GapFillState *state, int attno, bool next, GapFillPoint *out)
{
	ExprState  *expr = (next ? state->next_exprs : state->prev_exprs)[attno - 1];
	GapFillPoint *point = &(next ? state->next_points : state->prev_points)[attno - 1];

	if (expr == NULL)
		return false;
	if (!point->evaluated)
	{
		bool		isnull;
		Datum		record = EvalForGroup(state, expr, &isnull);

		point->evaluated = true;
		point->valid = !isnull && RecordPoint(state, record, point);
	}
	*out = *point;
	return point->valid;
}

/*
 * Linear interpolation of column attno at bucket, between the group's last
 * real row (or prev) and next, the row after the gap (or interpolate's
 * next when there is none).
 */
static void
Interpolate(GapFillState *state, int attno, Datum bucket, TupleTableSlot *next,
			Datum *value, bool *isnull)
{
	Oid			type = TupleDescAttr(state->pending->tts_tupleDescriptor, attno - 1)->atttypid;
	GapFillPoint p0;
	GapFillPoint p1;
	double		t;
	double		y;

	*isnull = true;
	if (!(state->has_last ? RowPoint(state, state->last_slot, attno, &p0) :
		  OuterPoint(state, attno, false, &p0)) ||
		!(next != NULL ? RowPoint(state, next, attno, &p1) :
		  OuterPoint(state, attno, true, &p1)))
		return;
	t = (double) TimeToInternalOrClamp(bucket, state->time_type);
	y = p1.t == p0.t ? p0.y : p0.y + (p1.y - p0.y) * (t - p0.t) / (p1.t - p0.t);
	*isnull = false;
	switch (type)
	{
		case INT2OID: *value = Int16GetDatum((int16) rint(y)); break;
		case INT4OID: *value = Int32GetDatum((int32) rint(y)); break;
		case INT8OID: *value = Int64GetDatum((int64) rint(y)); break;
		case FLOAT4OID: *value = Float4GetDatum((float4) y); break;
		case FLOAT8OID: *value = Float8GetDatum(y); break;
		default:
			*isnull = true;
			break;
	}
}

/* Sets the carried value of locf column i (a copy), freeing the one before. */
static void
SetLocfValue(GapFillState *state, int i, Datum value, bool isnull)
{
	Form_pg_attribute attr = TupleDescAttr(state->pending->tts_tupleDescriptor, i);

	if (state->locf_set[i] && !state->locf_null[i] && !attr->attbyval)
		pfree(DatumGetPointer(state->locf_values[i]));
	state->locf_values[i] = isnull ? (Datum) 0 : datumCopy(value, attr->attbyval, attr->attlen);
	state->locf_null[i] = isnull;
	state->locf_set[i] = true;
}

/*
 * Before the group's first value, locf column i carries its prev
 * argument's value, when it has one.
 */
static void
LocfFromPrev(GapFillState *state, int i)
{
	bool		isnull;
	Datum		value;

	if (state->locf_set[i] || state->prev_exprs[i] == NULL)
		return;
	value = EvalForGroup(state, state->prev_exprs[i], &isnull);
	SetLocfValue(state, i, value, isnull);
}

/* The row of a missing bucket of the current group; next: the row after the gap or NULL. */
static TupleTableSlot *
GapRow(GapFillState *state, Datum bucket, TupleTableSlot *next)
{
	TupleTableSlot *out = state->css.ss.ps.ps_ResultTupleSlot;
	int			i;

	ExecClearTuple(out);
	for (i = 0; i < state->ncolumns; i++)
	{
		out->tts_isnull[i] = true;
		switch (state->kinds[i])
		{
			case GAPFILL_BUCKET:
				out->tts_values[i] = bucket;
				out->tts_isnull[i] = false;
				break;
			case GAPFILL_GROUP:
				out->tts_values[i] = slot_getattr(state->group_slot, i + 1, &out->tts_isnull[i]);
				break;
			case GAPFILL_LOCF:
			case GAPFILL_LOCF_NULLS:
				LocfFromPrev(state, i);
				out->tts_values[i] = state->locf_values[i];
				out->tts_isnull[i] = !state->locf_set[i] || state->locf_null[i];
				break;
			case GAPFILL_INTERPOLATE:
				Interpolate(state, i + 1, bucket, next, &out->tts_values[i],
							&out->tts_isnull[i]);
				break;
			case GAPFILL_NULL:
				break;
		}
	}
	state->emitted_any = true;
	return ExecStoreVirtualTuple(out);
}

/* Hands out a real row, carrying locf values and remembering it. */
static TupleTableSlot *
RealRow(GapFillState *state, TupleTableSlot *row)
{
	TupleTableSlot *out = state->css.ss.ps.ps_ResultTupleSlot;
	int			i;

	slot_getallattrs(row);
	ExecClearTuple(out);
	for (i = 0; i < state->ncolumns; i++)
	{
		out->tts_values[i] = row->tts_values[i];
		out->tts_isnull[i] = row->tts_isnull[i];
		/*
		 * locf carries the last value forward, NULL included; with
		 * treat_null_as_missing, a NULL is replaced by the last other value.
		 */
		if (state->kinds[i] == GAPFILL_LOCF ||
			(state->kinds[i] == GAPFILL_LOCF_NULLS && !row->tts_isnull[i]))
			SetLocfValue(state, i, row->tts_values[i], row->tts_isnull[i]);
		else if (state->kinds[i] == GAPFILL_LOCF_NULLS)
		{
			LocfFromPrev(state, i);
			out->tts_values[i] = state->locf_values[i];
			out->tts_isnull[i] = !state->locf_set[i] || state->locf_null[i];
		}
	}
	ExecStoreVirtualTuple(out);
	ExecMaterializeSlot(out);
	ExecCopySlot(state->last_slot, row);
	state->has_last = true;
	state->emitted_any = true;
	return out;
}

/* Forgets the carried values and the prev and next points of the last group. */
static void
ForgetGroupValues(GapFillState *state)
{
	int			i;

	for (i = 0; i < state->ncolumns; i++)
	{
		if (state->locf_set[i] && !state->locf_null[i] &&
			!TupleDescAttr(state->pending->tts_tupleDescriptor, i)->attbyval)
			pfree(DatumGetPointer(state->locf_values[i]));
		state->locf_set[i] = false;
		state->prev_points[i].evaluated = false;
		state->next_points[i].evaluated = false;
	}
}

static void
StartGroup(GapFillState *state, TupleTableSlot *row)
{
	ExecCopySlot(state->group_slot, row);
	state->in_group = true;
	state->has_last = false;
	state->next_bucket = state->start;
	ForgetGroupValues(state);
}

/*
 * The next row: the gaps of the current group before the held real row,
 * the row itself, the group's last gaps up to finish when the next row
 * opens another group or the input ends.
 */
static TupleTableSlot *
GapFillExec(CustomScanState *node)
{
	GapFillState *state = (GapFillState *) node;

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (!state->has_pending && !state->done)
		{
			TupleTableSlot *row = ExecProcNode(linitial(node->custom_ps));

			if (TupIsNull(row))
				state->done = true;
			else
			{
				state->pending_new_group = !state->in_group || !SameGroup(state, row);
				ExecCopySlot(state->pending, row);
				state->has_pending = true;
			}
		}

		/* The current group ends: its missing buckets up to finish. */
		if (state->in_group &&
			(state->done ? !state->has_pending : state->pending_new_group))
		{
			if (BucketBefore(state, state->next_bucket, state->finish))
			{
				Datum		gap = state->next_bucket;

				state->next_bucket = NextBucket(state, gap);
				return GapRow(state, gap, NULL);
			}
			state->in_group = false;
		}

		if (state->has_pending)
		{
			bool		isnull;
			Datum		bucket;

			if (state->pending_new_group)
			{
				StartGroup(state, state->pending);
				state->pending_new_group = false;
			}
			bucket = slot_getattr(state->pending, state->bucket_attno, &isnull);
			if (!isnull && BucketBefore(state, state->next_bucket, bucket) &&
				BucketBefore(state, state->next_bucket, state->finish))
			{
				Datum		gap = state->next_bucket;

				state->next_bucket = NextBucket(state, gap);
				return GapRow(state, gap, state->pending);
			}
			state->has_pending = false;
			if (!isnull && !BucketBefore(state, bucket, state->next_bucket))
				state->next_bucket = NextBucket(state, bucket);
			return RealRow(state, state->pending);
		}

		/* No row at all and no grouping columns: one group of gaps. */
		if (state->done && !state->emitted_any && state->ngroup == 0 && !state->in_group)
		{
			state->in_group = true;
			state->next_bucket = state->start;
			continue;
		}
		if (state->done && !state->in_group)
			return NULL;
	}
}

static void
GapFillEnd(CustomScanState *node)
{
	GapFillState *state = (GapFillState *) node;

	ExecDropSingleTupleTableSlot(state->group_slot);
	ExecDropSingleTupleTableSlot(state->last_slot);
	ExecDropSingleTupleTableSlot(state->pending);
	ExecEndNode(linitial(node->custom_ps));
}

static void
GapFillRescan(CustomScanState *node)
{
	GapFillState *state = (GapFillState *) node;

	state->in_group = false;
	state->has_pending = false;
	state->pending_new_group = false;
	state->done = false;
	state->emitted_any = false;
	state->has_last = false;
	ForgetGroupValues(state);
	ExecReScan(linitial(node->custom_ps));
}

/* Called by _PG_init. */
void
GapFillInit(void)
{
	RegisterCustomScanMethods(&GapFillScanMethods);
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = GapFillUpperPaths;
}
