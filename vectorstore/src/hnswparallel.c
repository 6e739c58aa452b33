/*-------------------------------------------------------------------------
 *
 * hnswparallel.c
 *	  Parallel builds of the hnsw index: the parallel context, the graph in
 *	  shared memory, and the worker entry point.
 *
 *	  The leader and max_parallel_maintenance_workers workers (as
 *	  plan_create_index_workers allows) scan the heap together through a
 *	  parallel table scan and insert every value into one graph held in a
 *	  dynamic shared area (DSA, limited to epiphany.vector_index_build_memory),
 *	  with the algorithm of the serial build (hnswbuild.c).  The leader then
 *	  lays the graph out on pages and WAL-logs it exactly as a serial build
 *	  does, so the index on disk has the same format and the same logging.
 *
 *	  Shared graph: element i is one DSA chunk (HnswSharedElement, then its
 *	  value, slots, distances and verdicts); a directory of chunks of
 *	  HNSW_DIR_CHUNK DSA pointers maps ids to elements.  Each participant
 *	  sees element i through a local HnswElementData (made on first use by
 *	  Materialize) whose pointers lead into its own mapping of the area, so
 *	  the build's code reads and writes the shared lists in place.
 *
 *	  Locks: each element's LWLock guards its lists (slots, distances,
 *	  verdicts, closerValid): exclusive to link a new element back; a search
 *	  reads a list without it where 8-byte reads cannot tear (see
 *	  SharedNeighbors), else under it in shared mode.  graphLock guards the id
 *	  counter, the directory and the entry point; an insert whose element
 *	  rises above the entry level holds it exclusively until the element is
 *	  the new entry point (so no two inserts build the upper levels at
 *	  once).  Order: graphLock, then one element lock; a participant holds
 *	  at most one element lock at a time and takes no other lock of ours
 *	  while holding it, so no cycle can form.  An element's own lists are
 *	  filled before any other element links to it (it is unreachable until
 *	  then), and the writer's lock release orders those writes before
 *	  anyone reads its id.
 *
 *	  When the area is full the participants stop inserting, and the
 *	  leader, finding it so, abandons the parallel build and runs the
 *	  serial one, which goes on on disk past the limit.  Memory: the local
 *	  views live in the caller's graph context; the area is freed with the
 *	  parallel context.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswparallel.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/parallel.h"
#include "access/relscan.h"
#include "access/table.h"
#include "catalog/index.h"
#include "hnsw.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/lwlock.h"
#include "utils/dsa.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

/* Keys of the parallel context's table of contents. */
#define HNSW_KEY_SHARED UINT64CONST(0xE900000000000001)
#define HNSW_KEY_AREA UINT64CONST(0xE900000000000002)
#define HNSW_KEY_SCAN UINT64CONST(0xE900000000000003)

/* Ids per directory chunk, and directory chunks (about 268 million ids). */
#define HNSW_DIR_CHUNK 4096
#define HNSW_DIR_CHUNKS 65536

/* The name of the LWLock tranche of the shared graph. */
#define HNSW_TRANCHE_NAME "hnsw build graph"

/*
 * The build's shared state, in the parallel context's segment.  graphLock
 * guards nelements, dir and the entry point; the counters are atomics.
 */
typedef struct HnswShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;	/* CREATE INDEX CONCURRENTLY */
	int			tranche;		/* of graphLock and the element locks */
	LWLock		graphLock;
	uint64		nelements;		/* ids 0 .. nelements - 1 are allocated */
	uint64		entryId;		/* valid when entryLevel >= 0 */
	int			entryLevel;		/* -1 while the graph is empty */
	pg_atomic_uint32 full;		/* 1 once an allocation failed */
	pg_atomic_uint64 reltuples; /* heap tuples seen, all participants */
	pg_atomic_uint64 indtuples; /* values inserted, all participants */
	dsa_pointer dir[HNSW_DIR_CHUNKS];	/* chunks of element pointers */
} HnswShared;

/*
 * One element of the shared graph.  Its DSA chunk holds this header, then
 * the value (a cache line after the start, so that taking the lock does
 * not take the value's line from the other participants), nslots ids,
 * nslots distances and nslots verdicts.
 */
typedef struct HnswSharedElement
{
	LWLock		lock;			/* guards the lists and closerValid */
	ItemPointerData heaptid;
	int16		level;
	uint32		closerValid;	/* HnswElementData.closerValid, shared */
	uint32		valueOff;		/* offsets from the header */
	uint32		slotsOff;
	uint32		distsOff;
	uint32		closerOff;
} HnswSharedElement;

/* A participant's attachment to the shared graph. */
struct HnswSharedGraph
{
	HnswShared *shared;			/* in the parallel context's segment */
	dsa_area   *area;
	ParallelTableScanDesc pscan;
	HnswGraph  *graph;			/* the local views, once attached */
	HnswSharedElement **records;	/* per id, parallel to graph->nodes */
	bool		holdsEntry;		/* this insert holds graphLock exclusively */
};

/* The leader's handle on a parallel build. */
struct HnswParallelBuild
{
	ParallelContext *pcxt;
	Snapshot	snapshot;		/* registered when MVCC */
	HnswSharedGraph sg;			/* the leader's attachment */
};

/* The tranche id this backend allocated for its builds, or 0. */
static int	hnsw_build_tranche = 0;

/* ----------------------------------------------------------------
 *		Local views
 * ----------------------------------------------------------------
 */

/* The shared element of an allocated id. */
static HnswSharedElement *
Record(HnswSharedGraph *sg, uint64 id)
{
	dsa_pointer *chunk = dsa_get_address(sg->area, sg->shared->dir[id / HNSW_DIR_CHUNK]);

	return dsa_get_address(sg->area, chunk[id % HNSW_DIR_CHUNK]);
}

/*
 * Makes room for id in the local arrays (nodes, records, visit marks),
 * doubling them; new entries are zero.  The graph's nelements follows
 * maxelements, so that every id seen is in range.
 */
static void
GrowLocal(HnswSharedGraph *sg, uint64 id)
{
	HnswGraph  *graph = sg->graph;
	int64		old = graph->maxelements;
	int64		max = Max(old, 1024);

	while ((uint64) max <= id)
		max *= 2;
	if (max == old)
		return;
	if (old == 0)
		sg->records = MemoryContextAllocHuge(graph->cxt,
											 mul_size(sizeof(HnswSharedElement *), max));
	else
		sg->records = repalloc_huge(sg->records, mul_size(sizeof(HnswSharedElement *), max));
	memset(sg->records + old, 0, sizeof(HnswSharedElement *) * (max - old));
	HnswGrowNodes(graph, max);
	graph->nelements = max;
}

/*
 * The local view of element id, made on first use in the graph's context:
 * its pointers lead into this participant's mapping of the area.
 */
static HnswElement
Materialize(HnswSharedGraph *sg, uint64 id)
{
	HnswGraph  *graph = sg->graph;
	HnswSharedElement *rec;
	HnswElement element;
	char	   *base;

	if (id >= (uint64) graph->maxelements)
		GrowLocal(sg, id);
	if (graph->nodes[id].element != NULL)
		return graph->nodes[id].element;

	rec = Record(sg, id);
	base = (char *) rec;
	element = MemoryContextAlloc(graph->cxt, sizeof(HnswElementData));
	element->id = id;
	element->heaptid = rec->heaptid;
	element->level = rec->level;
	element->deleted = false;
	element->value = PointerGetDatum(base + rec->valueOff);
	element->slots = (uint64 *) (base + rec->slotsOff);
	element->dists = (double *) (base + rec->distsOff);
	element->closer = (bool *) (base + rec->closerOff);
	element->closerValid = 0;	/* read under the lock when needed */
	HnswSetNode(graph, id, element);
	sg->records[id] = rec;
	return element;
}

/*
 * Local views of n elements: their entries in graph->nodes, which are
 * cache misses, are fetched together first.
 */
static void
MaterializeAll(HnswSharedGraph *sg, const uint64 *ids, int n)
{
	HnswGraph  *graph = sg->graph;

	for (int i = 0; i < n; i++)
	{
		if (ids[i] < (uint64) graph->maxelements)
			HnswPrefetch(&graph->nodes[ids[i]]);
	}
	for (int i = 0; i < n; i++)
		(void) Materialize(sg, ids[i]);
}

/* The shared graph's get. */
static HnswElement
SharedGet(HnswGraph *graph, uint64 id)
{
	return Materialize(graph->shared, id);
}

/*
 * The shared graph's neighbors: the ids of one level.  Where 8-byte loads
 * cannot tear, they are read without the element's lock: each is then an
 * id some writer stored, and every id is stored (under a lock whose
 * acquisition is a full barrier) only after its element and directory
 * entry are written, so the read barrier below makes them visible.  A list
 * being rewritten may come out as a mix of its old and new ids, which is
 * still a set of elements of the graph: the search only needs valid nodes
 * (the visited set drops repeats).  Reading without the lock keeps the two
 * participants from writing the lock's cache line at every hop.  Elsewhere
 * the ids are copied under the shared lock.  The local arrays are grown to
 * hold every id (the visited set is indexed by them), but no local view
 * is made: most ids are visited already, and SharedVisit makes those of
 * the others.
 */
static int
SharedNeighbors(HnswGraph *graph, const HnswCandidate *c, int level, uint64 *ids)
{
	HnswSharedGraph *sg = graph->shared;
	int			n = 0;
	uint64		maxid = 0;
#ifdef PG_HAVE_8BYTE_SINGLE_COPY_ATOMICITY
	const volatile uint64 *slots = graph->nodes[c->id].slots + HnswLevelFirstSlot(level, graph->m);
	int			capacity = HnswLevelCapacity(level, graph->m);

	for (int i = 0; i < capacity; i++)
	{
		uint64		id = slots[i];

		if (id != HNSW_INVALID_ID)
			ids[n++] = id;
	}
	pg_read_barrier();
#else
	LWLock	   *lock = &sg->records[c->id]->lock;

	LWLockAcquire(lock, LW_SHARED);
	n = HnswElementNeighbors(graph, c, level, ids);
	LWLockRelease(lock);
#endif
	for (int i = 0; i < n; i++)
		maxid = Max(maxid, ids[i]);
	if (maxid >= (uint64) graph->maxelements)
		GrowLocal(sg, maxid);
	return n;
}

/* The shared graph's visit: local views of the nodes, then the in-memory visit. */
static void
SharedVisit(HnswGraph *graph, Datum query, uint64 *ids, int n, HnswCandidate *out)
{
	MaterializeAll(graph->shared, ids, n);
	HnswInMemoryVisit(graph, query, ids, n, out);
}

/*
 * HnswSharedGraphAttach - makes graph (set up by HnswInitGraph, empty) the
 * participant's view of the shared graph.
 */
void
HnswSharedGraphAttach(HnswSharedGraph *sg, HnswGraph *graph)
{
	sg->graph = graph;
	graph->shared = sg;
	graph->get = SharedGet;
	graph->neighbors = SharedNeighbors;
	graph->visit = SharedVisit;
	graph->maxelements = 0;
	GrowLocal(sg, 0);
}

/* ----------------------------------------------------------------
 *		Inserting into the shared graph
 * ----------------------------------------------------------------
 */

/* Marks the area full (the caller then inserts nothing more). */
static void
SetFull(HnswSharedGraph *sg)
{
	pg_atomic_write_u32(&sg->shared->full, 1);
}

/* HnswSharedFull - whether some participant ran out of room. */
bool
HnswSharedFull(HnswSharedGraph *sg)
{
	return pg_atomic_read_u32(&sg->shared->full) != 0;
}

/*
 * Gives a new element its id: the next one, with a directory entry.  False
 * when the directory or the area is full.
 */
static bool
AssignId(HnswSharedGraph *sg, dsa_pointer p, uint64 *id)
{
	HnswShared *shared = sg->shared;
	bool		ok = true;

	LWLockAcquire(&shared->graphLock, LW_EXCLUSIVE);
	*id = shared->nelements;
	if (*id / HNSW_DIR_CHUNK >= HNSW_DIR_CHUNKS)
		ok = false;
	else if (!DsaPointerIsValid(shared->dir[*id / HNSW_DIR_CHUNK]))
	{
		shared->dir[*id / HNSW_DIR_CHUNK] =
			dsa_allocate_extended(sg->area, sizeof(dsa_pointer) * HNSW_DIR_CHUNK,
								  DSA_ALLOC_NO_OOM | DSA_ALLOC_ZERO);
		ok = DsaPointerIsValid(shared->dir[*id / HNSW_DIR_CHUNK]);
	}
	if (ok)
	{
		dsa_pointer *chunk = dsa_get_address(sg->area, shared->dir[*id / HNSW_DIR_CHUNK]);

		chunk[*id % HNSW_DIR_CHUNK] = p;
		shared->nelements++;
	}
	LWLockRelease(&shared->graphLock);
	return ok;
}

/*
 * HnswSharedNewElement - a new element of the shared graph with free
 * slots, a copy of value and the level HnswFitLevel gives; its local view,
 * or NULL when the area is full (the flag is then set for everyone).  The
 * element has an id but no one links to it yet.
 */
HnswElement
HnswSharedNewElement(HnswSharedGraph *sg, Datum value, ItemPointer heaptid, int level, int m,
					 Size valsize)
{
	Size		vsize = VARSIZE(DatumGetPointer(value));
	int			nslots;
	Size		valueOff = TYPEALIGN(PG_CACHE_LINE_SIZE, sizeof(HnswSharedElement));
	Size		slotsOff;
	Size		distsOff;
	Size		closerOff;
	dsa_pointer p;
	HnswSharedElement *rec;
	uint64		id;

	level = HnswFitLevel(level, m, valsize);
	nslots = HnswSlotCount(level, m);
	slotsOff = valueOff + MAXALIGN(vsize);
	distsOff = slotsOff + sizeof(uint64) * nslots;
	closerOff = distsOff + sizeof(double) * nslots;
	p = dsa_allocate_extended(sg->area, closerOff + sizeof(bool) * nslots, DSA_ALLOC_NO_OOM);
	if (!DsaPointerIsValid(p))
	{
		SetFull(sg);
		return NULL;
	}
	rec = dsa_get_address(sg->area, p);
	LWLockInitialize(&rec->lock, sg->shared->tranche);
	rec->heaptid = *heaptid;
	rec->level = (int16) level;
	rec->closerValid = 0;
	rec->valueOff = (uint32) valueOff;
	rec->slotsOff = (uint32) slotsOff;
	rec->distsOff = (uint32) distsOff;
	rec->closerOff = (uint32) closerOff;
	memcpy((char *) rec + valueOff, DatumGetPointer(value), vsize);
	for (int i = 0; i < nslots; i++)
		((uint64 *) ((char *) rec + slotsOff))[i] = HNSW_INVALID_ID;
	memset((char *) rec + closerOff, 0, sizeof(bool) * nslots);
	if (!AssignId(sg, p, &id))
	{
		dsa_free(sg->area, p);
		SetFull(sg);
		return NULL;
	}
	return Materialize(sg, id);
}

/*
 * HnswSharedGetEntry - the entry point an insert of element starts from.
 * Returns true when the graph was empty and element became the entry
 * point (nothing else to do).  When element rises above the entry level,
 * graphLock stays held exclusively until HnswSharedReleaseEntry.
 */
bool
HnswSharedGetEntry(HnswSharedGraph *sg, HnswElement element, uint64 *entryId, int *entryLevel)
{
	HnswShared *shared = sg->shared;

	LWLockAcquire(&shared->graphLock, LW_SHARED);
	*entryId = shared->entryId;
	*entryLevel = shared->entryLevel;
	LWLockRelease(&shared->graphLock);
	if (*entryLevel >= element->level)
	{
		(void) Materialize(sg, *entryId);
		return false;
	}

	/* empty graph, or a new top level: re-read under the exclusive lock */
	LWLockAcquire(&shared->graphLock, LW_EXCLUSIVE);
	*entryId = shared->entryId;
	*entryLevel = shared->entryLevel;
	if (*entryLevel < 0)
	{
		shared->entryId = element->id;
		shared->entryLevel = element->level;
		LWLockRelease(&shared->graphLock);
		return true;
	}
	if (*entryLevel >= element->level)
		LWLockRelease(&shared->graphLock);
	else
		sg->holdsEntry = true;
	(void) Materialize(sg, *entryId);
	return false;
}

/*
 * HnswSharedReleaseEntry - after an insert: an element that rose above the
 * entry level becomes the entry point, and graphLock is released.
 */
void
HnswSharedReleaseEntry(HnswSharedGraph *sg, HnswElement element)
{
	if (!sg->holdsEntry)
		return;
	Assert(element->level > sg->shared->entryLevel);
	sg->shared->entryId = element->id;
	sg->shared->entryLevel = element->level;
	sg->holdsEntry = false;
	LWLockRelease(&sg->shared->graphLock);
}

/*
 * HnswSharedPublish - stores what HnswFindNeighbors set in the new
 * element's local view but not in place (closerValid), before anyone can
 * reach it.
 */
void
HnswSharedPublish(HnswSharedGraph *sg, HnswElement element)
{
	sg->records[element->id]->closerValid = element->closerValid;
}

/*
 * HnswSharedLockList - locks a neighbour's lists exclusively to link back
 * a new element at one level: reads its closerValid, and makes local views
 * of the ids of that level (the re-selection reads their values).
 */
void
HnswSharedLockList(HnswSharedGraph *sg, HnswElement neighbor, int level)
{
	HnswSharedElement *rec = sg->records[neighbor->id];
	const uint64 *ids = neighbor->slots + HnswLevelFirstSlot(level, sg->graph->m);
	int			capacity = HnswLevelCapacity(level, sg->graph->m);
	int			n = 0;

	LWLockAcquire(&rec->lock, LW_EXCLUSIVE);
	neighbor->closerValid = rec->closerValid;
	/* a list's valid ids come first (see LinkBackInMemory) */
	while (n < capacity && ids[n] != HNSW_INVALID_ID)
		n++;
	MaterializeAll(sg, ids, n);
}

/* HnswSharedUnlockList - stores closerValid back and releases the lock. */
void
HnswSharedUnlockList(HnswSharedGraph *sg, HnswElement neighbor)
{
	HnswSharedElement *rec = sg->records[neighbor->id];

	rec->closerValid = neighbor->closerValid;
	LWLockRelease(&rec->lock);
}

/*
 * HnswSharedAddCounts - adds a participant's tuples to the totals; returns
 * the values inserted by all participants so far (for progress reports).
 */
int64
HnswSharedAddCounts(HnswSharedGraph *sg, int64 reltuples, int64 indtuples)
{
	pg_atomic_fetch_add_u64(&sg->shared->reltuples, (uint64) reltuples);
	return (int64) (pg_atomic_fetch_add_u64(&sg->shared->indtuples, (uint64) indtuples) +
					(uint64) indtuples);
}

/*
 * HnswSharedLoadAll - the leader, once every participant is done: makes a
 * local view of every element (ids 0 .. n - 1, the graph's nelements
 * becoming n), sets the entry point, and returns n.
 */
int64
HnswSharedLoadAll(HnswSharedGraph *sg, uint64 *entryId, int *entryLevel)
{
	int64		n = (int64) sg->shared->nelements;

	for (int64 id = 0; id < n; id++)
	{
		(void) Materialize(sg, (uint64) id);
		CHECK_FOR_INTERRUPTS();
	}
	sg->graph->nelements = n;
	*entryId = sg->shared->entryId;
	*entryLevel = sg->shared->entryLevel;
	return n;
}

/* HnswSharedBeginScan - this participant's part of the parallel heap scan. */
TableScanDesc
HnswSharedBeginScan(HnswSharedGraph *sg, Relation heap)
{
	return table_beginscan_parallel(heap, sg->pscan);
}

/* ----------------------------------------------------------------
 *		The parallel context
 * ----------------------------------------------------------------
 */

/*
 * HnswBeginParallel - sets up a parallel build with up to nworkers workers
 * and launches them; the leader's handle, or NULL when no worker could be
 * launched (the caller then builds serially; nothing is left behind).
 * The workers start scanning at once; the leader joins with
 * HnswBuildParticipate on HnswParallelLeaderGraph.
 */
HnswParallelBuild *
HnswBeginParallel(Relation heap, Relation index, IndexInfo *indexInfo, int nworkers,
				  Size memoryLimit)
{
	HnswParallelBuild *pb = palloc0(sizeof(HnswParallelBuild));
	ParallelContext *pcxt;
	Size		scansize;
	HnswShared *shared;
	void	   *place;

	if (hnsw_build_tranche == 0)
		hnsw_build_tranche = LWLockNewTrancheId();
	LWLockRegisterTranche(hnsw_build_tranche, HNSW_TRANCHE_NAME);

	EnterParallelMode();
	pcxt = CreateParallelContext(EP_VECTORSTORE_LIBRARY, "ep_hnsw_parallel_build_main",
								 nworkers);
	pb->pcxt = pcxt;
	pb->snapshot = indexInfo->ii_Concurrent ?
		RegisterSnapshot(GetTransactionSnapshot()) : SnapshotAny;
	scansize = table_parallelscan_estimate(heap, pb->snapshot);
	shm_toc_estimate_chunk(&pcxt->estimator, sizeof(HnswShared));
	shm_toc_estimate_chunk(&pcxt->estimator, dsa_minimum_size());
	shm_toc_estimate_chunk(&pcxt->estimator, scansize);
	shm_toc_estimate_keys(&pcxt->estimator, 3);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no shared memory for it: build serially */
		HnswEndParallel(pb);
		return NULL;
	}

	shared = shm_toc_allocate(pcxt->toc, sizeof(HnswShared));
	memset(shared, 0, sizeof(HnswShared));
	shared->heaprelid = RelationGetRelid(heap);
	shared->indexrelid = RelationGetRelid(index);
	shared->isconcurrent = indexInfo->ii_Concurrent;
	shared->tranche = hnsw_build_tranche;
	LWLockInitialize(&shared->graphLock, hnsw_build_tranche);
	shared->entryId = HNSW_INVALID_ID;
	shared->entryLevel = -1;
	pg_atomic_init_u32(&shared->full, 0);
	pg_atomic_init_u64(&shared->reltuples, 0);
	pg_atomic_init_u64(&shared->indtuples, 0);
	for (int i = 0; i < HNSW_DIR_CHUNKS; i++)
		shared->dir[i] = InvalidDsaPointer;
	shm_toc_insert(pcxt->toc, HNSW_KEY_SHARED, shared);

	place = shm_toc_allocate(pcxt->toc, dsa_minimum_size());
	pb->sg.area = dsa_create_in_place(place, dsa_minimum_size(), hnsw_build_tranche, pcxt->seg);
	dsa_set_size_limit(pb->sg.area, memoryLimit);
	shm_toc_insert(pcxt->toc, HNSW_KEY_AREA, place);

	pb->sg.pscan = shm_toc_allocate(pcxt->toc, scansize);
	table_parallelscan_initialize(heap, pb->sg.pscan, pb->snapshot);
	shm_toc_insert(pcxt->toc, HNSW_KEY_SCAN, pb->sg.pscan);
	pb->sg.shared = shared;

	LaunchParallelWorkers(pcxt);
	if (pcxt->nworkers_launched == 0)
	{
		HnswEndParallel(pb);
		return NULL;
	}
	/* so that a worker that fails to start cannot make the leader wait forever */
	WaitForParallelWorkersToAttach(pcxt);
	return pb;
}

/* HnswParallelLeaderGraph - the leader's attachment to the shared graph. */
HnswSharedGraph *
HnswParallelLeaderGraph(HnswParallelBuild *pb)
{
	return &pb->sg;
}

/*
 * HnswFinishParallel - waits for the workers; false when the area filled
 * up (the graph is incomplete), else true with the totals of tuples.
 */
bool
HnswFinishParallel(HnswParallelBuild *pb, double *reltuples, double *indtuples)
{
	WaitForParallelWorkersToFinish(pb->pcxt);
	*reltuples = (double) pg_atomic_read_u64(&pb->sg.shared->reltuples);
	*indtuples = (double) pg_atomic_read_u64(&pb->sg.shared->indtuples);
	return !HnswSharedFull(&pb->sg);
}

/*
 * HnswEndParallel - frees the area and the parallel context and leaves
 * parallel mode.  The local views made from the area must not be used
 * afterwards.
 */
void
HnswEndParallel(HnswParallelBuild *pb)
{
	if (pb->sg.area != NULL)
		dsa_detach(pb->sg.area);
	if (IsMVCCSnapshot(pb->snapshot))
		UnregisterSnapshot(pb->snapshot);
	DestroyParallelContext(pb->pcxt);
	ExitParallelMode();
	pfree(pb);
}

PGDLLEXPORT void ep_hnsw_parallel_build_main(dsm_segment *seg, shm_toc *toc);

/*
 * ep_hnsw_parallel_build_main - a worker of a parallel build: opens the
 * relations with the locks the leader holds (granted: the worker is in
 * its lock group), attaches to the area and inserts its share of the
 * heap's tuples into the shared graph.
 */
void
ep_hnsw_parallel_build_main(dsm_segment *seg, shm_toc *toc)
{
	HnswShared *shared = shm_toc_lookup(toc, HNSW_KEY_SHARED, false);
	HnswSharedGraph sg;
	Relation	heap;
	Relation	index;
	IndexInfo  *indexInfo;
	LOCKMODE	heapLockmode = shared->isconcurrent ? ShareUpdateExclusiveLock : ShareLock;
	LOCKMODE	indexLockmode = shared->isconcurrent ? RowExclusiveLock : AccessExclusiveLock;

	LWLockRegisterTranche(shared->tranche, HNSW_TRANCHE_NAME);
	heap = table_open(shared->heaprelid, heapLockmode);
	index = index_open(shared->indexrelid, indexLockmode);
	indexInfo = BuildIndexInfo(index);
	indexInfo->ii_Concurrent = shared->isconcurrent;

	memset(&sg, 0, sizeof(sg));
	sg.shared = shared;
	sg.area = dsa_attach_in_place(shm_toc_lookup(toc, HNSW_KEY_AREA, false), seg);
	sg.pscan = shm_toc_lookup(toc, HNSW_KEY_SCAN, false);
	HnswBuildParticipate(heap, index, indexInfo, &sg, false);
	dsa_detach(sg.area);

	index_close(index, indexLockmode);
	table_close(heap, heapLockmode);
}
