/*-------------------------------------------------------------------------
 *
 * columnar_scan.c
 *	  ColumnarScan, the custom scan node for columnar tables: it reads only
 *	  the columns a query needs and skips the chunks whose min/max rule out
 *	  its quals.  Planner path and executor node, parallel aware.
 *
 *	  Guarantees: the node evaluates every qual on every row it returns;
 *	  skipping a chunk is only ever an optimization, decided from quals of
 *	  the forms "column op value" (either side) and "column = ANY (array
 *	  value)" with an operator of the column type's default btree family,
 *	  which are strict, where the value is a constant or an expression
 *	  without columns or volatile functions (now(), current_date - 7, a
 *	  parameter), evaluated when the scan starts and again at each rescan,
 *	  and from "column IS [NOT] NULL" by the chunks' null counts.  Equality
 *	  and IN also consult the chunks' bloom filters, where the table has
 *	  them, when the value has the column's type and collation.  Rows of
 *	  the delta store are returned whole.  The path competes with the plain
 *	  paths on cost; it never replaces them.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/sysattr.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "columnar.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/restrictinfo.h"
#include "utils/array.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/*
 * The share of a plain scan's run cost a ColumnarScan claims for the
 * columns it decodes is between these: it decodes no more columns, so it is
 * never dearer, even when it reads every column.  Chunks that its filters
 * skip lower it further (ChunkReadFraction), down to the square of the
 * minimum.
 */
#define MIN_COLUMN_FRACTION 0.1
#define MAX_COLUMN_FRACTION 0.99

/* Positions in CustomScan.custom_private. */
enum
{
	PRIVATE_WHOLE_ROW,			/* Integer: 1 to read every column */
	PRIVATE_ATTRS,				/* IntList: attribute numbers read otherwise */
	PRIVATE_FILTERS				/* ColumnarPlanChunkFilters' lists */
};

/* Positions in the lists of a plan's chunk filters. */
enum
{
	FILTER_KINDS,				/* IntList: ColumnarFilterKind */
	FILTER_ATTNUMS,				/* IntList */
	FILTER_OPFAMILIES,			/* OidList */
	FILTER_STRATEGIES,			/* IntList */
	FILTER_COLLATIONS,			/* OidList */
	FILTER_TYPES,				/* OidList: the constant's (IN: element) type */
	FILTER_LIST_COUNT			/* the values are in custom_exprs */
};

typedef struct ColumnarScanState
{
	CustomScanState css;
	Bitmapset  *attrs_needed;	/* NULL: all columns */
	ColumnarChunkFilterSet filters;
} ColumnarScanState;

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

static Plan *PlanColumnarPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
							  List *tlist, List *clauses, List *custom_plans);
static Node *CreateColumnarScanState(CustomScan *cscan);
static void BeginColumnarScan(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ExecColumnarScan(CustomScanState *node);
static void EndColumnarScan(CustomScanState *node);
static void ReScanColumnarScan(CustomScanState *node);
static Size EstimateColumnarScanDSM(CustomScanState *node, ParallelContext *pcxt);
static void InitializeColumnarScanDSM(CustomScanState *node, ParallelContext *pcxt,
									  void *coordinate);
static void ReInitializeColumnarScanDSM(CustomScanState *node, ParallelContext *pcxt,
										void *coordinate);
static void InitializeColumnarScanWorker(CustomScanState *node, shm_toc *toc,
										 void *coordinate);
static void ExplainColumnarScan(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomPathMethods ColumnarPathMethods = {
	.CustomName = "ColumnarScan",
	.PlanCustomPath = PlanColumnarPath,
};

static const CustomScanMethods ColumnarScanMethods = {
	.CustomName = "ColumnarScan",
	.CreateCustomScanState = CreateColumnarScanState,
};

static const CustomExecMethods ColumnarExecMethods = {
	.CustomName = "ColumnarScan",
	.BeginCustomScan = BeginColumnarScan,
	.ExecCustomScan = ExecColumnarScan,
	.EndCustomScan = EndColumnarScan,
	.ReScanCustomScan = ReScanColumnarScan,
	.EstimateDSMCustomScan = EstimateColumnarScanDSM,
	.InitializeDSMCustomScan = InitializeColumnarScanDSM,
	.ReInitializeDSMCustomScan = ReInitializeColumnarScanDSM,
	.InitializeWorkerCustomScan = InitializeColumnarScanWorker,
	.ExplainCustomScan = ExplainColumnarScan,
};


/* ------------------------------------------------------------------------
 * Planner
 * ------------------------------------------------------------------------
 */

/*
 * The columns a scan of "rel" must read, executor-numbered (offset by
 * FirstLowInvalidHeapAttributeNumber), with *whole_row set when it needs
 * every column.  An empty set (count(*)) reads no column at all.
 */
static Bitmapset *
NeededAttributes(RelOptInfo *rel, bool *whole_row)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	pull_varattnos((Node *) rel->reltarget->exprs, rel->relid, &attrs);
	foreach(lc, rel->baserestrictinfo)
		pull_varattnos((Node *) ((RestrictInfo *) lfirst(lc))->clause, rel->relid, &attrs);
	*whole_row = bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber, attrs);
	return attrs;
}

/* How many user columns of "attrs" there are (system columns cost nothing). */
static int
CountUserColumns(Bitmapset *attrs)
{
	int			count = 0;
	int			member = -1;

	while ((member = bms_next_member(attrs, member)) >= 0)
	{
		if (member + FirstLowInvalidHeapAttributeNumber > 0)
			count++;
	}
	return count;
}

/*
 * The share of a plain scan's run cost this scan pays: the needed columns
 * out of all (decoding dominates), within [MIN, MAX]_COLUMN_FRACTION.
 */
static double
ColumnFraction(RelOptInfo *rel, RangeTblEntry *rte)
{
	bool		whole_row;
	Bitmapset  *attrs = NeededAttributes(rel, &whole_row);
	Relation	relation;
	int			live = 0;

	if (whole_row)
		return MAX_COLUMN_FRACTION;
	relation = RelationIdGetRelation(rte->relid);
	for (int a = 0; a < RelationGetDescr(relation)->natts; a++)
		live += TupleDescAttr(RelationGetDescr(relation), a)->attisdropped ? 0 : 1;
	RelationClose(relation);
	return Max(MIN_COLUMN_FRACTION,
			   Min(MAX_COLUMN_FRACTION, (double) CountUserColumns(attrs) / Max(live, 1)));
}

static void AddFilter(Expr *clause, Index relid, List **lists, List **values);

/*
 * The storage-order correlation of column "attnum" of table "relid" that
 * ANALYZE measured (its sample is in row-number order), 0 if unknown.
 */
static double
ColumnCorrelation(Oid relid, AttrNumber attnum)
{
	HeapTuple	stats = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid),
										Int16GetDatum(attnum), BoolGetDatum(false));
	AttStatsSlot slot;
	double		correlation = 0.0;

	if (!HeapTupleIsValid(stats))
		return 0.0;
	if (get_attstatsslot(&slot, stats, STATISTIC_KIND_CORRELATION, InvalidOid,
						 ATTSTATSSLOT_NUMBERS))
	{
		if (slot.nnumbers == 1)
			correlation = slot.numbers[0];
		free_attstatsslot(&slot);
	}
	ReleaseSysCache(stats);
	return correlation;
}

/*
 * The share of the chunks the scan is expected to read: each qual that
 * becomes a chunk filter lets the scan skip the chunks whose min/max rule
 * it out, which it can do in proportion to how well the column follows the
 * storage order: with selectivity s and correlation c, a share s + (1 - s)
 * * (1 - c^2) of the chunks is read (the rule btree costing uses for heap
 * pages).  Quals are taken as independent.
 */
static double
ChunkReadFraction(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte)
{
	double		fraction = 1.0;
	ListCell   *lc;

	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		List	   *lists[FILTER_LIST_COUNT] = {NIL};
		List	   *values = NIL;
		Selectivity selectivity;
		double		correlation;

		AddFilter(rinfo->clause, rel->relid, lists, &values);
		if (values == NIL)
			continue;
		selectivity = clause_selectivity(root, (Node *) rinfo, 0, JOIN_INNER, NULL);
		correlation = ColumnCorrelation(rte->relid,
										(AttrNumber) linitial_int(lists[FILTER_ATTNUMS]));
		fraction *= selectivity + (1.0 - selectivity) * (1.0 - correlation * correlation);
	}
	return fraction;
}

/* A ColumnarScan path costed from "seqpath", the plain scan it competes with. */
static CustomPath *
MakeColumnarPath(PlannerInfo *root, RelOptInfo *rel, Path *seqpath, double fraction)
{
	CustomPath *cpath = makeNode(CustomPath);

	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = rel;
	cpath->path.pathtarget = rel->reltarget;
	cpath->path.param_info = seqpath->param_info;
	cpath->path.parallel_aware = seqpath->parallel_aware;
	cpath->path.parallel_safe = seqpath->parallel_safe;
	cpath->path.parallel_workers = seqpath->parallel_workers;
	cpath->path.rows = seqpath->rows;
	cpath->path.startup_cost = seqpath->startup_cost;
	cpath->path.total_cost = seqpath->startup_cost +
		(seqpath->total_cost - seqpath->startup_cost) * fraction;
	cpath->methods = &ColumnarPathMethods;
	return cpath;
}

/* The first path of "paths" that is a plain (parallel) sequential scan. */
static Path *
FindSeqScanPath(List *paths)
{
	ListCell   *lc;

	foreach(lc, paths)
	{
		Path	   *path = (Path *) lfirst(lc);

		if (path->pathtype == T_SeqScan)
			return path;
	}
	return NULL;
}

static void
ColumnarSetRelPathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	Path	   *seqpath;
	double		fraction;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);
	if (rte->rtekind != RTE_RELATION || rte->inh || rte->tablesample != NULL ||
		(rte->relkind != RELKIND_RELATION && rte->relkind != RELKIND_MATVIEW) ||
		!ColumnarRelidIsColumnar(rte->relid))
		return;

	ColumnarReplaceBitmapPaths(rel);
	fraction = Max(MIN_COLUMN_FRACTION * MIN_COLUMN_FRACTION,
				   ColumnFraction(rel, rte) * ChunkReadFraction(root, rel, rte));
	seqpath = FindSeqScanPath(rel->pathlist);
	if (seqpath != NULL)
		add_path(rel, &MakeColumnarPath(root, rel, seqpath, fraction)->path);
	seqpath = FindSeqScanPath(rel->partial_pathlist);
	if (seqpath != NULL)
		add_partial_path(rel, &MakeColumnarPath(root, rel, seqpath, fraction)->path);
}

/*
 * Whether "node" can stand for the constant side of a chunk filter: no
 * column of any relation, no volatile function, no aggregate or subplan.
 */
static bool
IsScanConstant(Node *node)
{
	return !contain_var_clause(node) && !contain_volatile_functions(node) &&
		!contain_subplans(node) && !contain_agg_clause(node);
}

/* "node" as a column of relation "relid", or NULL. */
static Var *
ColumnOf(Node *node, Index relid)
{
	Var		   *var = (Var *) node;

	if (node == NULL || !IsA(node, Var) || var->varno != relid || var->varlevelsup != 0 ||
		var->varattno <= 0)
		return NULL;
	return var;
}

/*
 * The default btree family of the column's type, if "opno" is one of its
 * comparison operators with a "right_type" constant and an order proc for
 * the two types; sets *strategy.
 */
static Oid
ComparisonFamily(Var *var, Oid opno, Oid right_type, int *strategy)
{
	Oid			opfamily = ColumnarBtreeFamily(var->vartype);

	if (!OidIsValid(opfamily) || !OidIsValid(opno))
		return InvalidOid;
	*strategy = get_op_opfamily_strategy(opno, opfamily);
	if (*strategy < BTLessStrategyNumber || *strategy > BTGreaterStrategyNumber ||
		!OidIsValid(get_opfamily_proc(opfamily, var->vartype, right_type, BTORDER_PROC)))
		return InvalidOid;
	return opfamily;
}

/*
 * ColumnarBtreeFamily - the operator family of the default btree class of
 * "type" (InvalidOid when it has none), from the type cache: planning asks
 * for it per qual, and a catalog scan each time cost a point query a tenth
 * of its time.
 */
Oid
ColumnarBtreeFamily(Oid type)
{
	return lookup_type_cache(type, TYPECACHE_BTREE_OPFAMILY)->btree_opf;
}

/* Appends one filter to the plan's lists and its value to *values. */
static void
RecordFilter(List **lists, List **values, ColumnarFilterKind kind, Var *var, Oid opfamily,
			 int strategy, Oid collation, Oid type, Node *value)
{
	lists[FILTER_KINDS] = lappend_int(lists[FILTER_KINDS], kind);
	lists[FILTER_ATTNUMS] = lappend_int(lists[FILTER_ATTNUMS], var->varattno);
	lists[FILTER_OPFAMILIES] = lappend_oid(lists[FILTER_OPFAMILIES], opfamily);
	lists[FILTER_STRATEGIES] = lappend_int(lists[FILTER_STRATEGIES], strategy);
	lists[FILTER_COLLATIONS] = lappend_oid(lists[FILTER_COLLATIONS], collation);
	lists[FILTER_TYPES] = lappend_oid(lists[FILTER_TYPES], type);
	*values = lappend(*values, copyObject(value));
}

/*
 * Recognizes the quals chunk filters serve: "column op value" (or "value op
 * column") with a btree operator of the column type's default family,
 * "column = ANY (array value)" with its equality operator, the value a scan
 * constant, and "column IS [NOT] NULL".  Adds the filter to the lists.
 */
static void
AddFilter(Expr *clause, Index relid, List **lists, List **values)
{
	Var		   *var;
	Oid			opfamily;
	int			strategy;

	if (IsA(clause, NullTest) && !((NullTest *) clause)->argisrow &&
		(var = ColumnOf((Node *) ((NullTest *) clause)->arg, relid)) != NULL)
	{
		RecordFilter(lists, values,
					 ((NullTest *) clause)->nulltesttype == IS_NULL ?
					 COLUMNAR_FILTER_IS_NULL : COLUMNAR_FILTER_IS_NOT_NULL,
					 var, InvalidOid, 0, InvalidOid, InvalidOid,
					 (Node *) makeBoolConst(true, false));
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;
		Node	   *array = (Node *) lsecond(saop->args);
		Oid			element_type = get_element_type(exprType(array));

		if (!saop->useOr || (var = ColumnOf((Node *) linitial(saop->args), relid)) == NULL ||
			!OidIsValid(element_type) || !IsScanConstant(array))
			return;
		opfamily = ComparisonFamily(var, saop->opno, element_type, &strategy);
		if (OidIsValid(opfamily) && strategy == BTEqualStrategyNumber)
			RecordFilter(lists, values, COLUMNAR_FILTER_IN, var, opfamily, strategy,
						 saop->inputcollid, element_type, array);
	}
	else if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left = (Node *) linitial(op->args);
		Node	   *right = (Node *) lsecond(op->args);
		Oid			opno = op->opno;

		if (IsA(right, Var) && !IsA(left, Var))
		{
			Node	   *tmp = left;

			left = right;
			right = tmp;
			opno = get_commutator(opno);
		}
		if ((var = ColumnOf(left, relid)) == NULL || !IsScanConstant(right))
			return;
		opfamily = ComparisonFamily(var, opno, exprType(right), &strategy);
		if (OidIsValid(opfamily))
			RecordFilter(lists, values, COLUMNAR_FILTER_COMPARE, var, opfamily, strategy,
						 op->inputcollid, exprType(right), right);
	}
}

static Plan *
PlanColumnarPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
				 List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *quals = extract_actual_clauses(clauses, false);
	List	   *values = NIL;
	List	   *filters;
	bool		whole_row;
	List	   *attnums = ColumnarAttnumList(NeededAttributes(rel, &whole_row));

	filters = ColumnarPlanChunkFilters(quals, rel->relid, &values);

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = quals;
	cscan->scan.scanrelid = rel->relid;
	cscan->flags = best_path->flags;
	cscan->methods = &ColumnarScanMethods;
	/* custom_exprs, so that setrefs fixes the parameters in the values. */
	cscan->custom_exprs = values;
	cscan->custom_private = list_make3(list_make1_int(whole_row ? 1 : 0), attnums, filters);
	return &cscan->scan.plan;
}

/*
 * ColumnarPlanChunkFilters - the chunk filters that "quals" (on relation
 * "relid") allow, as lists for a plan's custom_private; their values are
 * appended to *values, for the plan's custom_exprs.
 */
List *
ColumnarPlanChunkFilters(List *quals, Index relid, List **values)
{
	List	   *lists[FILTER_LIST_COUNT] = {NIL};
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, quals)
		AddFilter((Expr *) lfirst(lc), relid, lists, values);
	for (int i = 0; i < FILTER_LIST_COUNT; i++)
		result = lappend(result, lists[i]);
	return result;
}


/* ------------------------------------------------------------------------
 * Executor
 * ------------------------------------------------------------------------
 */

static Node *
CreateColumnarScanState(CustomScan *cscan)
{
	ColumnarScanState *state = palloc0(sizeof(ColumnarScanState));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &ColumnarExecMethods;
	return (Node *) state;
}

/*
 * ColumnarInitChunkFilters - turn a plan's chunk filter lists into "set",
 * their values' expressions ("values", in custom_exprs) initialized for
 * "parent"; ColumnarEvaluateChunkFilters sets the values.
 */
void
ColumnarInitChunkFilters(ColumnarChunkFilterSet *set, List *lists, List *values, Relation rel,
						 struct PlanState *parent)
{
	List	   *kinds = list_nth(lists, FILTER_KINDS);
	List	   *attnums = list_nth(lists, FILTER_ATTNUMS);
	List	   *opfamilies = list_nth(lists, FILTER_OPFAMILIES);
	List	   *strategies = list_nth(lists, FILTER_STRATEGIES);
	List	   *collations = list_nth(lists, FILTER_COLLATIONS);
	TupleDesc	tupdesc = RelationGetDescr(rel);

	set->types = list_nth(lists, FILTER_TYPES);
	set->nfilters = list_length(attnums);
	set->filters = palloc0(sizeof(ColumnarChunkFilter) * Max(1, set->nfilters));
	set->values = ExecInitExprList(values, parent);
	set->context = AllocSetContextCreate(CurrentMemoryContext, "columnar filter values",
										 ALLOCSET_SMALL_SIZES);
	for (int i = 0; i < set->nfilters; i++)
	{
		ColumnarChunkFilter *f = &set->filters[i];

		f->kind = (ColumnarFilterKind) list_nth_int(kinds, i);
		f->attnum = (AttrNumber) list_nth_int(attnums, i);
		f->strategy = (StrategyNumber) list_nth_int(strategies, i);
		f->collation = list_nth_oid(collations, i);
		if (f->kind == COLUMNAR_FILTER_COMPARE || f->kind == COLUMNAR_FILTER_IN)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, f->attnum - 1);

			fmgr_info(get_opfamily_proc(list_nth_oid(opfamilies, i), att->atttypid,
										list_nth_oid(set->types, i), BTORDER_PROC),
					  &f->compare);
			/* the bloom filters hashed values of this type and collation */
			f->bloom_capable = f->strategy == BTEqualStrategyNumber &&
				list_nth_oid(set->types, i) == att->atttypid && f->collation == att->attcollation;
		}
	}
}

/*
 * The hashes of the constants of "f" for bloom filters, or NULL when the
 * filters cannot answer "f" (its type cannot be hashed).
 */
static uint64 *
FilterHashes(ColumnarChunkFilter *f, Form_pg_attribute att)
{
	FmgrInfo   *hash = ColumnarHashFunction(att);
	int			count = f->kind == COLUMNAR_FILTER_IN ? f->nelements : 1;
	uint64	   *hashes;

	if (hash == NULL)
		return NULL;
	hashes = palloc(sizeof(uint64) * Max(count, 1));
	for (int i = 0; i < count; i++)
		hashes[i] = ColumnarHash(hash, f->collation,
								 f->kind == COLUMNAR_FILTER_IN ? f->elements[i] : f->constant);
	return hashes;
}

/* Sets the constant of "f" from "value", copied into "context". */
static void
SetFilterConstant(ColumnarChunkFilter *f, Oid type, Datum value, MemoryContext context)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	MemoryContext old = MemoryContextSwitchTo(context);

	if (f->kind == COLUMNAR_FILTER_COMPARE)
	{
		get_typlenbyval(type, &typlen, &typbyval);
		f->constant = datumCopy(value, typbyval, typlen);
	}
	else
	{
		Datum	   *elements;
		bool	   *nulls;
		int			count;

		get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
		/* a copy: by-reference elements point into the array */
		deconstruct_array(DatumGetArrayTypePCopy(value), type, typlen, typbyval, typalign,
						  &elements, &nulls, &count);
		/* a NULL element equals nothing */
		f->nelements = 0;
		f->elements = palloc(sizeof(Datum) * Max(count, 1));
		for (int e = 0; e < count; e++)
			if (!nulls[e])
				f->elements[f->nelements++] = elements[e];
	}
	MemoryContextSwitchTo(old);
}

/*
 * ColumnarSetChunkFilterValue - give filter "i" of "set" its value (copied);
 * a NULL value leaves the filter out: the strict operator passes no row
 * anyway, and the quals see to that.
 */
void
ColumnarSetChunkFilterValue(ColumnarChunkFilterSet *set, int i, Datum value, bool isnull,
							Relation rel)
{
	ColumnarChunkFilter *f = &set->filters[i];
	MemoryContext old;

	if (f->kind == COLUMNAR_FILTER_IS_NULL || f->kind == COLUMNAR_FILTER_IS_NOT_NULL)
	{
		f->active = true;
		return;
	}
	f->active = !isnull;
	if (isnull)
		return;
	SetFilterConstant(f, list_nth_oid(set->types, i), value, set->context);
	if (f->bloom_capable)
	{
		old = MemoryContextSwitchTo(set->context);
		f->hashes = FilterHashes(f, TupleDescAttr(RelationGetDescr(rel), f->attnum - 1));
		MemoryContextSwitchTo(old);
	}
}

/*
 * ColumnarEvaluateChunkFilters - evaluate the filters' values, when a scan
 * starts and at each rescan (parameters may have changed).
 */
void
ColumnarEvaluateChunkFilters(ColumnarChunkFilterSet *set, Relation rel, ExprContext *econtext)
{
	int			i = 0;
	ListCell   *lc;

	MemoryContextReset(set->context);
	foreach(lc, set->values)
	{
		bool		isnull = true;
		Datum		value = (Datum) 0;

		if (set->filters[i].kind != COLUMNAR_FILTER_IS_NULL &&
			set->filters[i].kind != COLUMNAR_FILTER_IS_NOT_NULL)
			value = ExecEvalExprSwitchContext((ExprState *) lfirst(lc), econtext, &isnull);
		ColumnarSetChunkFilterValue(set, i++, value, isnull, rel);
	}
	ResetExprContext(econtext);
}

/*
 * ColumnarAttnumList - the attribute numbers of executor-numbered "attrs",
 * as a plan keeps them (custom_private holds no Bitmapset).
 */
List *
ColumnarAttnumList(Bitmapset *attrs)
{
	List	   *attnums = NIL;
	int			member = -1;

	while ((member = bms_next_member(attrs, member)) >= 0)
		attnums = lappend_int(attnums, member + FirstLowInvalidHeapAttributeNumber);
	return attnums;
}

/*
 * ColumnarAttrsToRead - the columns a read decodes, from a plan's attribute
 * numbers (ColumnarAttnumList): NULL, all of them, when the plan needs the
 * whole row.  ctid is always at hand: a set of it alone decodes no column.
 */
Bitmapset *
ColumnarAttrsToRead(List *attnums, bool whole_row)
{
	Bitmapset  *attrs;
	ListCell   *lc;

	if (whole_row)
		return NULL;
	attrs = bms_make_singleton(SelfItemPointerAttributeNumber - FirstLowInvalidHeapAttributeNumber);
	foreach(lc, attnums)
		attrs = bms_add_member(attrs, lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	return attrs;
}

static void
BeginColumnarScan(CustomScanState *node, EState *estate, int eflags)
{
	ColumnarScanState *state = (ColumnarScanState *) node;
	List	   *private = ((CustomScan *) node->ss.ps.plan)->custom_private;

	state->attrs_needed =
		ColumnarAttrsToRead(list_nth(private, PRIVATE_ATTRS),
							linitial_int((List *) list_nth(private, PRIVATE_WHOLE_ROW)) != 0);
	ColumnarInitChunkFilters(&state->filters, list_nth(private, PRIVATE_FILTERS),
							 ((CustomScan *) node->ss.ps.plan)->custom_exprs,
							 node->ss.ss_currentRelation, &node->ss.ps);
}

/* Starts the table scan of the node, or joins a parallel one. */
static void
StartScan(ColumnarScanState *state, TableScanDesc scan)
{
	ColumnarEvaluateChunkFilters(&state->filters, state->css.ss.ss_currentRelation,
								 state->css.ss.ps.ps_ExprContext);
	ColumnarScanConfigure(scan, state->attrs_needed, state->filters.filters,
						  state->filters.nfilters);
	state->css.ss.ss_currentScanDesc = scan;
}

static TupleTableSlot *
ColumnarScanNext(ScanState *node)
{
	ColumnarScanState *state = (ColumnarScanState *) node;
	TupleTableSlot *slot = node->ss_ScanTupleSlot;

	if (node->ss_currentScanDesc == NULL)
		StartScan(state, table_beginscan(node->ss_currentRelation,
										 node->ps.state->es_snapshot, 0, NULL));
	if (table_scan_getnextslot(node->ss_currentScanDesc, ForwardScanDirection, slot))
		return slot;
	return NULL;
}

static bool
ColumnarScanRecheck(ScanState *node, TupleTableSlot *slot)
{
	return true;
}

static TupleTableSlot *
ExecColumnarScan(CustomScanState *node)
{
	return ExecScan(&node->ss, (ExecScanAccessMtd) ColumnarScanNext,
					(ExecScanRecheckMtd) ColumnarScanRecheck);
}

static void
EndColumnarScan(CustomScanState *node)
{
	if (node->ss.ss_currentScanDesc != NULL)
		table_endscan(node->ss.ss_currentScanDesc);
}

static void
ReScanColumnarScan(CustomScanState *node)
{
	if (node->ss.ss_currentScanDesc != NULL)
	{
		ColumnarEvaluateChunkFilters(&((ColumnarScanState *) node)->filters,
									 node->ss.ss_currentRelation, node->ss.ps.ps_ExprContext);
		table_rescan(node->ss.ss_currentScanDesc, NULL);
	}
	ExecScanReScan(&node->ss);
}

static Size
EstimateColumnarScanDSM(CustomScanState *node, ParallelContext *pcxt)
{
	return table_parallelscan_estimate(node->ss.ss_currentRelation,
									   node->ss.ps.state->es_snapshot);
}

static void
InitializeColumnarScanDSM(CustomScanState *node, ParallelContext *pcxt, void *coordinate)
{
	ParallelTableScanDesc pscan = (ParallelTableScanDesc) coordinate;

	table_parallelscan_initialize(node->ss.ss_currentRelation, pscan,
								  node->ss.ps.state->es_snapshot);
	StartScan((ColumnarScanState *) node,
			  table_beginscan_parallel(node->ss.ss_currentRelation, pscan));
}

static void
ReInitializeColumnarScanDSM(CustomScanState *node, ParallelContext *pcxt, void *coordinate)
{
	table_parallelscan_reinitialize(node->ss.ss_currentRelation,
									(ParallelTableScanDesc) coordinate);
}

static void
InitializeColumnarScanWorker(CustomScanState *node, shm_toc *toc, void *coordinate)
{
	StartScan((ColumnarScanState *) node,
			  table_beginscan_parallel(node->ss.ss_currentRelation,
									   (ParallelTableScanDesc) coordinate));
}

/*
 * EXPLAIN: the columns read, the quals used to skip chunks and, with
 * ANALYZE, how many chunks this process skipped.
 */
static void
ExplainColumnarScan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ColumnarScanState *state = (ColumnarScanState *) node;
	Relation	rel = node->ss.ss_currentRelation;
	StringInfoData columns;
	int			member = -1;

	initStringInfo(&columns);
	if (state->attrs_needed == NULL)
		appendStringInfoString(&columns, "all");
	while ((member = bms_next_member(state->attrs_needed, member)) >= 0)
	{
		AttrNumber	attnum = member + FirstLowInvalidHeapAttributeNumber;

		if (attnum <= 0)
			continue;
		appendStringInfo(&columns, "%s%s", columns.len > 0 ? ", " : "",
						 NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname));
	}
	if (columns.len == 0)
		appendStringInfoString(&columns, "none");
	ExplainPropertyText("Columns", columns.data, es);
	ExplainPropertyInteger("Chunk Filters", NULL, state->filters.nfilters, es);
	if (es->analyze && node->ss.ss_currentScanDesc != NULL)
		ExplainPropertyInteger("Chunks Skipped", NULL,
							   ColumnarScanChunksSkipped(node->ss.ss_currentScanDesc), es);
}

/*
 * ColumnarInstallScan - install the planner hook and register the node;
 * called once from _PG_init.
 */
void
ColumnarInstallScan(void)
{
	RegisterCustomScanMethods(&ColumnarScanMethods);
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = ColumnarSetRelPathlist;
}
