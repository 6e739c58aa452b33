/*-------------------------------------------------------------------------
 *
 * columnar_aggregate.c
 *	  ColumnarAggregate, a custom scan that aggregates a columnar table a
 *	  chunk of rows at a time: it decodes a column only when a filter or an
 *	  aggregate needs it, applies the WHERE quals to typed arrays (the
 *	  cheapest first, each on the rows the previous ones kept), groups the
 *	  surviving rows by up to two columns through hash tables of key ids,
 *	  and accumulates count, sum, avg, min and max without forming a tuple
 *	  per row.  Sums and averages of decimals are exact, in scaled 128-bit
 *	  integers (columnar_vector.c).  The delta store's rows are gathered into
 *	  batches of the same form.
 *
 *	  Guarantees: planned only for an aggregation over one columnar table
 *	  whose quals, grouping keys and aggregates it computes exactly as
 *	  PostgreSQL would (see the checks below), competing with the plain
 *	  plan on cost.  That plan stays its child: whenever a value has no
 *	  exact vector form (a NaN, an overflow of 38 digits, a float beyond
 *	  1e150) or the groups outgrow hash_mem, the node drops what it
 *	  computed and returns the child's rows instead, so an answer never
 *	  depends on the path taken.  Float sums add in storage order, as a
 *	  serial plain scan would.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_aggregate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "access/nbtree.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "columnar.h"
#include "columnar_vector.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "executor/nodeHash.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planner.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/*
 * The node's run cost as a share of the cheapest scan of the table: it
 * pays no per-row executor work.  Measured: a tenth to a fifth.
 */
#define VECTOR_COST_FRACTION	0.2
#define MAX_GROUP_KEYS			2
#define MAX_ESTIMATED_GROUPS	1000000.0
#define DELTA_BATCH_ROWS		1024
#define FLOAT_LIMIT				1e150	/* beyond: PostgreSQL's overflow checks apply */
#define POINTER_MEMO_SIZE		256

static bool ep_enable_vectorized_aggregation = true;

/* What an aggregate computes. */
typedef enum AggregateKind
{
	AGGREGATE_COUNT_ROWS,		/* count(*) */
	AGGREGATE_COUNT,			/* count(column) */
	AGGREGATE_SUM,				/* sum() of a decimal expression or an integer */
	AGGREGATE_AVG,				/* avg() of the same */
	AGGREGATE_SUM_FLOAT,		/* sum(float8 column) */
	AGGREGATE_AVG_FLOAT,		/* avg(float8 column) */
	AGGREGATE_MIN,
	AGGREGATE_MAX
} AggregateKind;

/* ------------------------------------------------------------------------
 * Recognizing what the node computes (planner and executor alike)
 * ------------------------------------------------------------------------
 */

/* The columns of the table the node reads, while compiling. */
typedef struct ColumnList
{
	Index		relid;
	List	   *attnums;		/* IntList */
	List	   *types;			/* OidList */
	List	   *exprs;			/* expressions compiled so far ... */
	List	   *compiled;		/* ... and their VectorExprs, shared */
} ColumnList;

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
	Oid			opclass = GetDefaultOpClass(column_type, BTREE_AM_OID);
	int			strategy;

	if (vtype == VECTOR_DATUM || !OidIsValid(opclass))
		return -1;
	/* integers compare across widths; other types only with themselves */
	if (value_type != column_type &&
		!(vtype == VECTOR_INT64 && column_type != DATEOID && column_type != TIMESTAMPOID &&
		  column_type != TIMESTAMPTZOID &&
		  (value_type == INT2OID || value_type == INT4OID || value_type == INT8OID)))
		return -1;
	if (opno == get_negator(get_opfamily_member(get_opclass_family(opclass), column_type,
												value_type, BTEqualStrategyNumber)))
		return 0;
	strategy = get_op_opfamily_strategy(opno, get_opclass_family(opclass));
	return strategy >= BTLessStrategyNumber && strategy <= BTGreaterStrategyNumber ? strategy : -1;
}

/*
 * Compiles qual "clause" into "filter" (value side into *value); false when
 * the vector layer cannot evaluate it.
 */
static bool
CompileFilter(Expr *clause, ColumnList *columns, VectorFilter *filter, Node **value)
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
		return ColumnarNumericToScaled128(((Const *) node)->constvalue, &expr->const_value,
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
	Oid			opclass = GetDefaultOpClass(var->vartype, BTREE_AM_OID);
	int			strategy;

	if (!HeapTupleIsValid(tuple))
		return -1;
	sortop = ((Form_pg_aggregate) GETSTRUCT(tuple))->aggsortop;
	ReleaseSysCache(tuple);
	if (!OidIsValid(sortop) || !OidIsValid(opclass) || agg->aggtype != var->vartype ||
		agg->inputcollid != var->varcollid)
		return -1;
	strategy = get_op_opfamily_strategy(sortop, get_opclass_family(opclass));
	return strategy == BTLessStrategyNumber ? AGGREGATE_MIN :
		strategy == BTGreaterStrategyNumber ? AGGREGATE_MAX : -1;
}

/* One aggregate, compiled. */
typedef struct VectorAggregate
{
	AggregateKind kind;
	Oid			result_type;
	int			column;			/* COUNT, MIN, MAX, *_FLOAT: the column */
	VectorExpr *expr;			/* SUM, AVG */
	int			scale;			/* SUM, AVG: of the groups' sums */
	FmgrInfo	compare;		/* MIN, MAX on non-integer types */
	Oid			collation;
	bool		byval;
	int16		typlen;
} VectorAggregate;

/*
 * Compiles "agg" into "va"; false when the node cannot compute it exactly
 * as PostgreSQL would.
 */
static bool
CompileAggregate(Aggref *agg, ColumnList *columns, VectorAggregate *va)
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

/* Positions in CustomScan.custom_private. */
enum
{
	PRIVATE_ATTNUMS,			/* IntList: the columns read, by index */
	PRIVATE_KEYS,				/* IntList: indexes of the grouping columns */
	PRIVATE_QUALS,				/* the quals (values in custom_exprs) */
	PRIVATE_AGGREGATES,			/* the Aggrefs, in custom_scan_tlist order */
	PRIVATE_CHUNK_FILTERS,		/* ColumnarPlanChunkFilters' lists; their
								 * values follow the quals' in custom_exprs */
	PRIVATE_WORKERS				/* IntList: the parallel workers to launch */
};

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

static Plan *PlanAggregatePath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
							   List *tlist, List *clauses, List *custom_plans);
static Node *CreateAggregateState(CustomScan *cscan);
static void BeginAggregate(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ExecAggregate(CustomScanState *node);
static void EndAggregate(CustomScanState *node);
static void ReScanAggregate(CustomScanState *node);
static void ExplainAggregate(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomPathMethods AggregatePathMethods = {
	.CustomName = "ColumnarAggregate",
	.PlanCustomPath = PlanAggregatePath,
};

static const CustomScanMethods AggregateScanMethods = {
	.CustomName = "ColumnarAggregate",
	.CreateCustomScanState = CreateAggregateState,
};

static const CustomExecMethods AggregateExecMethods = {
	.CustomName = "ColumnarAggregate",
	.BeginCustomScan = BeginAggregate,
	.ExecCustomScan = ExecAggregate,
	.EndCustomScan = EndAggregate,
	.ReScanCustomScan = ReScanAggregate,
	.ExplainCustomScan = ExplainAggregate,
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

		CompileAggregate(lfirst(lc), columns, &va);
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

		if (rinfo->pseudoconstant || !CompileFilter(rinfo->clause, columns, &filter, &value))
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
		if (!IsA(node, Aggref) || !CompileAggregate((Aggref *) node, columns, &va))
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
	/* as the plan's, with the relation's range table index last */
	path->custom_private = list_make5(columns.attnums, keys, quals, aggs,
									  list_make2_int(input_rel->relid, workers));
	path->methods = &AggregatePathMethods;
	add_path(output_rel, &path->path);
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

		if (!CompileFilter(lfirst(lc), &columns, &filter, &value))
			elog(ERROR, "columnar aggregate qual no longer compiles");
		values = lappend(values, copyObject(value));
	}
	chunk_filters = ColumnarPlanChunkFilters(list_nth(private, PRIVATE_QUALS), relid, &values);
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.scanrelid = relid;
	cscan->custom_scan_tlist = scan_tlist;
	cscan->custom_exprs = values;
	cscan->custom_plans = custom_plans;
	cscan->custom_private = list_make5(attnums, keys, copyObject(list_nth(private, PRIVATE_QUALS)),
									   copyObject(list_nth(private, PRIVATE_AGGREGATES)),
									   chunk_filters);
	cscan->custom_private = lappend(cscan->custom_private, list_make1_int(workers));
	if (workers > 0)
		root->glob->parallelModeNeeded = true;
	cscan->methods = &AggregateScanMethods;
	return &cscan->scan.plan;
}

/* ------------------------------------------------------------------------
 * Grouping: key ids, then group ids
 * ------------------------------------------------------------------------
 */

/* An open-addressing table from 64-bit keys to ids (1 and up). */
typedef struct IdTable
{
	uint64	   *keys;
	uint32	   *hashes;
	uint32	   *ids;			/* 0: free slot */
	uint32		mask;
	uint32		count;
} IdTable;

static void
IdTableInit(IdTable *t, uint32 size)
{
	t->mask = size - 1;
	t->count = 0;
	t->keys = palloc(sizeof(uint64) * size);
	t->hashes = palloc(sizeof(uint32) * size);
	t->ids = palloc0(sizeof(uint32) * size);
}

static inline uint32
Mix64(uint64 x)
{
	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64CONST(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (uint32) x;
}

/* Doubles the table, in the current memory context. */
static void
IdTableGrow(IdTable *t)
{
	IdTable		old = *t;

	IdTableInit(t, (old.mask + 1) * 2);
	t->count = old.count;
	for (uint32 i = 0; i <= old.mask; i++)
	{
		uint32		slot;

		if (old.ids[i] == 0)
			continue;
		slot = old.hashes[i] & t->mask;
		while (t->ids[slot] != 0)
			slot = (slot + 1) & t->mask;
		t->keys[slot] = old.keys[i];
		t->hashes[slot] = old.hashes[i];
		t->ids[slot] = old.ids[i];
	}
	pfree(old.keys);
	pfree(old.hashes);
	pfree(old.ids);
}

/*
 * The id of "key" whose hash is "hash"; *is_new when it was added with the
 * next id.  "equal" decides, for keys of equal hash, whether they stand
 * for equal values (NULL: only equal keys do).
 */
static inline uint32
IdTableLookup(IdTable *t, uint64 key, uint32 hash, bool *is_new,
			  bool (*equal) (void *arg, uint64 a, uint64 b), void *arg)
{
	uint32		slot = hash & t->mask;
	uint32		id;

	for (;;)
	{
		id = t->ids[slot];
		if (id == 0)
			break;
		if (t->hashes[slot] == hash &&
			(t->keys[slot] == key || (equal != NULL && equal(arg, t->keys[slot], key))))
		{
			*is_new = false;
			return id;
		}
		slot = (slot + 1) & t->mask;
	}
	*is_new = true;
	t->keys[slot] = key;
	t->hashes[slot] = hash;
	t->ids[slot] = id = ++t->count;
	if (t->count * 2 > t->mask)
		IdTableGrow(t);
	return id;
}

/*
 * The distinct values of one grouping column.  Integer-like values are
 * their own keys; others are keyed by their index in "values", with the
 * type's hash and equality (a chunk's dictionary values share pointers,
 * which a small memo maps straight to ids).
 */
typedef struct KeyColumn
{
	int			column;
	bool		by_image;		/* INT64 vector type */
	bool		byval;
	int16		typlen;
	Oid			collation;
	FmgrInfo	hash;
	FmgrInfo	equal;
	IdTable		table;			/* generic: key = id itself, hashed */
	Datum	   *values;			/* [id - 1], copied */
	int			allocated;
	Datum		memo_pointer[POINTER_MEMO_SIZE];
	uint32		memo_id[POINTER_MEMO_SIZE];
} KeyColumn;

/* Equality of two generic keys (indexes into "values", 1-based ids). */
static bool
KeyValuesEqual(void *arg, uint64 a, uint64 b)
{
	KeyColumn  *k = (KeyColumn *) arg;

	return DatumGetBool(FunctionCall2Coll(&k->equal, k->collation, k->values[a - 1],
										  k->values[b - 1]));
}

/*
 * The id of value "value" of a generic key column, added (copied into the
 * current memory context) if new.
 */
static uint32
GenericKeyId(KeyColumn *k, Datum value)
{
	uint32		hash = DatumGetUInt32(FunctionCall1Coll(&k->hash, k->collation, value));
	uint64		candidate = k->table.count + 1;
	bool		is_new;
	uint32		id;

	/* the candidate's value must be in place for the equality test */
	if ((int) candidate > k->allocated)
	{
		k->allocated *= 2;
		k->values = repalloc(k->values, sizeof(Datum) * k->allocated);
	}
	k->values[candidate - 1] = value;
	id = IdTableLookup(&k->table, candidate, hash, &is_new, KeyValuesEqual, k);
	if (is_new)
		k->values[id - 1] = datumCopy(value, k->byval, k->typlen);
	return id;
}

/* ------------------------------------------------------------------------
 * Executor
 * ------------------------------------------------------------------------
 */

/* One group's state for one aggregate. */
typedef struct Accumulator
{
	int64		count;
	int128		sum;			/* SUM, AVG: scaled by the aggregate's scale */
	double		float_sum;
	int64		extreme_int;	/* MIN, MAX of INT64 columns */
	Datum		extreme;		/* MIN, MAX */
	uint16		dscale;			/* SUM, AVG: largest display scale */
	bool		found;			/* MIN, MAX */
} Accumulator;

typedef struct AggregateState
{
	CustomScanState css;
	MemoryContext context;		/* groups, keys, copied values */
	MemoryContext batch_context;	/* reset per batch */
	int			ncolumns;
	VectorColumn *columns;
	bool	   *column_loaded;
	bool	   *column_used;	/* scratch: the columns of one aggregate */
	int			nfilters;
	VectorFilter *filters;
	List	   *filter_values;	/* ExprStates */
	int			naggs;
	VectorAggregate *aggs;
	int			nkeys;
	KeyColumn	keys[MAX_GROUP_KEYS];
	IdTable		groups;			/* combined key ids -> group number + 1 */
	uint64	   *group_keys;		/* [group]: combined key ids */
	int			ngroups;
	int			groups_allocated;
	Accumulator *accumulators;	/* [group * naggs + agg] */
	uint32	   *row_groups;		/* [row]: group of each selected row */
	VectorSelection sel;
	int32	   *agg_rows;		/* a selection for one aggregate */
	int			rows_allocated;
	uint64		selections;		/* ids given to batch selections */
	/* reading */
	int			workers;		/* parallel workers planned */
	int			workers_launched;
	ColumnarChunkFilterSet chunk_filters;	/* min/max skipping */
	int		   *chunk_map;		/* [chunk filter]: its vector filter */
	int64		chunks_skipped;
	ColumnarReadState *reader;
	ColumnarBatch batch;
	TupleTableSlot *delta_slot;
	/* results */
	bool		computed;
	int			next_group;
	bool		fallback;
	PlanState  *fallback_plan;
	int64		batches;
} AggregateState;

static Node *
CreateAggregateState(CustomScan *cscan)
{
	AggregateState *state = palloc0(sizeof(AggregateState));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &AggregateExecMethods;
	return (Node *) state;
}

/* Empties key column "k" (its column set), in the current context. */
static void
InitKeyColumn(AggregateState *state, KeyColumn *k)
{
	VectorColumn *c = &state->columns[k->column];
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(state->css.ss.ss_currentRelation),
										  c->attnum - 1);
	TypeCacheEntry *typentry = lookup_type_cache(c->type, TYPECACHE_EQ_OPR_FINFO |
												 TYPECACHE_HASH_PROC_FINFO);

	k->by_image = c->vtype == VECTOR_INT64;
	k->byval = att->attbyval;
	k->typlen = att->attlen;
	k->collation = att->attcollation;
	if (!k->by_image)
	{
		fmgr_info_copy(&k->hash, &typentry->hash_proc_finfo, CurrentMemoryContext);
		fmgr_info_copy(&k->equal, &typentry->eq_opr_finfo, CurrentMemoryContext);
	}
	IdTableInit(&k->table, 64);
	k->allocated = 64;
	k->values = palloc(sizeof(Datum) * k->allocated);
}

/* Compiles the plan's quals, aggregates and keys into the node's state. */
static void
CompileState(AggregateState *state, List *private)
{
	Relation	rel = state->css.ss.ss_currentRelation;
	ColumnList	columns = {.relid = 0};
	ListCell   *lc;
	int			i = 0;

	/* the columns in the planner's order, so that indexes match */
	foreach(lc, (List *) linitial(private))
	{
		columns.attnums = lappend_int(columns.attnums, lfirst_int(lc));
		columns.types = lappend_oid(columns.types,
									TupleDescAttr(RelationGetDescr(rel), lfirst_int(lc) - 1)->atttypid);
	}
	state->nfilters = list_length((List *) list_nth(private, PRIVATE_QUALS));
	state->filters = palloc0(sizeof(VectorFilter) * Max(1, state->nfilters));
	foreach(lc, (List *) list_nth(private, PRIVATE_QUALS))
	{
		VectorFilter *f = &state->filters[i++];
		Node	   *value;

		if (!CompileFilter(lfirst(lc), &columns, f, &value))
			elog(ERROR, "columnar aggregate qual does not compile");
		f->value_node = value;
		if (f->kind == VECTOR_FILTER_OPERATOR)
			fmgr_info(get_opcode((Oid) f->strategy), &f->operator_fn);
	}
	state->naggs = list_length((List *) list_nth(private, PRIVATE_AGGREGATES));
	state->aggs = palloc0(sizeof(VectorAggregate) * Max(1, state->naggs));
	i = 0;
	foreach(lc, (List *) list_nth(private, PRIVATE_AGGREGATES))
	{
		VectorAggregate *va = &state->aggs[i++];

		if (!CompileAggregate(lfirst(lc), &columns, va))
			elog(ERROR, "columnar aggregate does not compile");
	}
	if (list_length(columns.attnums) != list_length((List *) linitial(private)))
		elog(ERROR, "columnar aggregate columns do not match the plan");
	state->ncolumns = list_length(columns.attnums);
	state->columns = palloc0(sizeof(VectorColumn) * Max(1, state->ncolumns));
	state->column_loaded = palloc0(sizeof(bool) * Max(1, state->ncolumns));
	state->column_used = palloc0(sizeof(bool) * Max(1, state->ncolumns));
	for (int c = 0; c < state->ncolumns; c++)
		ColumnarVectorColumnInit(&state->columns[c], (AttrNumber) list_nth_int(columns.attnums, c),
								 list_nth_oid(columns.types, c), COLUMNAR_DEFAULT_CHUNK_ROWS);
	for (int a = 0; a < state->naggs; a++)
	{
		VectorAggregate *va = &state->aggs[a];
		Form_pg_attribute att;

		if (va->kind != AGGREGATE_MIN && va->kind != AGGREGATE_MAX)
			continue;
		att = TupleDescAttr(RelationGetDescr(rel), state->columns[va->column].attnum - 1);
		va->byval = att->attbyval;
		va->typlen = att->attlen;
		if (state->columns[va->column].vtype != VECTOR_INT64)
			fmgr_info(get_opfamily_proc(get_opclass_family(GetDefaultOpClass(att->atttypid,
																			  BTREE_AM_OID)),
										att->atttypid, att->atttypid, BTORDER_PROC),
					  &va->compare);
	}
	state->nkeys = list_length((List *) lsecond(private));
	for (int k = 0; k < state->nkeys; k++)
		state->keys[k].column = list_nth_int((List *) lsecond(private), k);
}

/*
 * Orders the filters cheapest first: integer and float comparisons, NULL
 * tests, decimal comparisons, then operators called per row.
 */
static int
FilterCost(const VectorFilter *f, const VectorColumn *columns)
{
	if (f->kind == VECTOR_FILTER_OPERATOR)
		return 3;
	if (f->kind == VECTOR_FILTER_COMPARE && columns[f->column].vtype == VECTOR_NUMERIC)
		return 2;
	return f->kind == VECTOR_FILTER_COMPARE ? 0 : 1;
}

static void
OrderFilters(AggregateState *state)
{
	/* a stable insertion sort */
	for (int i = 1; i < state->nfilters; i++)
	{
		VectorFilter f = state->filters[i];
		int			j = i;

		while (j > 0 && FilterCost(&state->filters[j - 1], state->columns) >
			   FilterCost(&f, state->columns))
		{
			state->filters[j] = state->filters[j - 1];
			j--;
		}
		state->filters[j] = f;
	}
}

/*
 * The vector filter whose value each chunk filter takes (the chunk filters
 * come from the same quals, their values from equal expressions), or -1.
 */
static void
MapChunkFilters(AggregateState *state, List *chunk_values)
{
	int			i = 0;
	ListCell   *lc;

	state->chunk_map = palloc(sizeof(int) * Max(1, list_length(chunk_values)));
	foreach(lc, chunk_values)
	{
		state->chunk_map[i] = -1;
		for (int j = 0; j < state->nfilters; j++)
			if (equal(lfirst(lc), state->filters[j].value_node))
				state->chunk_map[i] = j;
		i++;
	}
}

/*
 * Sets the node up from its plan ("private" and "exprs": custom_private and
 * custom_exprs), in memory of "context"; "parent" (NULL in a parallel
 * worker, which gets the values from the leader) evaluates the values.
 */
static void
SetupState(AggregateState *state, List *private, List *exprs, PlanState *parent,
		   MemoryContext context)
{
	ListCell   *lc;
	int			i = 0;

	state->context = AllocSetContextCreate(context, "columnar aggregate",
										   ALLOCSET_DEFAULT_SIZES);
	state->batch_context = AllocSetContextCreate(context, "columnar aggregate batch",
												 ALLOCSET_DEFAULT_SIZES);
	CompileState(state, private);
	foreach(lc, exprs)
	{
		if (i == state->nfilters)
			break;
		if (parent != NULL)
			state->filters[i].value_state = ExecInitExpr(lfirst(lc), parent);
		i++;
	}
	OrderFilters(state);
	ColumnarInitChunkFilters(&state->chunk_filters, list_nth(private, PRIVATE_CHUNK_FILTERS),
							 NIL, state->css.ss.ss_currentRelation, NULL);
	MapChunkFilters(state, list_copy_tail(exprs, state->nfilters));
}

static void
BeginAggregate(CustomScanState *node, EState *estate, int eflags)
{
	AggregateState *state = (AggregateState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;

	SetupState(state, cscan->custom_private, cscan->custom_exprs, &node->ss.ps,
			   estate->es_query_cxt);
	state->workers = linitial_int((List *) list_nth(cscan->custom_private, PRIVATE_WORKERS));
	state->fallback_plan = ExecInitNode(linitial(cscan->custom_plans), estate, eflags);
	node->custom_ps = list_make1(state->fallback_plan);
}

/* The chunk filters take the values of the vector filters. */
static void
SetChunkFilterValues(AggregateState *state)
{
	ColumnarChunkFilterSet *set = &state->chunk_filters;

	MemoryContextReset(set->context);
	for (int i = 0; i < set->nfilters; i++)
	{
		VectorFilter *f = state->chunk_map[i] >= 0 ? &state->filters[state->chunk_map[i]] : NULL;

		ColumnarSetChunkFilterValue(set, i, f != NULL ? f->value : (Datum) 0,
									f == NULL || f->value_null, state->css.ss.ss_currentRelation);
	}
}

/* Evaluates the filters' values (at the start and at each rescan). */
static bool
EvaluateFilterValues(AggregateState *state)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;
	MemoryContext old = MemoryContextSwitchTo(state->context);
	bool		exact = true;

	for (int i = 0; i < state->nfilters && exact; i++)
	{
		VectorFilter *f = &state->filters[i];
		bool		isnull;
		Datum		value;
		int16		typlen;
		bool		typbyval;

		if (f->kind == VECTOR_FILTER_IS_NULL || f->kind == VECTOR_FILTER_IS_NOT_NULL)
			continue;
		value = ExecEvalExprSwitchContext(f->value_state, econtext, &isnull);
		get_typlenbyval(f->value_type, &typlen, &typbyval);
		if (!isnull)
			value = datumCopy(value, typbyval, typlen);
		exact = ColumnarSetFilterValue(f, state->columns[f->column].vtype, value, isnull);
	}
	MemoryContextSwitchTo(old);
	ResetExprContext(econtext);
	return exact;
}

/* Makes the group arrays hold "rows" rows of a batch. */
static void
ReserveRows(AggregateState *state, int rows)
{
	if (rows <= state->rows_allocated)
		return;
	state->rows_allocated = Max(rows, COLUMNAR_DEFAULT_CHUNK_ROWS);
	state->sel.rows = MemoryContextAlloc(state->context, sizeof(int32) * state->rows_allocated);
	state->agg_rows = MemoryContextAlloc(state->context, sizeof(int32) * state->rows_allocated);
	state->row_groups = MemoryContextAlloc(state->context, sizeof(uint32) * state->rows_allocated);
}

/* Loads column "c" of the current chunk batch, if not loaded. */
static void
LoadColumn(AggregateState *state, int c)
{
	VectorColumn *column = &state->columns[c];

	if (state->column_loaded[c])
		return;
	ColumnarBatchColumn(state->reader, &state->batch, column->attnum, state->sel.rows,
						state->sel.count, &column->values, &column->nulls);
	state->column_loaded[c] = true;
}

/* A new group with combined key "key": its accumulators zeroed. */
static uint32
AddGroup(AggregateState *state, uint64 key)
{
	if (state->ngroups == state->groups_allocated)
	{
		state->groups_allocated *= 2;
		state->group_keys = repalloc(state->group_keys, sizeof(uint64) * state->groups_allocated);
		state->accumulators = repalloc(state->accumulators, sizeof(Accumulator) *
									   state->groups_allocated * Max(1, state->naggs));
	}
	state->group_keys[state->ngroups] = key;
	memset(&state->accumulators[(Size) state->ngroups * state->naggs], 0,
		   sizeof(Accumulator) * state->naggs);
	return state->ngroups++;
}

/* Keeps the by-value "value" of a new id of an integer-like key column. */
static void
KeyStoreValue(KeyColumn *k, uint32 id, Datum value)
{
	if ((int) id > k->allocated)
	{
		k->allocated *= 2;
		k->values = repalloc(k->values, sizeof(Datum) * k->allocated);
	}
	k->values[id - 1] = value;
}

/* The id of row "r"'s value of key column "k" (0 for NULL). */
static inline uint32
KeyId(AggregateState *state, KeyColumn *k, int r)
{
	VectorColumn *c = &state->columns[k->column];
	bool		is_new;

	if (c->nulls[r])
		return 0;
	if (k->by_image)
	{
		uint64		key = (uint64) c->ints[r];
		uint32		id = IdTableLookup(&k->table, key, Mix64(key), &is_new, NULL, NULL);

		if (is_new)
			KeyStoreValue(k, id, c->values[r]);
		return id;
	}
	else
	{
		Datum		value = c->values[r];
		int			slot = (int) ((value >> 3) % POINTER_MEMO_SIZE);

		if (k->memo_pointer[slot] != value || k->memo_id[slot] == 0)
		{
			k->memo_pointer[slot] = value;
			k->memo_id[slot] = GenericKeyId(k, value);
		}
		return k->memo_id[slot];
	}
}

/* Sets state->row_groups for the selected rows; false past hash_mem. */
static bool
GroupRows(AggregateState *state)
{
	VectorSelection *sel = &state->sel;
	MemoryContext old = MemoryContextSwitchTo(state->context);

	for (int k = 0; k < state->nkeys; k++)
	{
		memset(state->keys[k].memo_id, 0, sizeof(state->keys[k].memo_id));
		if (state->keys[k].by_image)
			ColumnarConvertColumn(&state->columns[state->keys[k].column], sel);
	}
	for (int i = 0; i < sel->count; i++)
	{
		int			r = sel->rows[i];
		uint64		key = 0;
		bool		is_new;
		uint32		group;

		for (int k = 0; k < state->nkeys; k++)
			key = (key << 32) | KeyId(state, &state->keys[k], r);
		group = IdTableLookup(&state->groups, key, Mix64(key), &is_new, NULL, NULL) - 1;
		if (is_new)
			AddGroup(state, key);
		state->row_groups[r] = group;
	}
	MemoryContextSwitchTo(old);
	return MemoryContextMemAllocated(state->context, true) <= get_hash_memory_limit();
}

/* The columns a decimal expression reads, as flags in "used". */
static void
ExprColumns(VectorExpr *expr, bool *used)
{
	if (expr->kind == VECTOR_EXPR_COLUMN)
		used[expr->column] = true;
	else if (expr->kind != VECTOR_EXPR_CONST)
	{
		ExprColumns(expr->left, used);
		ExprColumns(expr->right, used);
	}
}

/* Whether column "c" is NULL in some selected row of the batch. */
static bool
HasNulls(AggregateState *state, VectorColumn *c)
{
	if (c->has_nulls < 0)
	{
		const bool *nulls = c->nulls;
		bool		any = false;

		for (int i = 0; i < state->sel.count; i++)
			any |= nulls[state->sel.rows[i]];
		c->has_nulls = any ? 1 : 0;
	}
	return c->has_nulls != 0;
}

/*
 * The selected rows whose columns flagged in "used" are all non-NULL (the
 * aggregates' arguments are strict): the batch's selection itself when
 * none is NULL, else a copy in "out".
 */
static VectorSelection *
NonNullRows(AggregateState *state, const bool *used, VectorSelection *out)
{
	const VectorSelection *sel = &state->sel;
	bool		any = false;

	for (int c = 0; c < state->ncolumns && !any; c++)
		any = used[c] && HasNulls(state, &state->columns[c]);
	if (!any)
		return &state->sel;
	out->batch_rows = sel->batch_rows;
	out->id = 0;				/* rows of its own: no shared evaluation */
	memcpy(out->rows, sel->rows, sizeof(int32) * sel->count);
	out->count = sel->count;
	for (int c = 0; c < state->ncolumns; c++)
	{
		const bool *nulls = state->columns[c].nulls;
		int			kept = 0;

		if (!used[c] || !HasNulls(state, &state->columns[c]))
			continue;
		for (int i = 0; i < out->count; i++)
		{
			out->rows[kept] = out->rows[i];
			kept += nulls[out->rows[i]] ? 0 : 1;
		}
		out->count = kept;
	}
	return out;
}

/* Brings every group's sum of aggregate "a" to "scale". */
static bool
RescaleSums(AggregateState *state, int a, int scale)
{
	for (int g = 0; g < state->ngroups; g++)
		if (!ColumnarRescale(&state->accumulators[(Size) g * state->naggs + a].sum,
							 state->aggs[a].scale, scale))
			return false;
	state->aggs[a].scale = scale;
	return true;
}

/* sum() and avg() of a decimal expression over the rows of "rows". */
static bool
AccumulateDecimal(AggregateState *state, int a, VectorSelection *rows)
{
	VectorAggregate *va = &state->aggs[a];
	VectorExpr *expr = va->expr;

	if (!ColumnarEvalExpr(expr, state->columns, rows))
		return false;
	if (expr->scale > va->scale && !RescaleSums(state, a, expr->scale))
		return false;
	if (expr->scale < va->scale && !ColumnarExprRescale(expr, rows, va->scale))
		return false;
	for (int i = 0; i < rows->count; i++)
	{
		int			r = rows->rows[i];
		Accumulator *acc = &state->accumulators[(Size) state->row_groups[r] * state->naggs + a];

		if (__builtin_add_overflow(acc->sum, expr->values[r], &acc->sum))
			return false;
		acc->count++;
		acc->dscale = Max(acc->dscale, expr->dscales[r]);
	}
	return true;
}

/* sum() and avg() of a float8 column. */
static bool
AccumulateFloat(AggregateState *state, int a, VectorSelection *rows)
{
	VectorColumn *c = &state->columns[state->aggs[a].column];

	ColumnarConvertColumn(c, rows);
	for (int i = 0; i < rows->count; i++)
	{
		int			r = rows->rows[i];
		Accumulator *acc = &state->accumulators[(Size) state->row_groups[r] * state->naggs + a];

		if (!(fabs(c->floats[r]) <= FLOAT_LIMIT))
			return false;		/* NaN, infinities, overflow checks */
		acc->float_sum += c->floats[r];
		acc->count++;
	}
	return true;
}

/* min() and max(). */
static void
AccumulateExtreme(AggregateState *state, int a, VectorSelection *rows)
{
	VectorAggregate *va = &state->aggs[a];
	VectorColumn *c = &state->columns[va->column];
	bool		is_max = va->kind == AGGREGATE_MAX;
	bool		by_int = c->vtype == VECTOR_INT64;
	MemoryContext old = MemoryContextSwitchTo(state->context);

	if (by_int)
		ColumnarConvertColumn(c, rows);
	for (int i = 0; i < rows->count; i++)
	{
		int			r = rows->rows[i];
		Accumulator *acc = &state->accumulators[(Size) state->row_groups[r] * state->naggs + a];
		int			cmp;

		if (!acc->found)
			cmp = 1;
		else if (by_int)
			cmp = (c->ints[r] > acc->extreme_int) - (c->ints[r] < acc->extreme_int);
		else
			cmp = DatumGetInt32(FunctionCall2Coll(&va->compare, va->collation, c->values[r],
												  acc->extreme));
		/* the later of equal values wins, as in numeric_larger and text_larger */
		if (acc->found && (is_max ? cmp < 0 : cmp > 0))
			continue;
		if (acc->found && !va->byval)
			pfree(DatumGetPointer(acc->extreme));
		acc->extreme = datumCopy(c->values[r], va->byval, va->typlen);
		acc->extreme_int = by_int ? c->ints[r] : 0;
		acc->found = true;
	}
	MemoryContextSwitchTo(old);
}

/* Adds the selected rows of the batch to every aggregate. */
static bool
Accumulate(AggregateState *state)
{
	VectorSelection own = {.rows = state->agg_rows};

	state->sel.id = ++state->selections;	/* evaluations shared from here */
	for (int a = 0; a < state->naggs; a++)
	{
		VectorAggregate *va = &state->aggs[a];
		bool	   *used = state->column_used;
		VectorSelection *rows;

		memset(used, 0, sizeof(bool) * state->ncolumns);
		if (va->kind == AGGREGATE_SUM || va->kind == AGGREGATE_AVG)
			ExprColumns(va->expr, used);
		else if (va->kind != AGGREGATE_COUNT_ROWS)
			used[va->column] = true;
		for (int c = 0; c < state->ncolumns; c++)
			if (used[c])
				LoadColumn(state, c);
		rows = NonNullRows(state, used, &own);
		switch (va->kind)
		{
			case AGGREGATE_COUNT_ROWS:
			case AGGREGATE_COUNT:
				for (int i = 0; i < rows->count; i++)
					state->accumulators[(Size) state->row_groups[rows->rows[i]] * state->naggs + a].count++;
				break;
			case AGGREGATE_SUM:
			case AGGREGATE_AVG:
				if (!AccumulateDecimal(state, a, rows))
					return false;
				break;
			case AGGREGATE_SUM_FLOAT:
			case AGGREGATE_AVG_FLOAT:
				if (!AccumulateFloat(state, a, rows))
					return false;
				break;
			case AGGREGATE_MIN:
			case AGGREGATE_MAX:
				AccumulateExtreme(state, a, rows);
				break;
		}
	}
	return true;
}

/*
 * Filters, groups and accumulates the rows of the current batch (its
 * selection set); false when the node must fall back.
 */
static bool
ProcessBatch(AggregateState *state)
{
	VectorSelection *sel = &state->sel;

	for (int c = 0; c < state->ncolumns; c++)
		state->columns[c].converted = false;
	for (int i = 0; i < state->nfilters && sel->count > 0; i++)
	{
		VectorFilter *f = &state->filters[i];

		LoadColumn(state, f->column);
		if (!ColumnarApplyFilter(f, &state->columns[f->column], sel))
			return false;
	}
	if (sel->count == 0)
		return true;
	for (int k = 0; k < state->nkeys; k++)
		LoadColumn(state, state->keys[k].column);
	if (state->nkeys == 0)
		memset(state->row_groups, 0, sizeof(uint32) * sel->batch_rows);
	else if (!GroupRows(state))
		return false;
	for (int c = 0; c < state->ncolumns; c++)
		state->columns[c].has_nulls = -1;	/* of the rows the filters kept */
	return Accumulate(state);
}

/* Reads and processes every chunk batch of the row groups. */
static bool
ProcessRowGroups(AggregateState *state, TableScanDesc scan)
{
	while ((state->reader = ColumnarScanNextBatch(scan, &state->batch)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(state->batch_context);
		ReserveRows(state, state->batch.rows);
		memset(state->column_loaded, 0, sizeof(bool) * state->ncolumns);
		state->sel.batch_rows = state->batch.rows;
		state->sel.count = ColumnarBatchLiveRows(&state->batch, state->sel.rows);
		state->batches++;
		if (!ProcessBatch(state))
			return false;
	}
	return true;
}

/* Reads the delta store's rows in batches of copied values. */
static bool
ProcessDelta(AggregateState *state, TableScanDesc scan)
{
	TupleTableSlot *slot = state->delta_slot;
	bool		more = true;

	ReserveRows(state, DELTA_BATCH_ROWS);
	for (int c = 0; c < state->ncolumns; c++)
	{
		state->columns[c].values = MemoryContextAlloc(state->context, sizeof(Datum) * DELTA_BATCH_ROWS);
		state->columns[c].nulls = MemoryContextAlloc(state->context, sizeof(bool) * DELTA_BATCH_ROWS);
		state->column_loaded[c] = true;
	}
	while (more)
	{
		int			rows = 0;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(state->batch_context);
		old = MemoryContextSwitchTo(state->batch_context);
		while (rows < DELTA_BATCH_ROWS &&
			   (more = table_scan_getnextslot(scan, ForwardScanDirection, slot)))
		{
			for (int c = 0; c < state->ncolumns; c++)
			{
				VectorColumn *column = &state->columns[c];
				Form_pg_attribute att = TupleDescAttr(slot->tts_tupleDescriptor, column->attnum - 1);
				Datum		value = slot_getattr(slot, column->attnum, &column->nulls[rows]);

				column->values[rows] = column->nulls[rows] ? (Datum) 0 :
					datumCopy(value, att->attbyval, att->attlen);
			}
			state->sel.rows[rows] = rows;
			rows++;
		}
		MemoryContextSwitchTo(old);
		if (rows == 0)
			break;
		state->sel.count = rows;
		state->sel.batch_rows = rows;
		state->batches++;
		if (!ProcessBatch(state))
			return false;
	}
	return true;
}

/* Resets the groups (start, rescan, fallback). */
static void
ResetGroups(AggregateState *state)
{
	MemoryContextReset(state->context);
	state->rows_allocated = 0;
	state->ngroups = 0;
	state->groups_allocated = 16;
	state->group_keys = MemoryContextAlloc(state->context, sizeof(uint64) * state->groups_allocated);
	state->accumulators = MemoryContextAlloc(state->context, sizeof(Accumulator) *
											 state->groups_allocated * Max(1, state->naggs));
	MemoryContextSwitchTo(state->context);
	IdTableInit(&state->groups, 64);
	for (int k = 0; k < state->nkeys; k++)
		InitKeyColumn(state, &state->keys[k]);
	for (int a = 0; a < state->naggs; a++)
		state->aggs[a].scale = 0;
	if (state->nkeys == 0)
		AddGroup(state, 0);		/* one row even without input */
	state->next_group = 0;
	state->batches = 0;
	state->chunks_skipped = 0;
	state->workers_launched = 0;
}

/* ------------------------------------------------------------------------
 * Parallel aggregation: workers of our own (as parallel index builds
 * have), sharing the table's row groups and delta blocks through a
 * parallel table scan; each sends its groups to the leader, which merges
 * them into its own.
 * ------------------------------------------------------------------------
 */

#define PARALLEL_KEY_SHARED		UINT64CONST(0xE9A6600000000001)
#define PARALLEL_KEY_PLAN		UINT64CONST(0xE9A6600000000002)
#define PARALLEL_KEY_VALUES		UINT64CONST(0xE9A6600000000003)
#define PARALLEL_KEY_SCAN		UINT64CONST(0xE9A6600000000004)
#define PARALLEL_KEY_QUEUES		UINT64CONST(0xE9A6600000000005)
#define PARALLEL_QUEUE_SIZE		65536

typedef struct AggregateShared
{
	Oid			relid;
} AggregateShared;

PGDLLEXPORT void ep_columnar_aggregate_worker(dsm_segment *seg, shm_toc *toc);
static bool RunScan(AggregateState *state, TableScanDesc scan);

/* Appends "value" in datumSerialize's form. */
static void
AppendDatum(StringInfo buf, Datum value, bool isnull, bool byval, int typlen)
{
	Size		size = datumEstimateSpace(value, isnull, byval, typlen);
	char	   *start;

	enlargeStringInfo(buf, (int) size);
	start = buf->data + buf->len;
	datumSerialize(value, isnull, byval, typlen, &start);
	buf->len += (int) size;
	buf->data[buf->len] = '\0';
}

/* The filters' values, as the leader sends them to the workers. */
static void
SerializeFilterValues(AggregateState *state, StringInfo buf)
{
	for (int i = 0; i < state->nfilters; i++)
	{
		VectorFilter *f = &state->filters[i];
		int16		typlen = -1;
		bool		byval = false;

		if (OidIsValid(f->value_type))
			get_typlenbyval(f->value_type, &typlen, &byval);
		AppendDatum(buf, f->value, f->value_null || !OidIsValid(f->value_type), byval, typlen);
	}
}

static void
RestoreFilterValues(AggregateState *state, char *data)
{
	for (int i = 0; i < state->nfilters; i++)
	{
		VectorFilter *f = &state->filters[i];
		bool		isnull;
		Datum		value = datumRestore(&data, &isnull);

		ColumnarSetFilterValue(f, state->columns[f->column].vtype, value, isnull);
	}
	SetChunkFilterValues(state);
}

/* The groups of a participant, as it sends them to the leader. */
static void
SerializeGroups(AggregateState *state, bool done, StringInfo buf)
{
	pq_sendint32(buf, done ? 1 : 0);
	pq_sendint64(buf, state->batches);
	pq_sendint64(buf, state->chunks_skipped);
	pq_sendint32(buf, done ? state->ngroups : 0);
	for (int a = 0; a < state->naggs; a++)
		pq_sendint32(buf, state->aggs[a].scale);
	for (int g = 0; done && g < state->ngroups; g++)
	{
		uint64		key = state->group_keys[g];

		for (int k = 0; k < state->nkeys; k++)
		{
			KeyColumn  *kc = &state->keys[k];
			uint32		id = (uint32) (key >> (32 * (state->nkeys - 1 - k)));

			AppendDatum(buf, id == 0 ? (Datum) 0 : kc->values[id - 1], id == 0, kc->byval,
						kc->typlen);
		}
		for (int a = 0; a < state->naggs; a++)
		{
			Accumulator *acc = &state->accumulators[(Size) g * state->naggs + a];

			appendBinaryStringInfo(buf, (char *) acc, sizeof(Accumulator));
			if (acc->found)
				AppendDatum(buf, acc->extreme, false, state->aggs[a].byval,
							state->aggs[a].typlen);
		}
	}
}

/* The group of key values "values" (NULLs in "nulls"), added if new. */
static uint32
GroupOfKeys(AggregateState *state, Datum *values, bool *nulls)
{
	uint64		key = 0;
	bool		is_new;
	uint32		group;

	for (int k = 0; k < state->nkeys; k++)
	{
		KeyColumn  *kc = &state->keys[k];
		uint32		id = 0;

		if (nulls[k])
			id = 0;
		else if (kc->by_image)
		{
			uint64		image = (uint64) ColumnarDatumToInt64(state->columns[kc->column].type,
															  values[k]);

			id = IdTableLookup(&kc->table, image, Mix64(image), &is_new, NULL, NULL);
			if (is_new)
				KeyStoreValue(kc, id, values[k]);
		}
		else
			id = GenericKeyId(kc, values[k]);
		key = (key << 32) | id;
	}
	if (state->nkeys == 0)
		return 0;
	group = IdTableLookup(&state->groups, key, Mix64(key), &is_new, NULL, NULL) - 1;
	if (is_new)
		AddGroup(state, key);
	return group;
}

/* Adds a participant's accumulator "in" to aggregate "a" of group "g". */
static bool
Combine(AggregateState *state, int g, int a, Accumulator *in, int in_scale)
{
	VectorAggregate *va = &state->aggs[a];
	Accumulator *acc = &state->accumulators[(Size) g * state->naggs + a];
	int128		sum = in->sum;
	int			cmp;

	acc->count += in->count;
	acc->float_sum += in->float_sum;
	if (va->kind == AGGREGATE_SUM || va->kind == AGGREGATE_AVG)
	{
		if (in_scale > va->scale && !RescaleSums(state, a, in_scale))
			return false;
		if (!ColumnarRescale(&sum, in_scale, va->scale) ||
			__builtin_add_overflow(acc->sum, sum, &acc->sum))
			return false;
		acc->dscale = Max(acc->dscale, in->dscale);
	}
	if (!in->found)
		return true;
	if (!acc->found)
		cmp = 1;
	else if (state->columns[va->column].vtype == VECTOR_INT64)
		cmp = (in->extreme_int > acc->extreme_int) - (in->extreme_int < acc->extreme_int);
	else
		cmp = DatumGetInt32(FunctionCall2Coll(&va->compare, va->collation, in->extreme,
											  acc->extreme));
	if (acc->found && (va->kind == AGGREGATE_MAX ? cmp < 0 : cmp > 0))
		return true;
	acc->extreme = datumCopy(in->extreme, va->byval, va->typlen);
	acc->extreme_int = in->extreme_int;
	acc->found = true;
	return true;
}

/* Merges a participant's groups; false when it fell back or overflowed. */
static bool
MergeGroups(AggregateState *state, char *data, Size size)
{
	StringInfoData buf = {.data = data, .len = (int) size, .maxlen = (int) size, .cursor = 0};
	bool		done = pq_getmsgint(&buf, 4) != 0;
	int			ngroups;
	int		   *scales = palloc(sizeof(int) * Max(1, state->naggs));
	Datum		values[MAX_GROUP_KEYS];
	bool		nulls[MAX_GROUP_KEYS];
	MemoryContext old = MemoryContextSwitchTo(state->context);

	state->batches += pq_getmsgint64(&buf);
	state->chunks_skipped += pq_getmsgint64(&buf);
	ngroups = pq_getmsgint(&buf, 4);
	for (int a = 0; a < state->naggs; a++)
		scales[a] = pq_getmsgint(&buf, 4);
	for (int g = 0; done && g < ngroups; g++)
	{
		char	   *cursor;
		uint32		group;

		for (int k = 0; k < state->nkeys; k++)
		{
			cursor = buf.data + buf.cursor;
			values[k] = datumRestore(&cursor, &nulls[k]);
			buf.cursor = cursor - buf.data;
		}
		group = GroupOfKeys(state, values, nulls);
		for (int a = 0; a < state->naggs && done; a++)
		{
			Accumulator in;

			memcpy(&in, pq_getmsgbytes(&buf, sizeof(Accumulator)), sizeof(Accumulator));
			if (in.found)
			{
				bool		isnull;

				cursor = buf.data + buf.cursor;
				in.extreme = datumRestore(&cursor, &isnull);
				buf.cursor = cursor - buf.data;
			}
			done = Combine(state, group, a, &in, scales[a]);
		}
	}
	MemoryContextSwitchTo(old);
	return done;
}

/*
 * Runs the aggregation with parallel workers, the leader taking its share;
 * false when a participant must fall back.
 */
static bool
ComputeGroupsInParallel(AggregateState *state)
{
	ScanState  *ss = &state->css.ss;
	Relation	rel = ss->ss_currentRelation;
	Snapshot	snapshot = ss->ps.state->es_snapshot;
	CustomScan *cscan = (CustomScan *) ss->ps.plan;
	char	   *plan = nodeToString(list_make2(cscan->custom_private, cscan->custom_exprs));
	StringInfoData values;
	ParallelContext *pcxt;
	AggregateShared *shared;
	ParallelTableScanDesc pscan;
	char	   *queues;
	shm_mq_handle **handles;
	bool		done;

	initStringInfo(&values);
	SerializeFilterValues(state, &values);
	pcxt = CreateParallelContext(EP_COLUMNSTORE_LIBRARY, "ep_columnar_aggregate_worker",
								 state->workers);
	shm_toc_estimate_chunk(&pcxt->estimator, sizeof(AggregateShared));
	shm_toc_estimate_chunk(&pcxt->estimator, strlen(plan) + 1);
	shm_toc_estimate_chunk(&pcxt->estimator, values.len + 1);
	shm_toc_estimate_chunk(&pcxt->estimator, table_parallelscan_estimate(rel, snapshot));
	shm_toc_estimate_chunk(&pcxt->estimator, (Size) PARALLEL_QUEUE_SIZE * state->workers);
	shm_toc_estimate_keys(&pcxt->estimator, 5);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no dynamic shared memory: alone */
		DestroyParallelContext(pcxt);
		return RunScan(state, table_beginscan(rel, snapshot, 0, NULL));
	}
	shared = shm_toc_allocate(pcxt->toc, sizeof(AggregateShared));
	shared->relid = RelationGetRelid(rel);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_SHARED, shared);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_PLAN,
				   strcpy(shm_toc_allocate(pcxt->toc, strlen(plan) + 1), plan));
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_VALUES,
				   memcpy(shm_toc_allocate(pcxt->toc, values.len + 1), values.data, values.len + 1));
	pscan = shm_toc_allocate(pcxt->toc, table_parallelscan_estimate(rel, snapshot));
	table_parallelscan_initialize(rel, pscan, snapshot);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_SCAN, pscan);
	queues = shm_toc_allocate(pcxt->toc, (Size) PARALLEL_QUEUE_SIZE * state->workers);
	for (int i = 0; i < state->workers; i++)
		shm_mq_set_receiver(shm_mq_create(queues + (Size) i * PARALLEL_QUEUE_SIZE,
										  PARALLEL_QUEUE_SIZE), MyProc);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_QUEUES, queues);

	LaunchParallelWorkers(pcxt);
	state->workers_launched = pcxt->nworkers_launched;
	handles = palloc(sizeof(shm_mq_handle *) * Max(1, pcxt->nworkers_launched));
	for (int i = 0; i < pcxt->nworkers_launched; i++)
		handles[i] = shm_mq_attach((shm_mq *) (queues + (Size) i * PARALLEL_QUEUE_SIZE),
								   pcxt->seg, pcxt->worker[i].bgwhandle);
	done = RunScan(state, table_beginscan_parallel(rel, pscan));
	for (int i = 0; i < pcxt->nworkers_launched; i++)
	{
		Size		size;
		void	   *data;

		if (shm_mq_receive(handles[i], &size, &data, false) != SHM_MQ_SUCCESS)
		{
			/* a worker that failed reports its error here */
			WaitForParallelWorkersToFinish(pcxt);
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("lost connection to a parallel worker of the columnar aggregation")));
		}
		done = MergeGroups(state, data, size) && done;
	}
	WaitForParallelWorkersToFinish(pcxt);
	DestroyParallelContext(pcxt);
	return done;
}

/*
 * ep_columnar_aggregate_worker - a parallel worker of the aggregation: its
 * share of the table, its groups sent to the leader.
 */
void
ep_columnar_aggregate_worker(dsm_segment *seg, shm_toc *toc)
{
	AggregateShared *shared = shm_toc_lookup(toc, PARALLEL_KEY_SHARED, false);
	List	   *plan = stringToNode(shm_toc_lookup(toc, PARALLEL_KEY_PLAN, false));
	char	   *queues = shm_toc_lookup(toc, PARALLEL_KEY_QUEUES, false);
	shm_mq	   *queue = (shm_mq *) (queues + (Size) ParallelWorkerNumber * PARALLEL_QUEUE_SIZE);
	AggregateState *state = palloc0(sizeof(AggregateState));
	shm_mq_handle *handle;
	StringInfoData buf;
	MemoryContext old;
	bool		done;

	shm_mq_set_sender(queue, MyProc);
	handle = shm_mq_attach(queue, seg, NULL);
	state->css.ss.ss_currentRelation = table_open(shared->relid, AccessShareLock);
	SetupState(state, linitial(plan), lsecond(plan), NULL, CurrentMemoryContext);
	old = CurrentMemoryContext;
	ResetGroups(state);
	MemoryContextSwitchTo(old);
	RestoreFilterValues(state, shm_toc_lookup(toc, PARALLEL_KEY_VALUES, false));
	done = RunScan(state, table_beginscan_parallel(state->css.ss.ss_currentRelation,
												   shm_toc_lookup(toc, PARALLEL_KEY_SCAN, false)));
	initStringInfo(&buf);
	SerializeGroups(state, done, &buf);
	shm_mq_send(handle, buf.len, buf.data, false, true);
	if (state->delta_slot != NULL)
		ExecDropSingleTupleTableSlot(state->delta_slot);
	table_close(state->css.ss.ss_currentRelation, AccessShareLock);
}

/*
 * Reads this participant's share of the table ("scan") into the groups;
 * false when the node must fall back.
 */
static bool
RunScan(AggregateState *state, TableScanDesc scan)
{
	bool		done;

	ColumnarScanConfigure(scan, NULL, state->chunk_filters.filters, state->chunk_filters.nfilters);
	if (state->delta_slot == NULL)
		state->delta_slot = table_slot_create(state->css.ss.ss_currentRelation, NULL);
	done = ProcessRowGroups(state, scan) && ProcessDelta(state, scan);
	state->chunks_skipped += ColumnarScanChunksSkipped(scan);
	table_endscan(scan);
	return done;
}

/* Computes every group; false when the node must fall back. */
static bool
ComputeGroups(AggregateState *state)
{
	ScanState  *ss = &state->css.ss;
	MemoryContext old = CurrentMemoryContext;

	ResetGroups(state);
	MemoryContextSwitchTo(old);
	if (!EvaluateFilterValues(state))
		return false;
	SetChunkFilterValues(state);
	if (state->workers > 0 && ss->ps.state->es_use_parallel_mode && !IsParallelWorker())
		return ComputeGroupsInParallel(state);
	return RunScan(state, table_beginscan(ss->ss_currentRelation, ss->ps.state->es_snapshot,
										  0, NULL));
}

/* The final value of aggregate "a" for one group. */
static Datum
FinalValue(AggregateState *state, int a, Accumulator *acc, bool *isnull)
{
	VectorAggregate *va = &state->aggs[a];

	*isnull = false;
	switch (va->kind)
	{
		case AGGREGATE_COUNT_ROWS:
		case AGGREGATE_COUNT:
			return Int64GetDatum(acc->count);
		case AGGREGATE_SUM:
			if (acc->count == 0)
				break;
			if (va->result_type == INT8OID)
				return Int64GetDatum((int64) acc->sum);	/* int4_sum's int8 */
			return ColumnarScaledToNumeric(acc->sum, va->scale, acc->dscale);
		case AGGREGATE_AVG:
			if (acc->count == 0)
				break;
			return DirectFunctionCall2(numeric_div,
									   ColumnarScaledToNumeric(acc->sum, va->scale, acc->dscale),
									   NumericGetDatum(int64_to_numeric(acc->count)));
		case AGGREGATE_SUM_FLOAT:
			if (acc->count == 0)
				break;
			return Float8GetDatum(acc->float_sum);
		case AGGREGATE_AVG_FLOAT:
			if (acc->count == 0)
				break;
			return Float8GetDatum(acc->float_sum / (double) acc->count);
		case AGGREGATE_MIN:
		case AGGREGATE_MAX:
			if (!acc->found)
				break;
			return acc->extreme;
	}
	*isnull = true;
	return (Datum) 0;
}

/* Stores group "g" in the node's tuple. */
static TupleTableSlot *
StoreGroup(AggregateState *state, int g)
{
	TupleTableSlot *slot = state->css.ss.ss_ScanTupleSlot;
	uint64		key = state->group_keys[g];

	ExecClearTuple(slot);
	for (int k = state->nkeys - 1; k >= 0; k--)
	{
		uint32		id = (uint32) (key & 0xFFFFFFFF);

		slot->tts_isnull[k] = id == 0;
		slot->tts_values[k] = id == 0 ? (Datum) 0 : state->keys[k].values[id - 1];
		key >>= 32;
	}
	for (int a = 0; a < state->naggs; a++)
		slot->tts_values[state->nkeys + a] =
			FinalValue(state, a, &state->accumulators[(Size) g * state->naggs + a],
					   &slot->tts_isnull[state->nkeys + a]);
	return ExecStoreVirtualTuple(slot);
}

static TupleTableSlot *
ExecAggregate(CustomScanState *node)
{
	AggregateState *state = (AggregateState *) node;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	if (!state->computed)
	{
		state->fallback = !ComputeGroups(state);
		state->computed = true;
		if (state->fallback)
			ResetGroups(state);
	}
	if (state->fallback)
		return ExecProcNode(state->fallback_plan);
	if (state->next_group >= state->ngroups)
		return NULL;
	ResetExprContext(econtext);
	econtext->ecxt_scantuple = StoreGroup(state, state->next_group++);
	if (node->ss.ps.ps_ProjInfo == NULL)
		return econtext->ecxt_scantuple;
	return ExecProject(node->ss.ps.ps_ProjInfo);
}

static void
EndAggregate(CustomScanState *node)
{
	AggregateState *state = (AggregateState *) node;

	if (state->delta_slot != NULL)
		ExecDropSingleTupleTableSlot(state->delta_slot);
	ExecEndNode(state->fallback_plan);
}

static void
ReScanAggregate(CustomScanState *node)
{
	AggregateState *state = (AggregateState *) node;

	state->computed = false;
	state->fallback = false;
	if (node->ss.ps.chgParam != NULL)
		UpdateChangedParamSet(state->fallback_plan, node->ss.ps.chgParam);
	ExecReScan(state->fallback_plan);
}

/* EXPLAIN: what the node computes and, with ANALYZE, how it went. */
static void
ExplainAggregate(CustomScanState *node, List *ancestors, ExplainState *es)
{
	AggregateState *state = (AggregateState *) node;

	ExplainPropertyInteger("Vector Filters", NULL, state->nfilters, es);
	ExplainPropertyInteger("Chunk Filters", NULL, state->chunk_filters.nfilters, es);
	ExplainPropertyInteger("Group Keys", NULL, state->nkeys, es);
	if (state->workers > 0)
		ExplainPropertyInteger("Workers Planned", NULL, state->workers, es);
	if (es->analyze && state->computed)
	{
		ExplainPropertyInteger("Batches", NULL, state->batches, es);
		ExplainPropertyInteger("Chunks Skipped", NULL, state->chunks_skipped, es);
		if (state->workers > 0)
			ExplainPropertyInteger("Workers Launched", NULL, state->workers_launched, es);
		ExplainPropertyText("Fallback", state->fallback ? "yes" : "no", es);
	}
}

/*
 * ColumnarInstallAggregate - install the planner hook, the setting and the
 * node; called once from _PG_init.
 */
void
ColumnarInstallAggregate(void)
{
	DefineCustomBoolVariable("epiphany.enable_vectorized_aggregation",
							 "Lets aggregations over columnar tables run on decoded chunks.",
							 "Off: the plain aggregation plans only, for comparison.",
							 &ep_enable_vectorized_aggregation, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	RegisterCustomScanMethods(&AggregateScanMethods);
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = ColumnarAggregateUpperPaths;
}
