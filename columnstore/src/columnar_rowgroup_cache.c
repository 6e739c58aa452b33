/*-------------------------------------------------------------------------
 *
 * columnar_rowgroup_cache.c
 *	  A per-backend cache of row groups with their chunks' metadata, so that
 *	  an index fetch or a scan does not read hundreds of chunk rows of the
 *	  catalog every time it starts.
 *
 *	  Invariants: a row group never changes once written, and its row
 *	  numbers are never handed out again, so an entry is valid for as long as
 *	  the row_group catalog row that a snapshot finds is the one the entry
 *	  was read from: same catalog TID, same inserting transaction.  Moving a
 *	  storage rewrites its catalog rows, so it never matches an old entry.
 *	  Only row groups read under an MVCC snapshot are cached, and only while
 *	  the cache is within its budget; they are read into the cache's own
 *	  context, so caching one copies nothing.  Reads use entries in place, so entries
 *	  are freed only between transactions, when the cache has outgrown its
 *	  budget: no read outlives its transaction.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_rowgroup_cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/transam.h"
#include "access/xact.h"
#include "columnar.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

/* Memory the cache may hold; past it, new row groups are not cached. */
#define ROW_GROUP_CACHE_BYTES	((Size) 16 * 1024 * 1024)

typedef struct RowGroupCacheKey
{
	Oid			storage_id;
	uint64		first_row;
} RowGroupCacheKey;

typedef struct RowGroupCacheEntry
{
	RowGroupCacheKey key;
	ColumnarRowGroup *rg;		/* in RowGroupCacheContext */
} RowGroupCacheEntry;

static HTAB *RowGroupCache = NULL;
static MemoryContext RowGroupCacheContext = NULL;

/* Between transactions: forget everything if the cache grew too large. */
static void
TrimRowGroupCache(XactEvent event, void *arg)
{
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	if (RowGroupCache == NULL ||
		MemoryContextMemAllocated(RowGroupCacheContext, true) <= ROW_GROUP_CACHE_BYTES)
		return;
	MemoryContextReset(RowGroupCacheContext);
	RowGroupCache = NULL;		/* it lived in the context */
}

static void
InitRowGroupCache(void)
{
	HASHCTL		ctl;

	if (RowGroupCacheContext == NULL)
	{
		RowGroupCacheContext = AllocSetContextCreate(TopMemoryContext,
													 "columnar row group cache",
													 ALLOCSET_DEFAULT_SIZES);
		RegisterXactCallback(TrimRowGroupCache, NULL);
	}
	ctl.keysize = sizeof(RowGroupCacheKey);
	ctl.entrysize = sizeof(RowGroupCacheEntry);
	ctl.hcxt = RowGroupCacheContext;
	RowGroupCache = hash_create("columnar row group cache", 256, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static void
InitKey(RowGroupCacheKey *key, Oid storage_id, uint64 first_row)
{
	memset(key, 0, sizeof(RowGroupCacheKey));
	key->storage_id = storage_id;
	key->first_row = first_row;
}

/*
 * ColumnarCachedRowGroup - the cached row group of "storage_id" read from
 * the catalog row that "rg" identifies (first_row, catalog_xmin,
 * catalog_tid) with as many columns; NULL when there is none.  The result
 * must not be changed.
 */
ColumnarRowGroup *
ColumnarCachedRowGroup(Oid storage_id, const ColumnarRowGroup *rg)
{
	RowGroupCacheKey key;
	RowGroupCacheEntry *entry;

	if (RowGroupCache == NULL)
		return NULL;
	InitKey(&key, storage_id, rg->first_row);
	entry = hash_search(RowGroupCache, &key, HASH_FIND, NULL);
	if (entry == NULL ||
		!TransactionIdEquals(entry->rg->catalog_xmin, rg->catalog_xmin) ||
		!ItemPointerEquals(&entry->rg->catalog_tid, (ItemPointer) &rg->catalog_tid) ||
		entry->rg->natts != rg->natts)
		return NULL;
	return entry->rg;
}

/*
 * ColumnarRowGroupCacheSpace - the context in which to build row groups
 * for ColumnarAdoptRowGroup, or NULL when the cache is full.
 */
MemoryContext
ColumnarRowGroupCacheSpace(void)
{
	if (RowGroupCache == NULL)
		InitRowGroupCache();
	if (MemoryContextMemAllocated(RowGroupCacheContext, true) > ROW_GROUP_CACHE_BYTES)
		return NULL;
	return RowGroupCacheContext;
}

/* ColumnarRowGroupIsInCache - whether "rg" was built in the cache's context. */
bool
ColumnarRowGroupIsInCache(ColumnarRowGroup *rg)
{
	return RowGroupCacheContext != NULL && GetMemoryChunkContext(rg) == RowGroupCacheContext;
}

/*
 * ColumnarAdoptRowGroup - remember "rg", built in the context
 * ColumnarRowGroupCacheSpace gave in this transaction, complete with its
 * chunks' metadata as an MVCC snapshot read them.  An entry of the same row
 * group that no longer matches (another catalog row, another number of
 * columns) is replaced, but its memory is kept until the cache is trimmed:
 * reads of this transaction may still use it.
 */
void
ColumnarAdoptRowGroup(Oid storage_id, ColumnarRowGroup *rg)
{
	RowGroupCacheKey key;
	RowGroupCacheEntry *entry;

	Assert(RowGroupCache != NULL && ColumnarRowGroupIsInCache(rg));
	InitKey(&key, storage_id, rg->first_row);
	entry = hash_search(RowGroupCache, &key, HASH_ENTER, NULL);
	entry->rg = rg;
}
