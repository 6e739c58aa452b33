/*-------------------------------------------------------------------------
 *
 * columnar_aggregate_plan.c
 *	  Planning ColumnarAggregate (see columnar_aggregate.c): recognizing the
 *	  quals, grouping keys and aggregates it computes exactly as PostgreSQL
 *	  would, and the path it offers at the grouping stage, with the plain
 *	  aggregation as its child and the parallel workers it may launch.
 *
 *	  Guarantees: a path only for an aggregation over one columnar table
 *	  (no inheritance, TABLESAMPLE or row-level security qual) whose every
 *	  qual, key and aggregate compiles; whole-table count/min/max stay with
 *	  ColumnarSummary; the node's cost competes with the plain plans'.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_aggregate_plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/nbtree.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "columnar_aggregate.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planner.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/*
 * The node's run cost as a share of the cheapest scan of the table: it
 * pays no per-row executor work.  Measured: a tenth to a fifth.
 */
#define VECTOR_COST_FRACTION	0.2
#define MAX_ESTIMATED_GROUPS	1000000.0

static bool ep_enable_vectorized_aggregation = true;

/* ------------------------------------------------------------------------
 * Recognizing what the node computes (planner and executor alike)
 * ------------------------------------------------------------------------
 */

/*
 * The index in "columns" of column "var", added if new; -1 if not a column
 * of the table (relid 0: the executor, whose Vars setrefs did not renumber).
 */
static int
ColumnIndex(ColumnList *columns, Node *node)
{
	Var		   *var = (Var *) node;
	int			i = 0;
	ListCell   *lc;

	if (node == NULL || !IsA(node, Var) ||
		(columns->relid != 0 && var->varno != columns->relid) ||
		var->varlevelsup != 0 || var->varattno <= 0)
		return -1;
	foreach(lc, columns->attnums)
	{
		if (lfirst_int(lc) == var->varattno)
			return i;
		i++;
	}
	columns->attnums = lappend_int(columns->attnums, var->varattno);
	columns->types = lappend_oid(columns->types, var->vartype);
	return i;
}

/*
 * Whether "node" can be the value side of a filter: no column, no volatile
 * function, no aggregate or subplan; evaluated when the node starts.
 */
static bool
IsRunConstant(Node *node)
{
	return !contain_var_clause(node) && !contain_volatile_functions(node) &&
		!contain_subplans(node) && !contain_agg_clause(node);
}

/*
 * The comparison strategy of "opno" in the default btree family of
 * "column_type" against "value_type" when the vector layer compares the
 * two exactly in its typed arrays (0 for "<>"); -1 otherwise.
 */
static int
VectorStrategy(Oid opno, Oid column_type, Oid value_type)
{
	VectorType vtype = ColumnarVectorTypeOf(column_type);
	Oid			opfamily = ColumnarBtreeFamily(column_type);
	int			strategy;

	if (vtype == VECTOR_DATUM || !OidIsValid(opfamily))
		return -1;
	/* integers compare across widths; other types only with themselves */
	if (value_type != column_type &&
		!(vtype == VECTOR_INT64 && column_type != DATEOID && column_type != TIMESTAMPOID &&
		  column_type != TIMESTAMPTZOID &&
		  (value_type == INT2OID || value_type == INT4OID || value_type == INT8OID)))
		return -1;
	if (opno == get_negator(get_opfamily_member(opfamily, column_type, value_type,
												BTEqualStrategyNumber)))
		return 0;
	strategy = get_op_opfamily_strategy(opno, opfamily);
	return strategy >= BTLessStrategyNumber && strategy <= BTGreaterStrategyNumber ? strategy : -1;
}

/*
 * "column = ANY (array)" on an integer-like column whose equality the
 * vector layer computes exactly, the array known when the scan starts.
 */
static bool
CompileInFilter(ScalarArrayOpExpr *saop, ColumnList *columns, VectorFilter *filter, Node **value)
{
	Node	   *column = linitial(saop->args);
	Oid			elem_type;

	if (!saop->useOr || list_length(saop->args) != 2 || !IsA(column, Var))
		return false;
	*value = lsecond(saop->args);
	filter->column = ColumnIndex(columns, column);
	elem_type = get_element_type(exprType(*value));
	if (filter->column < 0 || !IsRunConstant(*value) || !OidIsValid(elem_type) ||
		ColumnarVectorTypeOf(((Var *) column)->vartype) != VECTOR_INT64 ||
		VectorStrategy(saop->opno, ((Var *) column)->vartype, elem_type) != BTEqualStrategyNumber)
		return false;
	filter->kind = VECTOR_FILTER_IN;
	filter->strategy = BTEqualStrategyNumber;
	filter->value_type = exprType(*value);
	filter->collation = saop->inputcollid;
	return true;
}

/*
 * Compiles qual "clause" into "filter" (value side into *value); false when
 * the vector layer cannot evaluate it.
 */
bool
ColumnarAggCompileFilter(Expr *clause, ColumnList *columns, VectorFilter *filter, Node **value)
{
	memset(filter, 0, sizeof(VectorFilter));
	if (IsA(clause, NullTest) && !((NullTest *) clause)->argisrow)
	{
		filter->kind = ((NullTest *) clause)->nulltesttype == IS_NULL ?
			VECTOR_FILTER_IS_NULL : VECTOR_FILTER_IS_NOT_NULL;
		filter->column = ColumnIndex(columns, (Node *) ((NullTest *) clause)->arg);
		*value = (Node *) makeNullConst(BOOLOID, -1, InvalidOid);
		return filter->column >= 0;
	}
	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left = linitial(op->args);
		Node	   *right = lsecond(op->args);
		Var		   *var;
		int			strategy;

		filter->value_left = !IsA(left, Var);
		var = (Var *) (filter->value_left ? right : left);
		*value = filter->value_left ? left : right;
		filter->column = ColumnIndex(columns, (Node *) var);
		if (filter->column < 0 || !IsRunConstant(*value) || !op_strict(op->opno) ||
			op->opresulttype != BOOLOID)
			return false;
		filter->value_type = exprType(*value);
		filter->collation = op->inputcollid;
		strategy = VectorStrategy(filter->value_left ? get_commutator(op->opno) : op->opno,
								  var->vartype, filter->value_type);
		if (strategy >= 0)
		{
			filter->kind = VECTOR_FILTER_COMPARE;
			filter->strategy = (StrategyNumber) strategy;
		}
		else
		{
			filter->kind = VECTOR_FILTER_OPERATOR;
			filter->strategy = (StrategyNumber) op->opno;	/* kept for the executor */
		}
		return true;
	}
	if (IsA(clause, ScalarArrayOpExpr))
		return CompileInFilter((ScalarArrayOpExpr *) clause, columns, filter, value);
	return false;
}

static VectorExpr *CompileNewExpr(Node *node, ColumnList *columns);

/*
 * Compiles a decimal expression; NULL when it is not one.  Equal
 * expressions (and subexpressions) of the node's aggregates share one
 * VectorExpr, evaluated once per batch.
 */
static VectorExpr *
CompileExpr(Node *node, ColumnList *columns)
{
	ListCell   *lc1;
	ListCell   *lc2;
	VectorExpr *expr;

	forboth(lc1, columns->exprs, lc2, columns->compiled)
		if (equal(lfirst(lc1), node))
			return lfirst(lc2);
	expr = CompileNewExpr(node, columns);
	if (expr != NULL)
	{
		columns->exprs = lappend(columns->exprs, node);
		columns->compiled = lappend(columns->compiled, expr);
	}
	return expr;
}

static VectorExpr *
CompileNewExpr(Node *node, ColumnList *columns)
{
	VectorExpr *expr = palloc0(sizeof(VectorExpr));

	if (IsA(node, Var))
	{
		expr->kind = VECTOR_EXPR_COLUMN;
		expr->column = ColumnIndex(columns, node);
		if (expr->column < 0 ||
			(((Var *) node)->vartype != NUMERICOID && ((Var *) node)->vartype != INT2OID &&
			 ((Var *) node)->vartype != INT4OID && ((Var *) node)->vartype != INT8OID))
			return NULL;
		return expr;
	}
	if (IsA(node, Const) && ((Const *) node)->consttype == NUMERICOID &&
		!((Const *) node)->constisnull)
	{
		expr->kind = VECTOR_EXPR_CONST;
		return EpNumericToScaled128(((Const *) node)->constvalue, &expr->const_value,
										  &expr->const_scale, &expr->const_dscale) ? expr : NULL;
	}
	if (IsA(node, FuncExpr) && list_length(((FuncExpr *) node)->args) == 1 &&
		(((FuncExpr *) node)->funcid == F_NUMERIC_INT2 ||
		 ((FuncExpr *) node)->funcid == F_NUMERIC_INT4 ||
		 ((FuncExpr *) node)->funcid == F_NUMERIC_INT8))
		return CompileExpr(linitial(((FuncExpr *) node)->args), columns);
	if (IsA(node, OpExpr) && list_length(((OpExpr *) node)->args) == 2)
	{
		Oid			func = get_opcode(((OpExpr *) node)->opno);

		expr->kind = func == F_NUMERIC_ADD ? VECTOR_EXPR_ADD :
			func == F_NUMERIC_SUB ? VECTOR_EXPR_SUB :
			func == F_NUMERIC_MUL ? VECTOR_EXPR_MUL : VECTOR_EXPR_COLUMN;
		if (expr->kind == VECTOR_EXPR_COLUMN)
			return NULL;
		expr->left = CompileExpr(linitial(((OpExpr *) node)->args), columns);
		expr->right = CompileExpr(lsecond(((OpExpr *) node)->args), columns);
		return expr->left != NULL && expr->right != NULL ? expr : NULL;
	}
	return NULL;
}

/* min() or max() of a column by its type's default btree order, or -1. */
static int
ExtremeKind(Aggref *agg, Var *var)
{
	HeapTuple	tuple = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(agg->aggfnoid));
	Oid			sortop;
	Oid			opfamily = ColumnarBtreeFamily(var->vartype);
	int			strategy;

	if (!HeapTupleIsValid(tuple))
		return -1;
	sortop = ((Form_pg_aggregate) GETSTRUCT(tuple))->aggsortop;
	ReleaseSysCache(tuple);
	if (!OidIsValid(sortop) || !OidIsValid(opfamily) || agg->aggtype != var->vartype ||
		agg->inputcollid != var->varcollid)
		return -1;
	strategy = get_op_opfamily_strategy(sortop, opfamily);
	return strategy == BTLessStrategyNumber ? AGGREGATE_MIN :
		strategy == BTGreaterStrategyNumber ? AGGREGATE_MAX : -1;
}

/*
 * Compiles "agg" into "va"; false when the node cannot compute it exactly
 * as PostgreSQL would.
 */
bool
ColumnarAggCompileAggregate(Aggref *agg, ColumnList *columns, VectorAggregate *va)
{
	Node	   *arg;
	Oid			argtype;

	memset(va, 0, sizeof(VectorAggregate));
	va->result_type = agg->aggtype;
	if (agg->aggfilter != NULL || agg->aggdistinct != NIL || agg->aggorder != NIL ||
		agg->agglevelsup != 0 || agg->aggsplit != AGGSPLIT_SIMPLE || agg->aggvariadic)
		return false;
	if (agg->aggfnoid == F_COUNT_ && agg->aggstar)
	{
		va->kind = AGGREGATE_COUNT_ROWS;
		return true;
	}
	if (agg->aggstar || list_length(agg->args) != 1)
		return false;
	arg = (Node *) ((TargetEntry *) linitial(agg->args))->expr;
	argtype = exprType(arg);
	switch (agg->aggfnoid)
	{
		case F_SUM_INT2:
		case F_SUM_INT4:
		case F_SUM_INT8:
		case F_SUM_NUMERIC:
		case F_AVG_INT2:
		case F_AVG_INT4:
		case F_AVG_INT8:
		case F_AVG_NUMERIC:
			va->kind = (agg->aggfnoid == F_SUM_INT2 || agg->aggfnoid == F_SUM_INT4 ||
						agg->aggfnoid == F_SUM_INT8 || agg->aggfnoid == F_SUM_NUMERIC) ?
				AGGREGATE_SUM : AGGREGATE_AVG;
			va->expr = CompileExpr(arg, columns);
			return va->expr != NULL && !IsA(arg, Const);
		case F_SUM_FLOAT8:
		case F_AVG_FLOAT8:
			va->kind = agg->aggfnoid == F_SUM_FLOAT8 ? AGGREGATE_SUM_FLOAT : AGGREGATE_AVG_FLOAT;
			va->column = ColumnIndex(columns, arg);
			return va->column >= 0 && argtype == FLOAT8OID;
		case F_COUNT_ANY:
			va->kind = AGGREGATE_COUNT;
			va->column = ColumnIndex(columns, arg);
			return va->column >= 0;
	}
	if (!IsA(arg, Var) || (int) (va->kind = ExtremeKind(agg, (Var *) arg)) < 0)
		return false;
	va->column = ColumnIndex(columns, arg);
	va->collation = agg->inputcollid;
	return va->column >= 0;
}

/* The grouping keys of the query as columns of the table, or false. */
static bool
CompileGroupKeys(Query *parse, ColumnList *columns, List **keys)
{
	ListCell   *lc;

	*keys = NIL;
	if (list_length(parse->groupClause) > MAX_GROUP_KEYS)
		return false;
	foreach(lc, parse->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		Node	   *expr = (Node *) get_sortgroupclause_expr(sgc, parse->targetList);
		TypeCacheEntry *typentry;
		int			column = ColumnIndex(columns, expr);

		if (column < 0)
			return false;
		typentry = lookup_type_cache(exprType(expr), TYPECACHE_EQ_OPR | TYPECACHE_HASH_PROC);
		if (sgc->eqop != typentry->eq_opr ||
			(ColumnarVectorTypeOf(exprType(expr)) != VECTOR_INT64 &&
			 !OidIsValid(typentry->hash_proc)))
			return false;
		*keys = lappend_int(*keys, column);
	}
	return true;
}

/* ------------------------------------------------------------------------
 * Planner
 * ------------------------------------------------------------------------
 */

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

static Plan *PlanAggregatePath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
							   List *tlist, List *clauses, List *custom_plans);

static const CustomPathMethods AggregatePathMethods = {
	.CustomName = "ColumnarAggregate",
	.PlanCustomPath = PlanAggregatePath,
};

/*
 * The cost of reading the table whole: its ColumnarScan path (which counts
 * the columns read and the chunks skipped), else its sequential scan.
 */
static Cost
WholeScanCost(RelOptInfo *input_rel)
{
	Cost		cost = -1;
	ListCell   *lc;

	foreach(lc, input_rel->pathlist)
	{
		Path	   *path = (Path *) lfirst(lc);

		if (path->param_info != NULL)
			continue;
		if (path->pathtype == T_CustomScan &&
			strcmp(((CustomPath *) path)->methods->CustomName, "ColumnarScan") == 0)
			return path->total_cost;
		if (path->pathtype == T_SeqScan)
			cost = path->total_cost;
	}
	return cost;
}

/*
 * Whether ColumnarSummary answers the aggregation from metadata: count(*),
 * min() and max() of the whole table, without grouping.
 */
static bool
SummaryAnswers(RelOptInfo *input_rel, List *keys, List *aggs, ColumnList *columns)
{
	ListCell   *lc;

	if (keys != NIL || input_rel->baserestrictinfo != NIL)
		return false;
	foreach(lc, aggs)
	{
		VectorAggregate va;

		ColumnarAggCompileAggregate(lfirst(lc), columns, &va);
		if (va.kind != AGGREGATE_COUNT_ROWS && va.kind != AGGREGATE_MIN &&
			va.kind != AGGREGATE_MAX)
			return false;
	}
	return true;
}

/*
 * The parallel workers the node launches: as many as a parallel scan of
 * the table would get, when the query may use them and every expression
 * the workers evaluate is parallel safe.
 */
static int
PlannedWorkers(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel)
{
	if (!ep_enable_parallel_workers || !root->glob->parallelModeOK ||
		!input_rel->consider_parallel || input_rel->partial_pathlist == NIL ||
		!is_parallel_safe(root, (Node *) output_rel->reltarget->exprs))
		return 0;
	return ((Path *) linitial(input_rel->partial_pathlist))->parallel_workers;
}

/* The planner's estimate of the groups: the rows of its paths. */
static double
EstimatedGroups(RelOptInfo *output_rel)
{
	return output_rel->pathlist != NIL ? ((Path *) linitial(output_rel->pathlist))->rows : 1;
}

/* The columnar table an aggregation over "input_rel" reads, or NULL. */
static RangeTblEntry *
ColumnarInput(PlannerInfo *root, RelOptInfo *input_rel)
{
	RangeTblEntry *rte;

	if (input_rel->reloptkind != RELOPT_BASEREL)
		return NULL;
	rte = planner_rt_fetch(input_rel->relid, root);
	if (rte->rtekind != RTE_RELATION || rte->inh || rte->tablesample != NULL ||
		rte->securityQuals != NIL ||
		(rte->relkind != RELKIND_RELATION && rte->relkind != RELKIND_MATVIEW) ||
		!ColumnarRelidIsColumnar(rte->relid))
		return NULL;
	return rte;
}

/*
 * Whether the node computes the aggregation of "input_rel" into
 * "output_rel"; fills the parts of its plan.
 */
static bool
Vectorizable(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel,
			 ColumnList *columns, List **keys, List **quals, List **aggs)
{
	Query	   *parse = root->parse;
	ListCell   *lc;

	if (parse->groupingSets != NIL || parse->havingQual != NULL || parse->hasWindowFuncs ||
		parse->hasTargetSRFs || ColumnarInput(root, input_rel) == NULL ||
		EstimatedGroups(output_rel) > MAX_ESTIMATED_GROUPS ||
		contain_subplans((Node *) output_rel->reltarget->exprs))
		return false;
	columns->relid = input_rel->relid;
	if (!CompileGroupKeys(parse, columns, keys))
		return false;
	*quals = NIL;
	foreach(lc, input_rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		VectorFilter filter;
		Node	   *value;

		if (rinfo->pseudoconstant || !ColumnarAggCompileFilter(rinfo->clause, columns, &filter, &value))
			return false;
		*quals = lappend(*quals, rinfo->clause);
	}
	*aggs = NIL;
	foreach(lc, pull_var_clause((Node *) output_rel->reltarget->exprs,
								PVC_INCLUDE_AGGREGATES | PVC_INCLUDE_WINDOWFUNCS |
								PVC_INCLUDE_PLACEHOLDERS))
	{
		Node	   *node = lfirst(lc);
		VectorAggregate va;

		if (IsA(node, Var))
		{
			/* outside aggregates, only the grouping columns */
			int			before = list_length(columns->attnums);
			int			column = ColumnIndex(columns, node);

			if (column < 0 || list_length(columns->attnums) != before ||
				!list_member_int(*keys, column))
				return false;
			continue;
		}
		if (!IsA(node, Aggref) || !ColumnarAggCompileAggregate((Aggref *) node, columns, &va))
			return false;
		if (!list_member(*aggs, node))
			*aggs = lappend(*aggs, node);
	}
	return true;
}

/*
 * The plain aggregation the node falls back on: a new path, since add_path
 * frees the paths that the node's path beats.  Its costs do not matter.
 */
static Path *
FallbackPath(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel)
{
	AggClauseCosts no_costs = {0};
	List	   *group = root->parse->groupClause;

	return (Path *) create_agg_path(root, output_rel, input_rel->cheapest_total_path,
									output_rel->reltarget, group != NIL ? AGG_HASHED : AGG_PLAIN,
									AGGSPLIT_SIMPLE, group, NIL, &no_costs,
									EstimatedGroups(output_rel));
}

static void
ColumnarAggregateUpperPaths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
							RelOptInfo *output_rel, void *extra)
{
	ColumnList	columns = {0};
	List	   *keys;
	List	   *quals;
	List	   *aggs;
	Cost		scan_cost;
	int			workers;
	CustomPath *path;

	if (prev_create_upper_paths_hook)
		prev_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage != UPPERREL_GROUP_AGG || !ep_enable_vectorized_aggregation ||
		!Vectorizable(root, input_rel, output_rel, &columns, &keys, &quals, &aggs) ||
		SummaryAnswers(input_rel, keys, aggs, &columns) ||
		(scan_cost = WholeScanCost(input_rel)) < 0)
		return;

	path = makeNode(CustomPath);
	path->path.pathtype = T_CustomScan;
	path->path.parent = output_rel;
	path->path.pathtarget = output_rel->reltarget;
	path->path.rows = EstimatedGroups(output_rel);
	workers = PlannedWorkers(root, input_rel, output_rel);
	path->path.startup_cost = scan_cost * VECTOR_COST_FRACTION / (workers + 1);
	path->path.total_cost = path->path.startup_cost + path->path.rows * cpu_tuple_cost;
	path->custom_paths = list_make1(FallbackPath(root, input_rel, output_rel));
	/* as the plan's, with the range table index and the workers last */
	path->custom_private = list_make5(columns.attnums, keys, quals, aggs,
									  list_make2_int(input_rel->relid, workers));
	path->methods = &AggregatePathMethods;
	add_path(output_rel, &path->path);
}

/*
 * For each qual, the index of the chunk filter ColumnarPlanChunkFilters
 * makes of it (it makes at most one per qual, in order), or -1.
 */
static List *
ChunkFilterOfQual(List *quals, Index relid)
{
	List	   *result = NIL;
	int			next = 0;
	ListCell   *lc;

	foreach(lc, quals)
	{
		List	   *values = NIL;
		List	   *lists = ColumnarPlanChunkFilters(list_make1(lfirst(lc)), relid, &values);

		result = lappend_int(result, values != NIL ? next++ : -1);
		(void) lists;
	}
	return result;
}

static Plan *
PlanAggregatePath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
				  List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *private = best_path->custom_private;
	Index		relid = (Index) linitial_int((List *) list_nth(private, 4));
	int			workers = lsecond_int((List *) list_nth(private, 4));
	List	   *attnums = linitial(private);
	List	   *keys = lsecond(private);
	List	   *scan_tlist = NIL;
	List	   *values = NIL;
	List	   *chunk_filters;
	List	   *chunk_of_qual;
	ColumnList	columns = {.relid = relid};
	ListCell   *lc;

	/* the node's tuple: the grouping columns, then one column per aggregate */
	foreach(lc, keys)
	{
		AttrNumber	attnum = (AttrNumber) list_nth_int(attnums, lfirst_int(lc));
		Var		   *var = NULL;
		ListCell   *lc2;

		foreach(lc2, pull_var_clause((Node *) rel->reltarget->exprs, PVC_RECURSE_AGGREGATES |
									 PVC_RECURSE_WINDOWFUNCS | PVC_RECURSE_PLACEHOLDERS))
			if (((Var *) lfirst(lc2))->varattno == attnum)
				var = lfirst(lc2);
		if (var == NULL)
		{
			/* grouped by a column the output does not show */
			Relation	table = table_open(planner_rt_fetch(relid, root)->relid, NoLock);
			Form_pg_attribute att = TupleDescAttr(RelationGetDescr(table), attnum - 1);

			var = makeVar(relid, attnum, att->atttypid, att->atttypmod, att->attcollation, 0);
			table_close(table, NoLock);
		}
		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) copyObject(var),
														 list_length(scan_tlist) + 1, NULL, false));
	}
	foreach(lc, (List *) list_nth(private, PRIVATE_AGGREGATES))
		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) copyObject(lfirst(lc)),
														 list_length(scan_tlist) + 1, NULL, false));
	/* the quals' value sides go to custom_exprs, where setrefs fixes them */
	foreach(lc, (List *) list_nth(private, PRIVATE_QUALS))
	{
		VectorFilter filter;
		Node	   *value;

		if (!ColumnarAggCompileFilter(lfirst(lc), &columns, &filter, &value))
			elog(ERROR, "columnar aggregate qual no longer compiles");
		values = lappend(values, copyObject(value));
	}
	chunk_filters = ColumnarPlanChunkFilters(list_nth(private, PRIVATE_QUALS), relid, &values);
	chunk_of_qual = ChunkFilterOfQual(list_nth(private, PRIVATE_QUALS), relid);
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.scanrelid = relid;
	cscan->custom_scan_tlist = scan_tlist;
	cscan->custom_exprs = values;
	cscan->custom_plans = custom_plans;
	cscan->custom_private = list_make5(attnums, keys, copyObject(list_nth(private, PRIVATE_QUALS)),
									   copyObject(list_nth(private, PRIVATE_AGGREGATES)),
									   chunk_filters);
	cscan->custom_private = lappend(cscan->custom_private, list_make1_int(workers));
	cscan->custom_private = lappend(cscan->custom_private, chunk_of_qual);
	if (workers > 0)
		root->glob->parallelModeNeeded = true;
	cscan->methods = &ColumnarAggregateScanMethods;
	return &cscan->scan.plan;
}

/*
 * ColumnarAggInstallPlanner - the setting and the planner hook; called once
 * from _PG_init.
 */
void
ColumnarAggInstallPlanner(void)
{
	DefineCustomBoolVariable("epiphany.enable_vectorized_aggregation",
							 "Lets aggregations over columnar tables run on decoded chunks.",
							 "Off: the plain aggregation plans only, for comparison.",
							 &ep_enable_vectorized_aggregation, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = ColumnarAggregateUpperPaths;
}
