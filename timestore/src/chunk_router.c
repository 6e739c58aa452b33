/*-------------------------------------------------------------------------
 *
 * chunk_router.c
 *	  Routes the rows of one INSERT or COPY statement on a hypertable to
 *	  their chunks: finds (or has chunk.c create) the chunk of each row's
 *	  time and hash slice and gives the ResultRelInfo to insert it through.
 *
 *	  Invariants: a chunk is opened once per statement, with
 *	  RowExclusiveLock, and its ResultRelInfo is registered in
 *	  es_tuple_routing_result_relations, where the executor finds it to
 *	  fire the chunk's AFTER ROW triggers (its foreign keys among them);
 *	  ChunkRouterClose closes it once those have fired.  A chunk's ResultRelInfo is a copy of the root's,
 *	  sharing what depends only on the row layout (RETURNING, WITH CHECK
 *	  OPTIONS, the ON CONFLICT projections), which is valid because a chunk
 *	  has the hypertable's attribute numbers (chunk.c); what depends on the
 *	  table (indexes, triggers, constraints, slots) is the chunk's own.
 *	  Lookups cost one comparison for a row in the previous row's chunk and
 *	  a binary search otherwise.  The router also keeps the range of times
 *	  it routed: it stands in for the continuous aggregates' invalidation
 *	  trigger, which it takes off the chunks' ResultRelInfos (see
 *	  InvalidationTriggerStrip), so that inserts queue no AFTER ROW event;
 *	  and it copies late rows for the aggregates that merge them
 *	  (cagg_merge.c) instead of counting their times.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/chunk_router.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/attmap.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "catalog/index.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/instrument.h"
#include "timestore.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* Initialises router for statements inserting into ht through root. */
void
ChunkRouterInit(ChunkRouter *router, const Hypertable *ht, EState *estate,
				ResultRelInfo *root, bool speculative)
{
	memset(router, 0, sizeof(ChunkRouter));
	router->ht = *ht;
	router->estate = estate;
	router->root = root;
	router->speculative = speculative;
	router->lowest = PG_INT64_MAX;
	router->greatest = PG_INT64_MIN;
}

/*
 * ChunkArbiterIndexes - the chunk's indexes that match the hypertable's
 * arbiter indexes of ON CONFLICT (same definition, through attmap).
 */
static List *
ChunkArbiterIndexes(ResultRelInfo *rri, List *root_arbiters, Relation htrel)
{
	AttrMap    *attmap = build_attrmap_by_name(RelationGetDescr(rri->ri_RelationDesc),
											   RelationGetDescr(htrel));
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, root_arbiters)
	{
		Relation	parent = index_open(lfirst_oid(lc), AccessShareLock);
		IndexInfo  *parent_info = BuildIndexInfo(parent);
		int			i;

		for (i = 0; i < rri->ri_NumIndices; i++)
		{
			Relation	index = rri->ri_IndexRelationDescs[i];

			if (index->rd_index->indisunique == parent->rd_index->indisunique &&
				CompareIndexInfo(rri->ri_IndexRelationInfo[i], parent_info,
								 index->rd_indcollation, parent->rd_indcollation,
								 index->rd_opfamily, parent->rd_opfamily, attmap))
			{
				result = lappend_oid(result, RelationGetRelid(index));
				break;
			}
		}
		if (i == rri->ri_NumIndices)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("chunk \"%s\" has no index matching \"%s\"",
							RelationGetRelationName(rri->ri_RelationDesc),
							RelationGetRelationName(parent)),
					 errhint("Recreate the index on the hypertable.")));
		index_close(parent, AccessShareLock);
	}
	return result;
}

/*
 * ChunkResultRelInfo - the ResultRelInfo to insert into chunk table rel,
 * modelled on the root's (see the file comment).
 */
static ResultRelInfo *
ChunkResultRelInfo(ChunkRouter *router, Relation rel)
{
	ResultRelInfo *root = router->root;
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	TriggerDesc *trigdesc = CopyTriggerDesc(rel->trigdesc);

	*rri = *root;
	rri->ri_RelationDesc = rel;
	rri->ri_NumIndices = 0;
	rri->ri_IndexRelationDescs = NULL;
	rri->ri_IndexRelationInfo = NULL;
	rri->ri_projectNew = NULL;
	rri->ri_newTupleSlot = NULL;
	rri->ri_oldTupleSlot = NULL;
	rri->ri_projectNewInfoValid = false;
	/* the router tracks the times for continuous aggregates (no upsert) */
	if (root->ri_onConflict == NULL)
	{
		int32		ht_id = InvalidationTriggerStrip(trigdesc);

		if (ht_id != 0)
			router->invalidated_ht_id = ht_id;
	}
	rri->ri_TrigDesc = trigdesc;
	rri->ri_TrigFunctions = NULL;
	rri->ri_TrigWhenExprs = NULL;
	rri->ri_TrigInstrument = NULL;
	if (trigdesc != NULL)
	{
		int			n = trigdesc->numtriggers;

		rri->ri_TrigFunctions = palloc0(n * sizeof(FmgrInfo));
		rri->ri_TrigWhenExprs = palloc0(n * sizeof(ExprState *));
		if (router->estate->es_instrument)
			rri->ri_TrigInstrument = InstrAlloc(n, router->estate->es_instrument, false);
	}
	rri->ri_FdwRoutine = NULL;
	rri->ri_FdwState = NULL;
	rri->ri_usesFdwDirectModify = false;
	rri->ri_Slots = NULL;
	rri->ri_PlanSlots = NULL;
	rri->ri_NumSlots = 0;
	rri->ri_NumSlotsInitialized = 0;
	rri->ri_ConstraintExprs = NULL;
	rri->ri_GeneratedExprs = NULL;
	rri->ri_NumGeneratedNeeded = 0;
	rri->ri_ReturningSlot = NULL;
	rri->ri_TrigOldSlot = NULL;
	rri->ri_TrigNewSlot = NULL;
	rri->ri_PartitionTupleSlot = NULL;
	rri->ri_ChildToRootMap = NULL;
	rri->ri_ChildToRootMapValid = true;
	rri->ri_CopyMultiInsertBuffer = NULL;

	if (rel->rd_rel->relhasindex)
		ExecOpenIndices(rri, router->speculative);
	if (root->ri_onConflictArbiterIndexes != NIL)
		rri->ri_onConflictArbiterIndexes =
			ChunkArbiterIndexes(rri, root->ri_onConflictArbiterIndexes,
								root->ri_RelationDesc);
	if (root->ri_onConflict != NULL)
	{
		rri->ri_onConflict = makeNode(OnConflictSetState);
		*rri->ri_onConflict = *root->ri_onConflict;
		rri->ri_onConflict->oc_Existing =
			table_slot_create(rel, &router->estate->es_tupleTable);
	}
	return rri;
}

/*
 * Whether the statement may copy late rows as it routes them: the row it
 * routes must be the row stored, so no generated column may change it
 * afterwards, and no ON CONFLICT may skip it or turn it into an update.
 * (BEFORE ROW triggers are checked per chunk, in RouterNoteTime.)
 */
static bool
LateRowsAllowed(ChunkRouter *router)
{
	TupleConstr *constr = router->root->ri_RelationDesc->rd_att->constr;

	return !router->speculative && (constr == NULL || !constr->has_generated_stored);
}

/*
 * The index of the first entry after (slice, value) in the entries' order:
 * by slice, then by range start.
 */
static int
RouterUpperBound(ChunkRouter *router, int16 slice, int64 value)
{
	int			low = 0;
	int			high = router->nentries;

	while (low < high)
	{
		int			mid = (low + high) / 2;
		const ChunkRef *chunk = &router->entries[mid]->chunk;

		if (chunk->slice < slice || (chunk->slice == slice && chunk->range_start <= value))
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

static inline bool
EntryContains(const ChunkRouterEntry *entry, int16 slice, int64 value)
{
	return entry->chunk.slice == slice && entry->chunk.range_start <= value &&
		(value < entry->chunk.range_end || entry->chunk.range_end == PG_INT64_MAX);
}

/* Opens the chunk of (slice, value) and enters it at its place in the sorted array. */
static ChunkRouterEntry *
RouterAddChunk(ChunkRouter *router, int16 slice, int64 value, int position)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(router->estate->es_query_cxt);
	ChunkRouterEntry *entry = palloc(sizeof(ChunkRouterEntry));
	Relation	rel;

	ChunkFindOrCreate(&router->ht, slice, value, &entry->chunk);
	rel = table_open(entry->chunk.relid, RowExclusiveLock);
	entry->rri = ChunkResultRelInfo(router, rel);
	entry->bistate = NULL;
	router->estate->es_tuple_routing_result_relations =
		lappend(router->estate->es_tuple_routing_result_relations, entry->rri);

	if (router->nentries == router->maxentries)
	{
		router->maxentries = Max(16, router->maxentries * 2);
		router->entries = router->entries == NULL ?
			palloc(router->maxentries * sizeof(ChunkRouterEntry *)) :
			repalloc(router->entries, router->maxentries * sizeof(ChunkRouterEntry *));
	}
	memmove(&router->entries[position + 1], &router->entries[position],
			(router->nentries - position) * sizeof(ChunkRouterEntry *));
	router->entries[position] = entry;
	router->nentries++;
	MemoryContextSwitchTo(oldcxt);
	return entry;
}

/*
 * ChunkRouterClose - closes the chunks opened for the statement, once the
 * executor is done with them (after the AFTER triggers have fired), and
 * finishes COPY's bulk inserts.
 */
void
ChunkRouterClose(ChunkRouter *router)
{
	int			i;

	for (i = 0; i < router->nentries; i++)
	{
		ChunkRouterEntry *entry = router->entries[i];
		Relation	rel = entry->rri->ri_RelationDesc;

		if (entry->bistate != NULL)
		{
			table_finish_bulk_insert(rel, 0);
			FreeBulkInsertState(entry->bistate);
		}
		ExecCloseIndices(entry->rri);
		table_close(rel, NoLock);
	}
	router->nentries = 0;
	router->last = NULL;
	LateRowsClose(router->late_tables);
	router->late_tables = NIL;
	router->late_opened = false;
	if (router->invalidated_ht_id != 0 && router->lowest <= router->greatest)
		InvalidationAddRange(router->invalidated_ht_id, router->lowest, router->greatest);
	router->lowest = PG_INT64_MAX;
	router->greatest = PG_INT64_MIN;
}

/*
 * Notes a routed row for continuous aggregates: a late row is copied for
 * merging (when the statement allows, and no BEFORE ROW trigger of the
 * chunk may change the row), the others' times are counted.
 */
static void
RouterNoteTime(ChunkRouter *router, TupleTableSlot *slot, int64 value)
{
	TriggerDesc *chunk_triggers = router->last->rri->ri_TrigDesc;

	if (!router->late_opened)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(router->estate->es_query_cxt);

		router->late_opened = true;
		if (LateRowsAllowed(router))
			router->late_tables = LateRowsOpen(&router->ht, router->root->ri_RelationDesc,
											   &router->late_threshold);
		MemoryContextSwitchTo(oldcxt);
	}
	if (router->late_tables != NIL && value < router->late_threshold &&
		(chunk_triggers == NULL || !chunk_triggers->trig_insert_before_row))
		LateRowsCopy(router->late_tables, slot);
	else
	{
		router->lowest = Min(router->lowest, value);
		router->greatest = Max(router->greatest, value);
	}
}

/*
 * ChunkRouterRoute - the chunk that slot's row (in the hypertable's layout)
 * belongs to.  A NULL time is refused as the column's NOT NULL constraint
 * would refuse it.
 */
ChunkRouterEntry *
ChunkRouterRoute(ChunkRouter *router, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		datum = slot_getattr(slot, router->ht.time_attno, &isnull);
	int64		value;
	int16		slice;
	int			position;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
						get_attname(router->ht.relid, router->ht.time_attno, false),
						get_rel_name(router->ht.relid)),
				 errdetail("The time column of a hypertable cannot be NULL.")));
	value = TimeToInternal(datum, router->ht.time_type);
	slice = HashSliceOfRow(&router->ht, slot);
	if (router->last == NULL || !EntryContains(router->last, slice, value))
	{
		position = RouterUpperBound(router, slice, value);
		if (position > 0 && EntryContains(router->entries[position - 1], slice, value))
			router->last = router->entries[position - 1];
		else
			router->last = RouterAddChunk(router, slice, value, position);
	}
	RouterNoteTime(router, slot, value);
	return router->last;
}
