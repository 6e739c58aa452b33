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

/*
 * The type of the indexed values, and so of the centroids (IvfMetaPageData
 * keytype, on disk): vector, halfvec (centroids computed in float4, stored
 * rounded to float16) or bit (centroids are bit strings: each bit the
 * majority of its cluster's bits).  Chosen by the operator class's
 * distance function (IvfKeyTypeOf).
 */
typedef enum IvfKeyType
{
	IVF_KEY_VECTOR = 0,			/* vector_l2_ops, vector_ip_ops, vector_cosine_ops */
	IVF_KEY_HALFVEC = 1,		/* halfvec_l2_ops, halfvec_ip_ops, halfvec_cosine_ops */
	IVF_KEY_BIT = 2				/* bit_hamming_ops */
} IvfKeyType;

#define IVF_KEY_TYPES 3

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
	uint32		keytype;		/* IvfKeyType of the values and centroids */
} IvfMetaPageData;

typedef IvfMetaPageData *IvfMetaPage;

StaticAssertDecl(sizeof(IvfMetaPageData) == 24,
				 "IvfMetaPageData must have no padding");

#define IvfPageGetMeta(page) ((IvfMetaPage) PageGetContents(page))

/*
 * List tuple: this header, then the centroid as an uncompressed value of
 * the key type (vector, halfvec or bit) with a 4-byte varlena header.  An empty list has no posting page
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
					  bool spherical, bool binary, float *centroids);

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
extern void IvfInitMetaPage(Page page, IvfKeyType keytype, uint32 dims, uint32 lists,
							uint32 nlistpages);
extern IvfKeyType IvfKeyTypeOf(Relation index);
extern Size IvfKeySize(IvfKeyType keytype, uint32 dims);
extern uint32 IvfMaxDims(IvfKeyType keytype);
extern uint32 IvfCheckDims(IvfKeyType keytype, int32 typmod);
extern void IvfCheckValue(IvfKeyType keytype, Datum value, uint32 dims);
extern void IvfValueToFloats(IvfKeyType keytype, Datum value, uint32 dims, float *out);
extern struct varlena *IvfCentroidFromFloats(IvfKeyType keytype, const float *c,
											 uint32 dims);
extern void IvfCheckPage(Relation index, Page page, BlockNumber blkno, uint16 flags);
extern IvfMetaPageData IvfReadMeta(Relation index);
extern IvfListTuple IvfCheckListTuple(Relation index, Page page, BlockNumber blkno,
									  OffsetNumber offno, const IvfMetaPageData *meta);
extern IndexTuple IvfCheckPostingTuple(Relation index, Page page, BlockNumber blkno,
									   OffsetNumber offno);
extern void IvfInitDistance(HnswGraph *dist, Relation index);
extern IvfListRef *IvfReadLists(Relation index, const IvfMetaPageData *meta,
								HnswGraph *dist, Datum value);
extern void IvfSortLists(IvfListRef *lists, int nlists);
extern IndexTuple IvfFormTuple(Relation index, Datum value, ItemPointer heaptid);

#endif							/* EPIPHANY_IVF_H */
