/*-------------------------------------------------------------------------
 *
 * hypertable_expand.c
 *	  Planning a query on a hypertable with only the chunks it needs.
 *
 *	  PostgreSQL expands an inheritance parent into all its children: it
 *	  locks and opens every chunk and estimates it before constraint
 *	  exclusion removes most of them, so planning grows with the number of
 *	  chunks and a query can run out of lock table.  For a hypertable that
 *	  a query reads, locks FOR UPDATE or SHARE, updates or deletes from
 *	  (not MERGE's target, nor one a cursor locks FOR UPDATE, whose WHERE
 *	  CURRENT OF needs every chunk's row mark: those keep PostgreSQL's
 *	  expansion), we take the expansion over: when the planner builds the hypertable's relation we
 *	  clear its "inherited" flag, so PostgreSQL plans it as a plain (empty)
 *	  table; then, when its paths are made, we pick the chunks whose ranges
 *	  the query's constant time bounds allow (from our catalog, without
 *	  opening the others; with a hash dimension, only the slices that the
 *	  query's "column = constant" restrictions allow), add them as children
 *	  the way PostgreSQL adds inheritance children, plan each, and build the
 *	  Append over them with PostgreSQL's own add_paths_to_append_rel, plus
 *	  Appends ordered by time (chunks in range order) when the query wants
 *	  time order, or the order of a time_bucket of time (which never
 *	  reverses it): they need no merge nor sort and let a LIMIT stop early.
 *	  Chunks of several hash slices overlap in time: PostgreSQL merges them.
 *	  The parent itself, which never holds rows, is not scanned.
 *
 *	  An UPDATE or DELETE target's chunks become its result relations and a
 *	  row-marked hypertable's chunks get row marks, as PostgreSQL's
 *	  expansion would make them, only later: PostgreSQL adds children before
 *	  distribute_row_identity_vars, when the restrictions that choose the
 *	  chunks are known but no hook runs, so the children's row identity
 *	  columns (tableoid, ctid) and the parent's junk columns are added to
 *	  the parent's target here, before any join above it is built.
 *	  ModifyTable and LockRows then list only these chunks.
 *
 *	  Invariants: a chunk is planned whenever a row of it can match the
 *	  constant bounds; chunks are locked before they are planned and a
 *	  chunk dropped meanwhile is skipped; the plan depends on the parent,
 *	  whose relcache entry every chunk creation invalidates, so a cached
 *	  plan is replanned when a chunk appears; the row identity and junk
 *	  columns are in the parent's target before its children's targets are
 *	  made from it.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/hypertable_expand.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/cost.h"
#include "optimizer/inherit.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/plancat.h"
#include "optimizer/planmain.h"
#include "optimizer/planner.h"
#include "optimizer/prep.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "timestore.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/* Marks, in RelOptInfo.fdw_private, a hypertable whose expansion is ours. */
typedef struct ExpansionMark
{
	uint32		magic;
	Hypertable	ht;
} ExpansionMark;

#define EXPANSION_MAGIC 0x45505854	/* "EPXT" */

static planner_hook_type prev_planner_hook = NULL;
static get_relation_info_hook_type prev_get_relation_info_hook = NULL;
static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

/* The options of the cursor the innermost planner call plans for (0: none). */
static int	planning_cursor_options = 0;

#define CURSOR_KIND_OPTIONS (CURSOR_OPT_BINARY | CURSOR_OPT_SCROLL | CURSOR_OPT_NO_SCROLL | \
							 CURSOR_OPT_INSENSITIVE | CURSOR_OPT_ASENSITIVE | \
							 CURSOR_OPT_HOLD | CURSOR_OPT_FAST_PLAN)

/*
 * Around the planner: notes the cursor options of the statement being
 * planned for HypertableRelationInfo, and lets ChunkExclusion finish its
 * nodes once setrefs is done.  Each call sets its state on entry, so a
 * state left by a call that failed is never used.
 */
static PlannedStmt *
PlanStatement(Query *parse, const char *query_string, int cursor_options,
			  ParamListInfo bound_params)
{
	int			saved = planning_cursor_options;
	List	   *outer_nodes = ChunkExclusionPlanning();
	PlannedStmt *result;

	planning_cursor_options = cursor_options;
	if (prev_planner_hook)
		result = prev_planner_hook(parse, query_string, cursor_options, bound_params);
	else
		result = standard_planner(parse, query_string, cursor_options, bound_params);
	ChunkExclusionPlanned(outer_nodes);
	planning_cursor_options = saved;
	return result;
}

/*
 * Whether rel is locked FOR UPDATE or SHARE by a cursor.  UPDATE or DELETE
 * ... WHERE CURRENT OF such a cursor asks it for the row mark of every
 * chunk it targets, and fails on one the cursor has none of: such a cursor
 * keeps PostgreSQL's expansion, which marks every chunk.
 */
static bool
LockedByCursor(PlannerInfo *root, RelOptInfo *rel)
{
	PlanRowMark *rc = get_plan_rowmark(root->rowMarks, rel->relid);

	return rc != NULL && RowMarkRequiresRowShareLock(rc->markType) &&
		(planning_cursor_options & CURSOR_KIND_OPTIONS) != 0;
}

/*
 * When the planner builds a hypertable's base relation: take its expansion
 * over, unless it is the target of MERGE or locked by a cursor.  The expansion happens when its
 * paths are made, after its restrictions are known: for an UPDATE or
 * DELETE target that is later than PostgreSQL's (add_other_rels_to_query)
 * and distribute_row_identity_vars then has nothing to do (the parent is
 * no longer "inherited"): ExpandHypertable does its work.
 */
static void
HypertableRelationInfo(PlannerInfo *root, Oid relid, bool inhparent, RelOptInfo *rel)
{
	RangeTblEntry *rte;
	const Hypertable *ht;
	ExpansionMark *mark;

	if (prev_get_relation_info_hook)
		prev_get_relation_info_hook(root, relid, inhparent, rel);
	/*
	 * has_subclass first: it reads pg_class only, whereas HypertableGet may
	 * plan a catalog query, which must not happen while an index of that
	 * catalog is being built (index builds plan their workers).
	 */
	if (!inhparent || rel->reloptkind != RELOPT_BASEREL || !has_subclass(relid) ||
		(rel->relid == (Index) root->parse->resultRelation &&
		 root->parse->commandType != CMD_UPDATE && root->parse->commandType != CMD_DELETE) ||
		LockedByCursor(root, rel) || (ht = HypertableGet(relid)) == NULL)
		return;
	rte = planner_rt_fetch(rel->relid, root);
	if (rte->rtekind != RTE_RELATION || !rte->inh || rte->tablesample != NULL)
		return;
	mark = palloc(sizeof(ExpansionMark));
	mark->magic = EXPANSION_MAGIC;
	mark->ht = *ht;
	rel->fdw_private = mark;
	rte->inh = false;
}

/*
 * Columns of _epiphany_timestore.chunk (epiphany_timestore--0.1.0.sql),
 * whose index chunk_range_idx is on (hypertable_id, hash_slice,
 * range_start).
 */
#define Anum_chunk_hypertable_id 2
#define Anum_chunk_relid 3
#define Anum_chunk_range_start 4
#define Anum_chunk_range_end 5
#define Anum_chunk_hash_slice 6

/* A chunk found for planning. */
typedef struct ChunkSpan
{
	int64		range_start;
	int16		hash_slice;
	Oid			relid;
} ChunkSpan;

static int
ChunkSpanCompare(const ListCell *a, const ListCell *b)
{
	const ChunkSpan *x = lfirst(a);
	const ChunkSpan *y = lfirst(b);

	if (x->range_start != y->range_start)
		return x->range_start < y->range_start ? -1 : 1;
	return (int) x->hash_slice - (int) y->hash_slice;
}

/*
 * Appends to *spans the chunks of hash slice slice of ht that start at or
 * before range's upper bound and end after its lower one, read through the
 * catalog's index with snapshot (planning runs once per query, so this
 * scans the index directly rather than through SPI).
 */
static void
ChunkSpansOfSlice(Relation catalog, Oid index, Snapshot snapshot, const Hypertable *ht,
				  int16 slice, const TimeRange *range, List **spans)
{
	ScanKeyData keys[3];
	SysScanDesc scan;
	HeapTuple	tuple;

	ScanKeyInit(&keys[0], Anum_chunk_hypertable_id, BTEqualStrategyNumber, F_INT4EQ,
				Int32GetDatum(ht->id));
	ScanKeyInit(&keys[1], Anum_chunk_hash_slice, BTEqualStrategyNumber, F_INT2EQ,
				Int16GetDatum(slice));
	ScanKeyInit(&keys[2], Anum_chunk_range_start, BTLessEqualStrategyNumber, F_INT8LE,
				Int64GetDatum(range->upper));
	scan = systable_beginscan(catalog, index, true, snapshot, lengthof(keys), keys);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		TupleDesc	desc = RelationGetDescr(catalog);
		bool		isnull;
		int64		range_end = DatumGetInt64(heap_getattr(tuple, Anum_chunk_range_end, desc,
														   &isnull));
		ChunkSpan  *span;

		if (range_end <= range->lower && range_end != PG_INT64_MAX)
			continue;
		span = palloc(sizeof(ChunkSpan));
		span->range_start = DatumGetInt64(heap_getattr(tuple, Anum_chunk_range_start, desc,
													   &isnull));
		span->hash_slice = slice;
		span->relid = DatumGetObjectId(heap_getattr(tuple, Anum_chunk_relid, desc, &isnull));
		*spans = lappend(*spans, span);
	}
	systable_endscan(scan);
}

/*
 * The chunks of ht whose ranges overlap range, in the hash slices given
 * (all when sliced is false), oldest first (then by slice), in the
 * caller's memory.  The catalog is read with the latest snapshot, as
 * PostgreSQL reads its own catalogs, so that a REPEATABLE READ transaction
 * still plans chunks created after its snapshot.
 */
static List *
ChunksOverlapping(const Hypertable *ht, const TimeRange *range, bool sliced,
				  Bitmapset *slices)
{
	Oid			schema = get_namespace_oid("_epiphany_timestore", false);
	Relation	catalog;
	Oid			index = get_relname_relid("chunk_range_idx", schema);
	Snapshot	snapshot;
	List	   *spans = NIL;
	List	   *relids = NIL;
	ListCell   *lc;
	int16		slice;

	if (range->empty || (sliced && bms_is_empty(slices)))
		return NIL;
	if (!OidIsValid(index))
		elog(ERROR, "index _epiphany_timestore.chunk_range_idx is missing");
	catalog = table_open(get_relname_relid("chunk", schema), AccessShareLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	for (slice = 0; slice < Max(ht->hash_partitions, 1); slice++)
		if (!sliced || bms_is_member(slice, slices))
			ChunkSpansOfSlice(catalog, index, snapshot, ht, slice, range, &spans);
	UnregisterSnapshot(snapshot);
	table_close(catalog, AccessShareLock);
	if (ht->hash_partitions > 1)
		list_sort(spans, ChunkSpanCompare);
	foreach(lc, spans)
		relids = lappend_oid(relids, ((ChunkSpan *) lfirst(lc))->relid);
	list_free_deep(spans);
	return relids;
}

/*
 * The column set cols of the parent (attribute numbers offset by
 * FirstLowInvalidHeapAttributeNumber, as in RangeTblEntry) in the child's
 * attribute numbers, through appinfo's translation: system columns keep
 * their numbers, a whole-row reference stands for every child column.
 * Triggers read the child's updatedCols (UPDATE OF), so chunks whose
 * columns are numbered differently from the parent's (created after a
 * column was dropped) need this.
 */
static Bitmapset *
ChildColumns(const Bitmapset *cols, const AppendRelInfo *appinfo)
{
	Bitmapset  *result = NULL;
	bool		whole_row = bms_is_member(-FirstLowInvalidHeapAttributeNumber, cols);
	int			member = -1;
	int			i;

	while ((member = bms_next_member(cols, member)) >= 0)
		if (member + FirstLowInvalidHeapAttributeNumber < 0)
			result = bms_add_member(result, member);
	for (i = 0; i < list_length(appinfo->translated_vars); i++)
	{
		Var		   *var = list_nth(appinfo->translated_vars, i);
		AttrNumber	parent_attno = i + 1;

		if (var == NULL)
			continue;			/* a column dropped from the parent */
		if (whole_row ||
			bms_is_member(parent_attno - FirstLowInvalidHeapAttributeNumber, cols))
			result = bms_add_member(result, var->varattno - FirstLowInvalidHeapAttributeNumber);
	}
	return result;
}

/*
 * The child's column aliases: each column takes its parent column's alias
 * (so that EXPLAIN names them as the query does), a dropped one "".
 */
static List *
ChildColumnNames(const RangeTblEntry *rte, const AppendRelInfo *appinfo)
{
	List	   *names = NIL;
	int			i;

	for (i = 0; i < appinfo->num_child_cols; i++)
	{
		AttrNumber	parent_attno = appinfo->parent_colnos[i];

		names = lappend(names, parent_attno > 0 ?
						list_nth(rte->eref->colnames, parent_attno - 1) : makeString(pstrdup("")));
	}
	return names;
}

/*
 * Makes chunk childrti (an UPDATE or DELETE target's child) a result
 * relation as PostgreSQL does for an inheritance child: a leaf that
 * returns its table oid and its row identity (ctid) through ROWID_VAR
 * columns, from which ModifyTable finds the chunk and row to change.
 */
static void
AddResultChild(PlannerInfo *root, Index childrti, RangeTblEntry *childrte, Relation childrel)
{
	root->all_result_relids = bms_add_member(root->all_result_relids, childrti);
	root->leaf_result_relids = bms_add_member(root->leaf_result_relids, childrti);
	add_row_identity_var(root, makeVar(childrti, TableOidAttributeNumber, OIDOID, -1,
									   InvalidOid, 0),
						 childrti, "tableoid");
	add_row_identity_columns(root, childrti, childrte, childrel);
}

/*
 * Gives chunk childrti a row mark like its parent's (FOR UPDATE or SHARE,
 * or the reference mark of a table read by UPDATE ... FROM): LockRows and
 * EvalPlanQual work on the children's marks, the parent's is skipped.
 */
static void
AddRowMarkChild(PlannerInfo *root, PlanRowMark *parentrc, Index childrti,
				RangeTblEntry *childrte)
{
	PlanRowMark *childrc = makeNode(PlanRowMark);

	childrc->rti = childrti;
	childrc->prti = parentrc->rti;
	childrc->rowmarkId = parentrc->rowmarkId;
	childrc->markType = select_rowmark_type(childrte, parentrc->strength);
	childrc->allMarkTypes = 1 << childrc->markType;
	childrc->strength = parentrc->strength;
	childrc->waitPolicy = parentrc->waitPolicy;
	childrc->isParent = false;
	/* chunks are plain tables like their parent: no new junk column kind */
	Assert(childrc->allMarkTypes == parentrc->allMarkTypes);
	parentrc->allMarkTypes |= childrc->allMarkTypes;
	root->rowMarks = lappend(root->rowMarks, childrc);
}

/*
 * Adds chunk relid (locked) as an inheritance child of rel: range table
 * entry, AppendRelInfo and RelOptInfo, as PostgreSQL adds inheritance
 * children, and, when rel is an UPDATE or DELETE target or has a row mark,
 * the child's result relation or row mark.  Returns the child's RelOptInfo.
 */
static RelOptInfo *
AddChunkChild(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte,
			  Relation parentrel, Oid relid, PlanRowMark *parentrc)
{
	RangeTblEntry *childrte = makeNode(RangeTblEntry);
	Relation	childrel;
	Index		childrti;
	AppendRelInfo *appinfo;

	memcpy(childrte, rte, sizeof(RangeTblEntry));
	childrte->relid = relid;
	childrte->relkind = RELKIND_RELATION;
	childrte->inh = false;
	childrte->requiredPerms = 0;
	childrte->securityQuals = NIL;
	root->parse->rtable = lappend(root->parse->rtable, childrte);
	childrti = list_length(root->parse->rtable);

	childrel = table_open(relid, NoLock);
	appinfo = make_append_rel_info(parentrel, childrel, rel->relid, childrti);
	childrte->alias = childrte->eref = makeAlias(rte->eref->aliasname,
												 ChildColumnNames(rte, appinfo));
	childrte->selectedCols = ChildColumns(rte->selectedCols, appinfo);
	childrte->insertedCols = ChildColumns(rte->insertedCols, appinfo);
	childrte->updatedCols = ChildColumns(rte->updatedCols, appinfo);
	childrte->extraUpdatedCols = ChildColumns(rte->extraUpdatedCols, appinfo);
	root->append_rel_list = lappend(root->append_rel_list, appinfo);
	root->simple_rte_array[childrti] = childrte;
	root->append_rel_array[childrti] = appinfo;
	if (parentrc != NULL)
		AddRowMarkChild(root, parentrc, childrti, childrte);
	if (rel->relid == (Index) root->parse->resultRelation)
		AddResultChild(root, childrti, childrte, childrel);
	table_close(childrel, NoLock);
	return build_simple_rel(root, childrti, rel);
}

/*
 * Sizes and paths of a chunk child, as PostgreSQL makes them for an
 * inheritance child; false when its restrictions or constraints exclude it.
 */
static bool
PlanChunkChild(PlannerInfo *root, RelOptInfo *rel, RelOptInfo *childrel,
			   AppendRelInfo *appinfo)
{
	RangeTblEntry *childrte = root->simple_rte_array[childrel->relid];
	Relids		required_outer;
	int			workers;

	if (!apply_child_basequals(root, rel, childrel, childrte, appinfo) ||
		relation_excluded_by_constraints(root, childrel, childrte))
		return false;
	childrel->joininfo = (List *) adjust_appendrel_attrs(root, (Node *) rel->joininfo,
														 1, &appinfo);
	childrel->reltarget->exprs = (List *)
		adjust_appendrel_attrs(root, (Node *) rel->reltarget->exprs, 1, &appinfo);
	childrel->has_eclass_joins = rel->has_eclass_joins;
	if (rel->has_eclass_joins || has_useful_pathkeys(root, rel))
		add_child_rel_equivalences(root, appinfo, rel, childrel);
	childrel->consider_parallel = rel->consider_parallel;

	check_index_predicates(root, childrel);
	set_baserel_size_estimates(root, childrel);

	required_outer = childrel->lateral_relids;
	add_path(childrel, create_seqscan_path(root, childrel, required_outer, 0));
	if (childrel->consider_parallel && required_outer == NULL)
	{
		workers = compute_parallel_worker(childrel, childrel->pages, -1,
										  max_parallel_workers_per_gather);
		if (workers > 0)
			add_partial_path(childrel, create_seqscan_path(root, childrel, NULL, workers));
	}
	create_index_paths(root, childrel);
	create_tidscan_paths(root, childrel);
	set_cheapest(childrel);
	return true;
}

/*
 * The first of the query's wanted orderings if it is on rel's time column
 * or on a time_bucket of it (*bucket then set), else NULL.
 */
static PathKey *
TimeOrderWanted(PlannerInfo *root, RelOptInfo *rel, const Hypertable *ht, bool *bucket)
{
	PathKey    *pathkey;
	ListCell   *lc;

	if (root->query_pathkeys == NIL)
		return NULL;
	pathkey = linitial(root->query_pathkeys);
	foreach(lc, pathkey->pk_eclass->ec_members)
	{
		EquivalenceMember *member = lfirst(lc);

		if (member->em_is_child)
			continue;
		*bucket = IsTimeBucketOfTime((Node *) member->em_expr, rel->relid, ht);
		if (*bucket || IsTimeColumn((Node *) member->em_expr, rel->relid, ht))
			return pathkey;
	}
	return NULL;
}

/*
 * The ordering of rel's time column in the direction of pathkey, so that
 * chunk scans are planned in it; NIL if it cannot be made.
 */
static List *
TimePathkeys(PlannerInfo *root, RelOptInfo *rel, const Hypertable *ht, PathKey *pathkey)
{
	Oid			opfamily = TimeTypeBtreeFamily(ht->time_type);
	Oid			opno;
	Var		   *var;

	if (!OidIsValid(opfamily))
		return NIL;
	opno = get_opfamily_member(opfamily, ht->time_type, ht->time_type, pathkey->pk_strategy);
	var = makeVar(rel->relid, ht->time_attno, ht->time_type, -1, InvalidOid, 0);
	return build_expression_pathkey(root, (Expr *) var, NULL, opno, rel->relids, true);
}

/*
 * Adds Append paths ordered as the query wants (wanted, on the time column
 * or a time_bucket of it): chunks hold disjoint ranges, so their scans
 * ordered by time (time_pathkeys), appended oldest first or newest first,
 * are in that order without merging, and a LIMIT stops after the first
 * chunks.  A scan ordered by time is also ordered by any time_bucket of
 * time; the scan then claims the bucket's ordering through a projection,
 * so that no sort is added.  One path built from each child's cheapest
 * total, one from its cheapest startup, for add_path to choose from.
 */
static void
AddTimeOrderedAppends(PlannerInfo *root, RelOptInfo *rel, List *live,
					  PathKey *wanted, List *time_pathkeys, bool bucket)
{
	List	   *pathkeys = list_make1(wanted);
	CostSelector selectors[2] = {TOTAL_COST, STARTUP_COST};
	int			i;

	if (live == NIL || time_pathkeys == NIL)
		return;
	for (i = 0; i < 2; i++)
	{
		List	   *subpaths = NIL;
		ListCell   *lc;

		foreach(lc, live)
		{
			RelOptInfo *childrel = lfirst(lc);
			Path	   *path = get_cheapest_path_for_pathkeys(childrel->pathlist, time_pathkeys,
															  NULL, selectors[i], false);

			if (path == NULL)
				return;
			if (bucket)
			{
				path = (Path *) create_projection_path(root, childrel, path, path->pathtarget);
				path->pathkeys = pathkeys;
			}
			if (wanted->pk_strategy == BTGreaterStrategyNumber)
				subpaths = lcons(path, subpaths);
			else
				subpaths = lappend(subpaths, path);
		}
		add_path(rel, (Path *) create_append_path(root, rel, subpaths, NIL, pathkeys,
												  NULL, 0, false, -1));
	}
}

/*
 * The chunks of ht that rel's constant time bounds and hash restrictions
 * allow, oldest first, in the caller's memory; *sliced tells whether the
 * restrictions narrow the hash slices, to *slices.
 */
static List *
ChunksOfRel(RelOptInfo *rel, const Hypertable *ht, bool *sliced, Bitmapset **slices)
{
	TimeRange	range;
	ListCell   *lc;

	TimeRangeInit(&range);
	foreach(lc, TimeBoundsOfRel(rel, ht, true))
	{
		TimeBound  *bound = lfirst(lc);
		Const	   *value = (Const *) bound->expr;

		TimeRangeNarrow(&range, bound->strategy, value->constvalue,
						value->constisnull, ht->time_type);
	}
	*sliced = HashSlicesOfRel(rel, ht, slices);
	return ChunksOverlapping(ht, &range, *sliced, *slices);
}

/*
 * Finishes the parent's side of an UPDATE or DELETE target's expansion, as
 * distribute_row_identity_vars does after PostgreSQL's: the row identity
 * columns the children registered go into the parent's target, whence
 * each child's target translates them.  With no child at all, ModifyTable
 * works on the (empty) parent and needs the parent's own ctid.
 */
static void
AddResultParentTargets(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte)
{
	ListCell   *lc;

	if (root->row_identity_vars == NIL)
	{
		int			before = list_length(root->processed_tlist);
		List	   *vars = NIL;
		Relation	parentrel = table_open(rte->relid, NoLock);

		add_row_identity_columns(root, rel->relid, rte, parentrel);
		table_close(parentrel, NoLock);
		for_each_from(lc, root->processed_tlist, before)
			vars = lappend(vars, ((TargetEntry *) lfirst(lc))->expr);
		add_vars_to_targetlist(root, vars, bms_make_singleton(0), false);
		return;
	}
	foreach(lc, root->processed_tlist)
	{
		Var		   *var = (Var *) ((TargetEntry *) lfirst(lc))->expr;

		if (var != NULL && IsA(var, Var) && var->varno == ROWID_VAR)
		{
			RowIdentityVarInfo *ridinfo = list_nth(root->row_identity_vars, var->varattno - 1);

			rel->reltarget->exprs = lappend(rel->reltarget->exprs, copyObject(var));
			rel->reltarget->width += ridinfo->rowidwidth;
		}
	}
}

/*
 * Finishes the parent's side of a row-marked hypertable's expansion: its
 * mark becomes a parent's (LockRows skips it) and the query returns each
 * row's table oid, by which LockRows and EvalPlanQual find the child's
 * mark, as PostgreSQL's expansion arranges.
 */
static void
AddRowMarkParentTargets(PlannerInfo *root, PlanRowMark *parentrc)
{
	Var		   *var;
	char		resname[32];

	Assert(!parentrc->isParent);
	parentrc->isParent = true;
	var = makeVar(parentrc->rti, TableOidAttributeNumber, OIDOID, -1, InvalidOid, 0);
	snprintf(resname, sizeof(resname), "tableoid%u", parentrc->rowmarkId);
	root->processed_tlist = lappend(root->processed_tlist,
									makeTargetEntry((Expr *) var,
													list_length(root->processed_tlist) + 1,
													pstrdup(resname), true));
	add_vars_to_targetlist(root, list_make1(var), bms_make_singleton(0), false);
}

/*
 * Adds to rel the parent's targets that its chunk children need (see the
 * two functions above).  Called once the children, if any, are added and
 * before their targets are made.
 */
static void
AddParentTargets(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte, PlanRowMark *parentrc)
{
	if (rel->relid == (Index) root->parse->resultRelation)
		AddResultParentTargets(root, rel, rte);
	if (parentrc != NULL)
		AddRowMarkParentTargets(root, parentrc);
}

/*
 * Locks the chunks (relids) and adds those that still exist as children
 * of rel; returns their RelOptInfos.  A chunk dropped since the catalog
 * was read is skipped.
 */
static List *
AddChunkChildren(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte, List *relids,
				 PlanRowMark *parentrc)
{
	Relation	parentrel;
	List	   *children = NIL;
	ListCell   *lc;

	if (relids == NIL)
		return NIL;
	expand_planner_arrays(root, list_length(relids));
	parentrel = table_open(rte->relid, NoLock);
	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);

		LockRelationOid(relid, rte->rellockmode);
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		{
			UnlockRelationOid(relid, rte->rellockmode);
			continue;			/* dropped meanwhile */
		}
		children = lappend(children, AddChunkChild(root, rel, rte, parentrel, relid, parentrc));
	}
	table_close(parentrel, NoLock);
	return children;
}

/*
 * Expands hypertable rel into the chunks its constant time bounds allow and
 * replaces its paths with appends over them.  A target of UPDATE or DELETE
 * gets its chunks as result relations, a row-marked hypertable gets their
 * row marks; ModifyTable and LockRows then list only these chunks.
 */
static void
ExpandHypertable(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte,
				 const Hypertable *ht)
{
	PlanRowMark *parentrc = get_plan_rowmark(root->rowMarks, rel->relid);
	List	   *children;
	List	   *live = NIL;
	ListCell   *lc;
	double		rows = 0;
	double		tuples = 0;
	double		pages = 0;
	PathKey    *wanted;
	bool		bucket = false;
	List	   *time_pathkeys = NIL;
	List	   *saved_query_pathkeys;
	Bitmapset  *slices;
	bool		sliced;

	children = AddChunkChildren(root, rel, rte, ChunksOfRel(rel, ht, &sliced, &slices),
								parentrc);
	AddParentTargets(root, rel, rte, parentrc);

	/*
	 * Chunk scans ordered by time are useful when the query wants time or
	 * time_bucket order: plan the chunks as if it wanted time order, since
	 * PostgreSQL keeps the orderings of index scans only when useful.
	 */
	wanted = TimeOrderWanted(root, rel, ht, &bucket);
	if (wanted != NULL)
		time_pathkeys = TimePathkeys(root, rel, ht, wanted);
	saved_query_pathkeys = root->query_pathkeys;
	if (time_pathkeys != NIL)
		root->query_pathkeys = time_pathkeys;
	foreach(lc, children)
	{
		RelOptInfo *childrel = lfirst(lc);

		if (!PlanChunkChild(root, rel, childrel, root->append_rel_array[childrel->relid]))
		{
			/* ModifyTable leaves out result relations proved empty */
			mark_dummy_rel(childrel);
			continue;
		}
		live = lappend(live, childrel);
		rows += childrel->rows;
		tuples += childrel->tuples;
		pages += childrel->pages;
	}
	root->query_pathkeys = saved_query_pathkeys;

	rte->inh = true;
	rel->fdw_private = NULL;
	rel->rows = clamp_row_est(rows);
	rel->tuples = tuples;
	root->total_table_pages += pages;
	rel->pathlist = NIL;
	rel->partial_pathlist = NIL;
	rel->cheapest_startup_path = NULL;
	rel->cheapest_total_path = NULL;
	rel->cheapest_unique_path = NULL;
	rel->cheapest_parameterized_paths = NIL;
	add_paths_to_append_rel(root, rel, live);
	/* chunks of several hash slices share time ranges: merged, not appended */
	if (wanted != NULL && (ht->hash_partitions <= 1 || (sliced && bms_num_members(slices) == 1)))
		AddTimeOrderedAppends(root, rel, live, wanted, time_pathkeys, bucket);
}

/*
 * When the planner makes a base relation's paths: expand a hypertable
 * whose expansion is ours, then offer run-time chunk exclusion on any
 * hypertable appendrel.
 */
static void
HypertableRelPathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	ExpansionMark *mark = rel->fdw_private;
	const Hypertable *ht;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);
	if (rel->reloptkind != RELOPT_BASEREL || rte->rtekind != RTE_RELATION)
		return;
	if (mark != NULL && mark->magic == EXPANSION_MAGIC)
	{
		if (IS_DUMMY_REL(rel))
		{
			/* Proved empty already: it stays so, as an appendrel. */
			rte->inh = true;
			rel->fdw_private = NULL;
			AddParentTargets(root, rel, rte, get_plan_rowmark(root->rowMarks, rel->relid));
			return;
		}
		ExpandHypertable(root, rel, rte, &mark->ht);
	}
	if (rte->inh && (ht = HypertableGet(rte->relid)) != NULL)
	{
		Hypertable	copy = *ht;

		ChunkExclusionAddPaths(root, rel, &copy);
	}
}

/* Called by _PG_init. */
void
HypertableExpandInit(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = PlanStatement;
	prev_get_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = HypertableRelationInfo;
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = HypertableRelPathlist;
}
