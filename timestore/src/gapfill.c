/*-------------------------------------------------------------------------
 *
 * gapfill.c
 *	  time_bucket_gapfill, locf and interpolate (TimescaleDB's names and
 *	  signatures).  An aggregate query that groups by
 *	  time_bucket_gapfill(width, time [, start, finish]) returns a row for
 *	  every bucket from start to finish in every group, also for buckets
 *	  without rows: their aggregates are NULL, locf(x) carries the group's
 *	  last value forward and interpolate(x) draws a straight line between
 *	  the values around the gap.
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
 *	  computed with time_bucket's own arithmetic.
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
#include "timestore.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(ep_time_bucket_gapfill);
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
			IsOurFunction((Node *) tle->expr, "ep_time_bucket_gapfill"))
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
	Expr	   *start;
	Expr	   *finish;
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

	start = list_length(call->args) > 2 ? lthird(call->args) : NULL;
	finish = list_length(call->args) > 3 ? lfourth(call->args) : NULL;
	if (start != NULL && IsA(start, Const) && ((Const *) start)->constisnull)
		start = NULL;
	if (finish != NULL && IsA(finish, Const) && ((Const *) finish)->constisnull)
		finish = NULL;
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
 * kinds, grouping equality operators); start, finish and the width travel
 * in custom_exprs.
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
	List	   *kinds = NIL;
	List	   *groups = NIL;
	List	   *eqops = NIL;
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
			FuncExpr   *f = (FuncExpr *) expr;
			Node	   *nulls = list_length(f->args) > 2 ? lthird(f->args) : NULL;
			Node	   *prev = list_length(f->args) > 1 ? lsecond(f->args) : NULL;

			if (prev != NULL && !(IsA(prev, Const) && ((Const *) prev)->constisnull))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("locf with a prev argument is not supported")));
			kind = nulls != NULL && IsA(nulls, Const) && !((Const *) nulls)->constisnull &&
				DatumGetBool(((Const *) nulls)->constvalue) ?
				GAPFILL_LOCF_NULLS : GAPFILL_LOCF;
		}
		else if (IsMarker(expr, "interpolate"))
		{
			FuncExpr   *f = (FuncExpr *) expr;

			if (list_length(f->args) > 1 &&
				!(IsA(lsecond(f->args), Const) && ((Const *) lsecond(f->args))->constisnull))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("interpolate with prev or next arguments is not supported")));
			kind = GAPFILL_INTERPOLATE;
		}
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
	}

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
	cscan->custom_exprs = list_make3(linitial(call->args),
									 lsecond(best_path->custom_private),
									 lthird(best_path->custom_private));
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

/* Evaluates one of the custom expressions at startup; NULL is an error. */
static Datum
EvalBound(CustomScanState *node, Expr *expr, const char *what)
{
	ExprState  *state = ExecInitExpr(expr, &node->ss.ps);
	bool		isnull;
	Datum		value = ExecEvalExprSwitchContext(state, node->ss.ps.ps_ExprContext, &isnull);

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
	state->start = BucketOf(state, EvalBound(node, lsecond(cscan->custom_exprs), "start"));
	state->finish = EvalBound(node, lthird(cscan->custom_exprs), "finish");
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

/* Linear interpolation of column attno at bucket between the group's last row and next. */
static void
Interpolate(GapFillState *state, int attno, Datum bucket, TupleTableSlot *next,
			Datum *value, bool *isnull)
{
	Oid			type = TupleDescAttr(state->pending->tts_tupleDescriptor, attno - 1)->atttypid;
	bool		null0;
	bool		null1;
	Datum		v0;
	Datum		v1;
	double		t0;
	double		t1;
	double		t;
	double		y0;
	double		y1;
	double		y;

	*isnull = true;
	if (!state->has_last || next == NULL)
		return;
	v0 = slot_getattr(state->last_slot, attno, &null0);
	v1 = slot_getattr(next, attno, &null1);
	if (null0 || null1)
		return;
	t0 = (double) TimeToInternalOrClamp(slot_getattr(state->last_slot, state->bucket_attno, &null0),
										state->time_type);
	t1 = (double) TimeToInternalOrClamp(slot_getattr(next, state->bucket_attno, &null1),
										state->time_type);
	t = (double) TimeToInternalOrClamp(bucket, state->time_type);
	switch (type)
	{
		case INT2OID: y0 = DatumGetInt16(v0); y1 = DatumGetInt16(v1); break;
		case INT4OID: y0 = DatumGetInt32(v0); y1 = DatumGetInt32(v1); break;
		case INT8OID: y0 = DatumGetInt64(v0); y1 = DatumGetInt64(v1); break;
		case FLOAT4OID: y0 = DatumGetFloat4(v0); y1 = DatumGetFloat4(v1); break;
		case FLOAT8OID: y0 = DatumGetFloat8(v0); y1 = DatumGetFloat8(v1); break;
		default:
			return;
	}
	y = t1 == t0 ? y0 : y0 + (y1 - y0) * (t - t0) / (t1 - t0);
	*isnull = false;
	switch (type)
	{
		case INT2OID: *value = Int16GetDatum((int16) rint(y)); break;
		case INT4OID: *value = Int32GetDatum((int32) rint(y)); break;
		case INT8OID: *value = Int64GetDatum((int64) rint(y)); break;
		case FLOAT4OID: *value = Float4GetDatum((float4) y); break;
		default: *value = Float8GetDatum(y); break;
	}
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
		{
			Form_pg_attribute attr = TupleDescAttr(row->tts_tupleDescriptor, i);

			state->locf_null[i] = row->tts_isnull[i];
			state->locf_values[i] = row->tts_isnull[i] ? (Datum) 0 :
				datumCopy(row->tts_values[i], attr->attbyval, attr->attlen);
			state->locf_set[i] = true;
		}
		else if (state->kinds[i] == GAPFILL_LOCF_NULLS && state->locf_set[i])
		{
			out->tts_values[i] = state->locf_values[i];
			out->tts_isnull[i] = false;
		}
	}
	ExecStoreVirtualTuple(out);
	ExecMaterializeSlot(out);
	ExecCopySlot(state->last_slot, row);
	state->has_last = true;
	state->emitted_any = true;
	return out;
}

static void
StartGroup(GapFillState *state, TupleTableSlot *row)
{
	ExecCopySlot(state->group_slot, row);
	state->in_group = true;
	state->has_last = false;
	state->next_bucket = state->start;
	memset(state->locf_set, 0, sizeof(bool) * state->ncolumns);
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
