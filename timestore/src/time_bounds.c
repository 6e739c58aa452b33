/*-------------------------------------------------------------------------
 *
 * time_bounds.c
 *	  Bounds on a hypertable's time column found in a query's restrictions
 *	  ("time >= '2024-01-01'", "time > now() - interval '1 day'"), and the
 *	  range of internal times they allow.  Planning uses the constant ones
 *	  to choose the chunks to plan (hypertable_expand.c); execution
 *	  evaluates the others to leave chunks out (chunk_exclusion.c).
 *
 *	  Invariants: a bound narrows the range only as far as it is certain:
 *	  the range keeps every internal time that may satisfy it (a strict
 *	  comparison moves the end one unit inward, unless the value was
 *	  clamped), so it never leaves out a chunk that may hold a match.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/time_bounds.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/stratnum.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "timestore.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

static bool
ContainsExecParam(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXEC)
		return true;
	return expression_tree_walker(node, ContainsExecParam, context);
}

/*
 * IsStartupValue - whether value is no constant but can be computed when
 * the executor starts, the same in every process of the query: no column,
 * volatile function, subquery or parameter set during execution.
 */
bool
IsStartupValue(Node *value)
{
	return !IsA(value, Const) && !contain_var_clause(value) &&
		!contain_volatile_functions(value) && !contain_subplans(value) &&
		!ContainsExecParam(value, NULL);
}

/*
 * The btree strategy of "time opno value" for the time type, with the
 * operator commuted when the time column is on the right; 0 if opno is not
 * a comparison of the type's default btree class.
 */
StrategyNumber
TimeOperatorStrategy(Oid opno, Oid time_type, bool commuted)
{
	Oid			opfamily = TimeTypeBtreeFamily(time_type);

	if (!OidIsValid(opfamily))
		return InvalidStrategy;
	if (commuted)
		opno = get_commutator(opno);
	if (!OidIsValid(opno))
		return InvalidStrategy;
	return get_op_opfamily_strategy(opno, opfamily);
}

/*
 * TimeTypeBtreeFamily - the operator family of type's default btree
 * operator class, or InvalidOid; from the type cache (it runs on every
 * plan of a hypertable query).
 */
Oid
TimeTypeBtreeFamily(Oid type)
{
	return lookup_type_cache(type, TYPECACHE_BTREE_OPFAMILY)->btree_opf;
}

/* Whether expr is column attno of the relation of range table index relid. */
bool
IsRelColumn(Node *expr, Index relid, AttrNumber attno)
{
	Var		   *var = (Var *) expr;

	return expr != NULL && IsA(var, Var) && var->varno == relid &&
		var->varattno == attno && var->varlevelsup == 0;
}

/* Whether expr is the time column of ht in the relation of range table index relid. */
bool
IsTimeColumn(Node *expr, Index relid, const Hypertable *ht)
{
	return IsRelColumn(expr, relid, ht->time_attno);
}

/*
 * Whether expr is time_bucket of rel's time column with constant width and
 * origin or offset: a function that never reverses the order of times.
 * (The time zone form is left out.)
 */
bool
IsTimeBucketOfTime(Node *expr, Index relid, const Hypertable *ht)
{
	static const char *const forms[] = {
		"ep_time_bucket_int16", "ep_time_bucket_int32", "ep_time_bucket_int64",
		"ep_time_bucket_date", "ep_time_bucket_ts", "ep_time_bucket_tstz",
		"ep_time_bucket_date_offset", "ep_time_bucket_ts_offset",
		"ep_time_bucket_tstz_offset"
	};
	FuncExpr   *call = (FuncExpr *) expr;
	const char *symbol;
	ListCell   *lc;
	int			i;

	if (!IsA(call, FuncExpr) || list_length(call->args) < 2 ||
		!IsTimeColumn(lsecond(call->args), relid, ht) ||
		(symbol = LibraryFunctionSymbol(call->funcid)) == NULL)
		return false;
	foreach(lc, call->args)
		if (foreach_current_index(lc) != 1 && !IsA(lfirst(lc), Const))
			return false;
	for (i = 0; i < lengthof(forms); i++)
		if (strcmp(symbol, forms[i]) == 0)
			return true;
	return false;
}

/*
 * Whether expr is _epiphany_timestore.cagg_watermark with constant
 * arguments.  Planning may read it as a constant lower bound (the raw part
 * of a real-time view): a refresh that moves the watermark invalidates the
 * plans that read the materialization (cagg_refresh.c), and the executor
 * still compares with the watermark of its own snapshot, so a plan made
 * with an older watermark only reads more chunks of the raw hypertable,
 * never fewer, unless the watermark went down in between (after the
 * newest buckets were emptied, and rows came back into them).
 */
static bool
IsWatermarkCall(Node *expr)
{
	return IsOurFunction(expr, "ep_cagg_watermark") &&
		list_length(((FuncExpr *) expr)->args) == 2 &&
		IsA(linitial(((FuncExpr *) expr)->args), Const) &&
		IsA(lsecond(((FuncExpr *) expr)->args), Const);
}

/*
 * TimeBoundsOfRel - the bounds among rel's restrictions that compare the
 * time column of ht with a value of its type: constants when constants is
 * true; otherwise values known only at execution, stable expressions
 * without Vars or executor parameters.  "time_bucket(w, time) >= value"
 * (or > or =) bounds time from below too, as a continuous aggregate's
 * real-time part and refresh say it.  A continuous aggregate's watermark
 * counts as a constant (IsWatermarkCall).
 */
List *
TimeBoundsOfRel(RelOptInfo *rel, const Hypertable *ht, bool constants)
{
	List	   *bounds = NIL;
	ListCell   *lc;

	foreach(lc, rel->baserestrictinfo)
	{
		OpExpr	   *op = (OpExpr *) ((RestrictInfo *) lfirst(lc))->clause;
		Node	   *value;
		bool		commuted;
		TimeBound  *bound;
		StrategyNumber strategy;
		Node	   *column;
		bool		bucket;
		bool		watermark;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2)
			continue;
		commuted = !IsA(linitial(op->args), Var) &&
			!IsTimeBucketOfTime(linitial(op->args), rel->relid, ht);
		value = commuted ? linitial(op->args) : lsecond(op->args);
		column = commuted ? lsecond(op->args) : linitial(op->args);
		bucket = IsTimeBucketOfTime(column, rel->relid, ht);
		if ((!bucket && !IsTimeColumn(column, rel->relid, ht)) ||
			exprType(value) != ht->time_type)
			continue;
		watermark = constants && IsWatermarkCall(value);
		if (constants ? !IsA(value, Const) && !watermark : !IsStartupValue(value))
			continue;
		strategy = TimeOperatorStrategy(op->opno, ht->time_type, commuted);
		if (strategy == InvalidStrategy)
			continue;
		if (watermark)
		{
			/* lower bounds only: a watermark moved up keeps them valid */
			if (strategy != BTGreaterStrategyNumber && strategy != BTGreaterEqualStrategyNumber)
				continue;
			value = (Node *) evaluate_expr((Expr *) value, ht->time_type, -1, InvalidOid);
		}
		if (bucket)
		{
			/* a bucket starts at or before each of its times */
			if (strategy == BTLessStrategyNumber || strategy == BTLessEqualStrategyNumber)
				continue;
			strategy = BTGreaterEqualStrategyNumber;
		}
		bound = palloc(sizeof(TimeBound));
		bound->strategy = strategy;
		bound->expr = (Expr *) value;
		bounds = lappend(bounds, bound);
	}
	return bounds;
}

/*
 * TimeRangeNarrow - narrows the inclusive range of internal times
 * [range->lower, range->upper] by "time strategy value"; a NULL value
 * empties it.  Internal times are integers and a value's is exact unless
 * clamped to an end of int64, so a strict bound moves one unit inward
 * (and the chunk that starts at "time < value" is left out).
 */
void
TimeRangeNarrow(TimeRange *range, StrategyNumber strategy, Datum value,
				bool isnull, Oid time_type)
{
	int64		internal;

	if (isnull)
	{
		range->empty = true;
		return;
	}
	internal = TimeToInternalOrClamp(value, time_type);
	if (strategy == BTGreaterStrategyNumber && internal != PG_INT64_MIN &&
		internal != PG_INT64_MAX)
		internal++;
	else if (strategy == BTLessStrategyNumber && internal != PG_INT64_MIN &&
			 internal != PG_INT64_MAX)
		internal--;
	if (strategy == BTGreaterStrategyNumber || strategy == BTGreaterEqualStrategyNumber ||
		strategy == BTEqualStrategyNumber)
		range->lower = Max(range->lower, internal);
	if (strategy == BTLessStrategyNumber || strategy == BTLessEqualStrategyNumber ||
		strategy == BTEqualStrategyNumber)
		range->upper = Min(range->upper, internal);
	if (range->lower > range->upper)
		range->empty = true;
}

/* TimeRangeInit - the range of every internal time. */
void
TimeRangeInit(TimeRange *range)
{
	range->lower = PG_INT64_MIN;
	range->upper = PG_INT64_MAX;
	range->empty = false;
}

/* Whether chunk [start, end) may hold a time of range. */
bool
TimeRangeOverlaps(const TimeRange *range, int64 start, int64 end)
{
	return !range->empty && start <= range->upper &&
		(end > range->lower || end == PG_INT64_MAX);
}
