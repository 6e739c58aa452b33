/*-------------------------------------------------------------------------
 *
 * ivf.h
 *	  The ivfflat index access method: on-disk page and tuple layouts,
 *	  limits, and the prototypes the ivf*.c files share.  Included only by
 *	  vectorstore/src/ivf*.c and vectorstore.c (for IvfInit).
 *
 *	  The format is drawn in README.md ("ivfflat index").  Block 0 is the
 *	  metapage; blocks 1 .. nlistpages hold list tuples (a centroid and the
 *	  first and last page of its posting chain); every other block is a
 *	  posting page of exactly one list, holding index tuples (heap TID +
 *	  value) and the next page of the chain in its special space.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/ivf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_IVF_H
#define EPIPHANY_IVF_H

#include "access/amapi.h"
#include "access/itup.h"
#include "hnsw.h"
#include "nodes/pathnodes.h"
#include "storage/bufpage.h"
#include "utils/relcache.h"

/* Support procedures: those of hnsw (distance 1, optional norm 2). */
#define IVF_DISTANCE_PROC HNSW_DISTANCE_PROC
#define IVF_NORM_PROC HNSW_NORM_PROC
#define IVF_NPROC 2
#define IVF_ORDER_STRATEGY EP_INDEX_ORDER_STRATEGY

/* Reserved block numbers. */
#define IVF_METAPAGE_BLKNO 0
#define IVF_FIRST_LIST_BLKNO 1

/* Format identification. */
#define IVF_MAGIC 0x45504946	/* "EPIF" */
#define IVF_FORMAT_VERSION 1
#define IVF_PAGE_ID 0xFF9F		/* last two bytes of every ivfflat page */
#define IVF_LIST_TUPLE_TYPE 0xE2

/* Page flags (IvfPageOpaqueData.flags). */
#define IVF_PAGE_META 0x0001
#define IVF_PAGE_LIST 0x0002
#define IVF_PAGE_POSTING 0x0004

/* Options and settings: MIN, DEFAULT and MAX of each. */
#define IVF_MIN_LISTS 1
#define IVF_DEFAULT_LISTS 100
#define IVF_MAX_LISTS 32768
#define IVF_MIN_PROBES 1
#define IVF_DEFAULT_PROBES 1
#define IVF_MAX_PROBES 32768

/* Build: rows sampled per list, k-means iterations, generator seed. */
#define IVF_SAMPLES_PER_LIST 50
#define IVF_KMEANS_MAX_ITERATIONS 10
#define IVF_KMEANS_SEED UINT64CONST(0x45504946)

/* Build phases in pg_stat_progress_create_index; names in ivfbuildphasename. */
#define IVF_PHASE_KMEANS 2
#define IVF_PHASE_LOAD 3

/*
 * Special space of every page.  nextblkno links a list's posting pages
 * (InvalidBlockNumber on the last one and on other pages); page_id sits in
 * the page's last two bytes.
 */
typedef struct IvfPageOpaqueData
{
	BlockNumber nextblkno;		/* next posting page of the same list */
	uint16		flags;			/* IVF_PAGE_* */
	uint16		page_id;		/* IVF_PAGE_ID */
} IvfPageOpaqueData;

typedef IvfPageOpaqueData *IvfPageOpaque;

StaticAssertDecl(sizeof(IvfPageOpaqueData) == 8,
				 "IvfPageOpaqueData must have no padding");

#define IvfPageGetOpaque(page) ((IvfPageOpaque) PageGetSpecialPointer(page))

/* The metapage's contents, right after the page header (pd_lower past it). */
typedef struct IvfMetaPageData
{
	uint32		magic;			/* IVF_MAGIC */
	uint32		version;		/* IVF_FORMAT_VERSION */
	uint32		dims;			/* typmod of the indexed column */
	uint32		lists;			/* number of lists, 1..IVF_MAX_LISTS */
	uint32		nlistpages;		/* list pages, blocks 1..nlistpages */
	uint32		unused;			/* zero; reserved */
} IvfMetaPageData;

typedef IvfMetaPageData *IvfMetaPage;

StaticAssertDecl(sizeof(IvfMetaPageData) == 24,
				 "IvfMetaPageData must have no padding");

#define IvfPageGetMeta(page) ((IvfMetaPage) PageGetContents(page))

/*
 * List tuple: this header, then the centroid as an uncompressed vector
 * with a 4-byte varlena header.  An empty list has no posting page
 * (both block numbers invalid).
 */
typedef struct IvfListTupleData
{
	uint8		type;			/* IVF_LIST_TUPLE_TYPE */
	uint8		unused1;		/* zero; reserved */
	uint16		unused2;		/* zero; reserved */
	BlockNumber startBlkno;		/* first posting page, or invalid */
	BlockNumber insertBlkno;	/* last posting page, or invalid */
	uint32		unused3;		/* zero; reserved */
} IvfListTupleData;

typedef IvfListTupleData *IvfListTuple;

StaticAssertDecl(sizeof(IvfListTupleData) == 16,
				 "IvfListTupleData must have no padding");

#define IvfListCentroid(tup) \
	((struct varlena *) ((char *) (tup) + sizeof(IvfListTupleData)))

/* Where a list tuple lives, and a copy of its chain ends. */
typedef struct IvfListRef
{
	BlockNumber blkno;			/* list page */
	OffsetNumber offno;			/* line pointer on it */
	BlockNumber startBlkno;
	BlockNumber insertBlkno;
	double		distance;		/* to the value being placed or searched */
} IvfListRef;

/* Options, as build_reloptions fills them. */
typedef struct IvfOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int			lists;
} IvfOptions;

/* ivfflat.c: handler, options, settings */
extern int	ivfflat_probes;
extern int	ivfflat_iterative_scan;	/* IVF_ITERATIVE_SCAN_* */
extern int	ivfflat_max_probes;

/* ivfflat.iterative_scan: pgvector's values (relaxed order only). */
#define IVF_ITERATIVE_SCAN_OFF 0
#define IVF_ITERATIVE_SCAN_RELAXED 1
extern void IvfInit(void);
extern int	IvfGetLists(Relation index);

/* ivfbuild.c */
extern IndexBuildResult *ivfbuild(Relation heap, Relation index, IndexInfo *indexInfo);
extern void ivfbuildempty(Relation index);
extern char *ivfbuildphasename(int64 phasenum);

/* ivfkmeans.c */
extern void IvfKmeans(float *samples, int nsamples, int dims, int k,
					  bool spherical, float *centroids);

/* ivfinsert.c */
extern bool ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
					  Relation heap, IndexUniqueCheck checkUnique,
					  bool indexUnchanged, IndexInfo *indexInfo);

/* ivfscan.c */
extern IndexScanDesc ivfbeginscan(Relation index, int nkeys, int norderbys);
extern void ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					  ScanKey orderbys, int norderbys);
extern bool ivfgettuple(IndexScanDesc scan, ScanDirection dir);
extern void ivfendscan(IndexScanDesc scan);

/* ivfvacuum.c */
extern IndexBulkDeleteResult *ivfbulkdelete(IndexVacuumInfo *info,
											IndexBulkDeleteResult *stats,
											IndexBulkDeleteCallback callback,
											void *callback_state);
extern IndexBulkDeleteResult *ivfvacuumcleanup(IndexVacuumInfo *info,
											   IndexBulkDeleteResult *stats);

/* ivfutils.c */
extern void IvfInitPage(Page page, uint16 flags);
extern void IvfInitMetaPage(Page page, uint32 dims, uint32 lists, uint32 nlistpages);
extern void IvfCheckPage(Relation index, Page page, BlockNumber blkno, uint16 flags);
extern IvfMetaPageData IvfReadMeta(Relation index);
extern IvfListTuple IvfCheckListTuple(Relation index, Page page, BlockNumber blkno,
									  OffsetNumber offno, uint32 dims);
extern IndexTuple IvfCheckPostingTuple(Relation index, Page page, BlockNumber blkno,
									   OffsetNumber offno);
extern void IvfInitDistance(HnswGraph *dist, Relation index);
extern IvfListRef *IvfReadLists(Relation index, const IvfMetaPageData *meta,
								HnswGraph *dist, Datum value);
extern void IvfSortLists(IvfListRef *lists, int nlists);
extern IndexTuple IvfFormTuple(Relation index, Datum value, ItemPointer heaptid);

#endif							/* EPIPHANY_IVF_H */
