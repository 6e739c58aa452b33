/*-------------------------------------------------------------------------
 *
 * hypertable_expand.c
 *	  Planning a query on a hypertable with only the chunks it needs.
 *
 *	  PostgreSQL expands an inheritance parent into all its children: it
 *	  locks and opens every chunk and estimates it before constraint
 *	  exclusion removes most of them, so planning grows with the number of
 *	  chunks and a query can run out of lock table.  For a hypertable that
 *	  a query reads (not the target of UPDATE or DELETE, not locked FOR
 *	  UPDATE; those keep PostgreSQL's expansion), we take the expansion
 *	  over: when the planner builds the hypertable's relation we clear its
 *	  "inherited" flag, so PostgreSQL plans it as a plain (empty) table;
 *	  then, when its paths are made, we pick the chunks whose ranges the
 *	  query's constant time bounds allow (from our catalog, without opening
 *	  the others; with a hash dimension, only the slices that the query's
 *	  "column = constant" restrictions allow), add them as children the way
 *	  PostgreSQL adds inheritance children, plan each, and build the Append
 *	  over them with PostgreSQL's own add_paths_to_append_rel, plus Appends
 *	  ordered by time (chunks in range order) when the query wants time
 *	  order, or the order of a time_bucket of time (which never reverses
 *	  it): they need no merge nor sort and let a LIMIT stop early.  Chunks
 *	  of several hash slices overlap in time: PostgreSQL merges them.  The
 *	  parent itself, which never holds rows, is not scanned.
 *
 *	  Invariants: a chunk is planned whenever a row of it can match the
 *	  constant bounds; chunks are locked before they are planned and a
 *	  chunk dropped meanwhile is skipped; the plan depends on the parent,
 *	  whose relcache entry every chunk creation invalidates, so a cached
 *	  plan is replanned when a chunk appears.
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

static get_relation_info_hook_type prev_get_relation_info_hook = NULL;
static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

/*
 * When the planner builds a hypertable's base relation: take its expansion
 * over, unless it is a target of the statement or locked by FOR UPDATE.
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
		rel->relid == (Index) root->parse->resultRelation ||
		get_plan_rowmark(root->rowMarks, rel->relid) != NULL ||
		(ht = HypertableGet(relid)) == NULL)
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
 * Adds chunk relid as an inheritance child of rel (range table entry,
 * AppendRelInfo, RelOptInfo), as PostgreSQL adds inheritance children.
 * Returns the child's RelOptInfo.
 */
static RelOptInfo *
AddChunkChild(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte,
			  Relation parentrel, Oid relid, AppendRelInfo **appinfo)
{
	RangeTblEntry *childrte = makeNode(RangeTblEntry);
	Relation	childrel;
	Index		childrti;

	memcpy(childrte, rte, sizeof(RangeTblEntry));
	childrte->relid = relid;
	childrte->relkind = RELKIND_RELATION;
	childrte->inh = false;
	childrte->requiredPerms = 0;
	childrte->securityQuals = NIL;
	childrte->alias = childrte->eref = makeAlias(rte->eref->aliasname,
												 list_copy(rte->eref->colnames));
	root->parse->rtable = lappend(root->parse->rtable, childrte);
	childrti = list_length(root->parse->rtable);

	childrel = table_open(relid, NoLock);
	*appinfo = make_append_rel_info(parentrel, childrel, rel->relid, childrti);
	table_close(childrel, NoLock);
	root->append_rel_list = lappend(root->append_rel_list, *appinfo);
	root->simple_rte_array[childrti] = childrte;
	root->append_rel_array[childrti] = *appinfo;
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
 * Expands hypertable rel into the chunks its constant time bounds allow and
 * replaces its paths with appends over them.
 */
static void
ExpandHypertable(PlannerInfo *root, RelOptInfo *rel, RangeTblEntry *rte,
				 const Hypertable *ht)
{
	TimeRange	range;
	List	   *chunks;
	List	   *live = NIL;
	ListCell   *lc;
	Relation	parentrel;
	double		rows = 0;
	double		tuples = 0;
	double		pages = 0;
	PathKey    *wanted;
	bool		bucket = false;
	List	   *time_pathkeys = NIL;
	List	   *saved_query_pathkeys;
	Bitmapset  *slices;
	bool		sliced;

	TimeRangeInit(&range);
	foreach(lc, TimeBoundsOfRel(rel, ht, true))
	{
		TimeBound  *bound = lfirst(lc);
		Const	   *value = (Const *) bound->expr;

		TimeRangeNarrow(&range, bound->strategy, value->constvalue,
						value->constisnull, ht->time_type);
	}
	sliced = HashSlicesOfRel(rel, ht, &slices);
	chunks = ChunksOverlapping(ht, &range, sliced, slices);

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

	parentrel = table_open(rte->relid, NoLock);
	if (chunks != NIL)
		expand_planner_arrays(root, list_length(chunks));
	foreach(lc, chunks)
	{
		Oid			relid = lfirst_oid(lc);
		RelOptInfo *childrel;
		AppendRelInfo *appinfo;

		LockRelationOid(relid, rte->rellockmode);
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		{
			UnlockRelationOid(relid, rte->rellockmode);
			continue;			/* dropped meanwhile */
		}
		childrel = AddChunkChild(root, rel, rte, parentrel, relid, &appinfo);
		if (!PlanChunkChild(root, rel, childrel, appinfo))
			continue;
		live = lappend(live, childrel);
		rows += childrel->rows;
		tuples += childrel->tuples;
		pages += childrel->pages;
	}
	table_close(parentrel, NoLock);
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
	prev_get_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = HypertableRelationInfo;
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = HypertableRelPathlist;
}
