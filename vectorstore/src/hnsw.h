/*-------------------------------------------------------------------------
 *
 * hnsw.h
 *	  The hnsw index access method: on-disk page and tuple layouts, limits,
 *	  the in-memory element and graph used by build, insert, scan and
 *	  vacuum, and the prototypes the hnsw*.c files share.  Included only by
 *	  vectorstore/src/hnsw*.c and vectorstore.c (for HnswInit).
 *
 *	  The format is drawn byte by byte in README.md ("hnsw index").  Block 0
 *	  is the metapage; every other block is an element page holding element
 *	  tuples.  An element tuple carries the heap TID, the level, the
 *	  neighbour lists of every level and the indexed value, so one graph hop
 *	  reads one tuple.  Tuples are never moved or removed once written:
 *	  their TIDs are the graph's node ids.  Neighbour lists are wide (a
 *	  6-byte TID per slot) or, in quantized indexes of format version 3
 *	  and 4, compact (delta-coded, hnswlist.c).  In format 4 an element
 *	  tuple of a quantized index stores its value's code or, when a code
 *	  would misplace it (hnswquant.c), the exact value as a float4 vector.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnsw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_HNSW_H
#define EPIPHANY_HNSW_H

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/tableam.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "storage/bufpage.h"
#include "storage/itemptr.h"
#include "utils/hsearch.h"
#include "utils/relcache.h"
#include "vectorstore.h"

/* Support procedures of an hnsw operator class. */
#define HNSW_DISTANCE_PROC EP_INDEX_DISTANCE_PROC	/* see vectorstore.h */
#define HNSW_NORM_PROC EP_INDEX_NORM_PROC
#define HNSW_NPROC 2

/* hnsw.iterative_scan: what a scan does once its candidates run out. */
typedef enum HnswIterativeScan
{
	HNSW_ITERATIVE_SCAN_OFF,	/* stop: at most ef_search rows */
	HNSW_ITERATIVE_SCAN_RELAXED,	/* search wider, return new rows */
	HNSW_ITERATIVE_SCAN_STRICT	/* same, never returning a row closer than one
								 * already returned */
} HnswIterativeScan;

#define HNSW_DEFAULT_MAX_SCAN_TUPLES 20000

/* The one ordering strategy of every hnsw operator class. */
#define HNSW_ORDER_STRATEGY EP_INDEX_ORDER_STRATEGY

/* Reserved block numbers. */
#define HNSW_METAPAGE_BLKNO 0
#define HNSW_FIRST_ELEMENT_BLKNO 1	/* the first block after the metapage: an
									 * element page, or a range page of a
									 * quantized index (HnswIsElementPage) */

/* Format identification. */
#define HNSW_MAGIC 0x45504857	/* "EPHW" */
#define HNSW_FORMAT_VERSION 1	/* values stored as given */
#define HNSW_FORMAT_VERSION_QUANTIZED 2 /* values stored as codes */
#define HNSW_FORMAT_VERSION_COMPACT 3	/* codes, compact neighbour lists */
#define HNSW_FORMAT_VERSION_EXACT 4 /* 3, plus exact values in place of codes
									 * that would be clamped, and ranges set
									 * from a sample (hnswquant.c) */
#define HNSW_PAGE_ID 0xFF9E		/* last two bytes of every hnsw page */
#define HNSW_ELEMENT_TUPLE_TYPE 0xE1	/* wide neighbour lists */
#define HNSW_COMPACT_TUPLE_TYPE 0xE2	/* compact neighbour lists */

/*
 * A compact neighbour list of capacity c takes 1 + ceil(9 * c / 4) bytes
 * (2.25 bytes a neighbour); its entries pack a line pointer number into
 * the low offsetBits bits (at most HNSW_MAX_OFFSET_BITS) of a varint.
 */
#define HNSW_MAX_OFFSET_BITS 8

/* Page flags (HnswPageOpaqueData.flags). */
#define HNSW_PAGE_META 0x0001
#define HNSW_PAGE_ELEMENT 0x0002
#define HNSW_PAGE_RANGE 0x0004	/* a quantized index's per-dimension ranges */

/* Largest sq8 code. */
#define HNSW_SQ8_MAX_CODE 255

/*
 * Option quantization: what an element tuple stores in place of the value
 * (hnswquant.c).  The values are the metapage's quantization field.
 */
typedef enum HnswQuantization
{
	HNSW_QUANT_NONE = 0,		/* the value itself */
	HNSW_QUANT_SQ8 = 1,			/* one byte per dimension */
	HNSW_QUANT_BINARY = 2		/* one bit per dimension */
} HnswQuantization;

/* Metapage quantFlags: the range pages are written (rangeBlkno). */
#define HNSW_QUANT_READY 0x01

/*
 * Format 4: an index built without values stores its first
 * HNSW_QUANT_SAMPLE_SIZE elements exact, then sets its ranges from them
 * (hnswinsert.c); from then on an sq8 value that lies more than
 * HNSW_SQ8_CLAMP_STEPS steps outside the range of any dimension, or a
 * binary one more than HNSW_BINARY_FAR_OFFSETS offsets from the threshold
 * of any, is stored exact as well (HnswQuantStoresExact).
 */
#define HNSW_QUANT_SAMPLE_SIZE 256
#define HNSW_SQ8_CLAMP_STEPS 4
#define HNSW_BINARY_FAR_OFFSETS 8

/* Options and settings: MIN, DEFAULT and MAX of each. */
#define HNSW_MIN_M 2
#define HNSW_DEFAULT_M 16
#define HNSW_MAX_M 100
#define HNSW_MIN_EF_CONSTRUCTION 4
#define HNSW_DEFAULT_EF_CONSTRUCTION 64
#define HNSW_MAX_EF_CONSTRUCTION 1000
#define HNSW_MIN_EF_SEARCH 1
#define HNSW_DEFAULT_EF_SEARCH 40
#define HNSW_MAX_EF_SEARCH 1000
#define HNSW_MIN_RERANK 1
#define HNSW_DEFAULT_RERANK 40
#define HNSW_MAX_RERANK 10000

/*
 * Levels: an element's level is floor(-ln(U) / ln(m)), U a hash of its heap
 * TID (HnswLevelFor), capped
 * so that the neighbour slots of the top level never take more than
 * HNSW_SLOT_BUDGET slots (6 bytes each), leaving the rest of the page to
 * the value.  For m = 16 the cap is HNSW_MAX_LEVEL.
 */
#define HNSW_MAX_LEVEL 16
#define HNSW_SLOT_BUDGET 512
/* Seed of the hash that draws an element's level from its heap TID. */
#define HNSW_LEVEL_SEED UINT64CONST(0x45504857)

/*
 * Build phases reported in pg_stat_progress_create_index (after
 * PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE, 1); names in hnswbuildphasename.
 */
#define HNSW_PHASE_LOAD 2
#define HNSW_PHASE_WRITE 3

/* A hint to load an address into the cache; nothing where unsupported. */
#if defined(__GNUC__)
#define HnswPrefetch(addr) __builtin_prefetch(addr)
#else
#define HnswPrefetch(addr) ((void) (addr))
#endif

/* Node ids: an element's TID on disk, its array index during a build. */
#define HNSW_INVALID_ID PG_UINT64_MAX
#define HnswTidToId(blkno, offno) (((uint64) (blkno) << 16) | (uint64) (offno))
#define HnswIdGetBlkno(id) ((BlockNumber) ((id) >> 16))
#define HnswIdGetOffno(id) ((OffsetNumber) ((id) & 0xFFFF))

/*
 * Special space of every page.  page_id sits in the page's last two bytes
 * so that page-inspection tools can tell hnsw pages from other indexes'.
 */
typedef struct HnswPageOpaqueData
{
	uint16		flags;			/* HNSW_PAGE_META or HNSW_PAGE_ELEMENT */
	uint16		unused1;		/* zero; reserved */
	uint16		unused2;		/* zero; reserved */
	uint16		page_id;		/* HNSW_PAGE_ID */
} HnswPageOpaqueData;

typedef HnswPageOpaqueData *HnswPageOpaque;

StaticAssertDecl(sizeof(HnswPageOpaqueData) == 8,
				 "HnswPageOpaqueData must have no padding");

#define HnswPageGetOpaque(page) ((HnswPageOpaque) PageGetSpecialPointer(page))

/*
 * The metapage's contents, right after the page header.  pd_lower points
 * past it so that GenericXLog and full-page images keep it.  A version 1
 * metapage (written before quantization existed, or by an unquantized
 * index) is read as quantization none; versions 2 to 4 are quantized
 * indexes.  In version 4 the range pages are always blocks 1.. (reserved
 * by the build, written in place once the ranges are set), so that a
 * reader that meets a code before it knew the ranges can read them
 * without the metapage.
 */
typedef struct HnswMetaPageData
{
	uint32		magic;			/* HNSW_MAGIC */
	uint32		version;		/* HNSW_FORMAT_VERSION */
	uint32		dims;			/* typmod of the indexed column */
	uint16		m;				/* option m */
	uint16		efConstruction; /* option ef_construction */
	BlockNumber entryBlkno;		/* entry point, or InvalidBlockNumber */
	OffsetNumber entryOffno;	/* entry point's line pointer */
	int16		entryLevel;		/* entry point's level, -1 when empty */
	uint8		quantization;	/* HnswQuantization; 0 in version 1 */
	uint8		quantFlags;		/* HNSW_QUANT_READY */
	uint16		rangePages;		/* range pages, once ready */
	BlockNumber rangeBlkno;		/* the first, once ready; they follow it
								 * (version 4: always, from block 1) */
	uint32		pendingCount;	/* version 4 without ranges: elements
								 * inserted so far, toward
								 * HNSW_QUANT_SAMPLE_SIZE; else zero */
} HnswMetaPageData;

typedef HnswMetaPageData *HnswMetaPage;

StaticAssertDecl(sizeof(HnswMetaPageData) == 36,
				 "HnswMetaPageData must have no padding");

#define HnswPageGetMeta(page) ((HnswMetaPage) PageGetContents(page))

/*
 * The range of one dimension of a quantized index.  Range pages hold
 * them in dimension order right after the page header, HNSW_RANGES_PER_PAGE
 * to a page (the last one fewer), pd_lower past the last.
 */
typedef struct HnswRangeData
{
	float4		lo;				/* sq8: value of code 0; binary: threshold */
	float4		step;			/* sq8: value per code step; binary: offset */
} HnswRangeData;

StaticAssertDecl(sizeof(HnswRangeData) == 8, "HnswRangeData must have no padding");

#define HNSW_RANGES_PER_PAGE \
	((BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - MAXALIGN(sizeof(HnswPageOpaqueData))) / \
	 sizeof(HnswRangeData))
#define HnswRangePageCount(dims) \
	(((dims) + HNSW_RANGES_PER_PAGE - 1) / HNSW_RANGES_PER_PAGE)

/*
 * Element tuple: this header, then the neighbour lists of levels 0 (2 * m
 * slots) and 1..level (m slots each), then the indexed value (or code) as
 * an uncompressed varlena with a 4-byte header.  Wide tuples
 * (HNSW_ELEMENT_TUPLE_TYPE) have nslots neighbour TIDs, an invalid one
 * being a free slot, and the value at the next MAXALIGN boundary; compact
 * ones (HNSW_COMPACT_TUPLE_TYPE) have one area of HnswCompactListBytes per
 * level and the value at the next INTALIGN boundary (hnswlist.c).
 */
typedef struct HnswElementTupleData
{
	uint8		type;			/* HNSW_ELEMENT_TUPLE_TYPE */
	uint8		level;			/* 0..HnswMaxLevel(m) */
	uint8		deleted;		/* 1 once vacuum removed its heap tuple */
	uint8		offsetBits;		/* compact tuples: see HnswCompactOffsetBits;
								 * zero in wide ones */
	ItemPointerData heaptid;	/* the heap tuple; invalid when deleted */
	uint16		nslots;			/* HnswSlotCount(level, m) */
	uint32		unused2;		/* zero; reserved */
} HnswElementTupleData;

typedef HnswElementTupleData *HnswElementTuple;

StaticAssertDecl(sizeof(HnswElementTupleData) == 16,
				 "HnswElementTupleData must have no padding");
StaticAssertDecl(sizeof(ItemPointerData) == 6,
				 "neighbour slots are 6 bytes");

#define HnswTupleSlots(tup) \
	((ItemPointerData *) ((char *) (tup) + sizeof(HnswElementTupleData)))
#define HnswTupleValueOffset(nslots) \
	MAXALIGN(sizeof(HnswElementTupleData) + sizeof(ItemPointerData) * (nslots))

/* Largest element tuple a page can hold. */
#define HNSW_MAX_TUPLE_SIZE \
	MAXALIGN_DOWN(BLCKSZ - MAXALIGN(SizeOfPageHeaderData + sizeof(ItemIdData)) - \
				  MAXALIGN(sizeof(HnswPageOpaqueData)))

/* Options, as build_reloptions fills them. */
typedef struct HnswOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int			m;
	int			efConstruction;
	int			quantization;	/* HnswQuantization */
} HnswOptions;

/*
 * An element in memory.  During a build it is the graph's node itself and
 * its slots hold array indexes; elsewhere it is a copy of an element tuple
 * and its slots hold packed TIDs.  slots has HnswSlotCount(level, m)
 * entries; HNSW_INVALID_ID marks a free one.
 */
typedef struct HnswElementData
{
	uint64		id;				/* node id, HNSW_INVALID_ID until placed */
	ItemPointerData heaptid;	/* heap tuple */
	int			level;			/* top level of the element */
	bool		deleted;		/* vacuum removed its heap tuple */
	Datum		value;			/* detoasted varlena, owned by the graph */
	uint64	   *slots;			/* neighbour ids, level 0 first */
	/* in-memory build only (NULL and 0 elsewhere), parallel to slots: */
	double	   *dists;			/* distance to each neighbour */
	bool	   *closer;			/* heuristic verdict of each neighbour */
	uint32		closerValid;	/* bit per level: its list is sorted by
								 * (distance, id) and closer[] is valid */
} HnswElementData;

typedef HnswElementData *HnswElement;

/*
 * How a graph computes distances: through the operator class's procedure
 * (fmgr), or, when that procedure is one of ours with a kernel in
 * common/include/epiphany/simd.h, by calling the kernel directly on the
 * two values (same result, no fmgr call, no detoasting).
 */
typedef enum HnswDistanceKind
{
	HNSW_DISTANCE_FMGR = 0,
	HNSW_DISTANCE_VECTOR_L2,	/* vector_l2_squared_distance */
	HNSW_DISTANCE_VECTOR_IP,	/* vector_negative_inner_product */
	HNSW_DISTANCE_VECTOR_COSINE,	/* cosine_distance(vector, vector) */
	HNSW_DISTANCE_HALFVEC_L2,	/* halfvec_l2_squared_distance */
	HNSW_DISTANCE_VECTOR_L1		/* l1_distance(vector, vector) */
} HnswDistanceKind;

/*
 * How a quantized index turns values into codes and back (hnswquant.c).
 * Its graphs compute every distance on float4 vectors (EpVector): queries
 * and new values converted from the indexed type, stored codes decoded.
 * Each dimension i has its range (lo[i], step[i]): sq8: code c stands for
 * lo[i] + step[i] * c, c in 0..255, values outside the range clamped;
 * binary: bit 1 stands for lo[i] + step[i], bit 0 for lo[i] - step[i].
 * The ranges live on the index's range pages (HnswRangeData).
 */
typedef struct HnswQuantizer
{
	HnswQuantization kind;
	bool		compact;		/* element tuples with compact lists (format
								 * version 3 and 4; 2 has wide ones) */
	bool		exact;			/* format 4, and an exact value fits a tuple:
								 * tuples may store exact values
								 * (HnswQuantStoresExact) */
	HnswDistanceKind metric;	/* the float4 kernel of the class's distance */
	bool		halfvec;		/* indexed type halfvec (else vector) */
	int			dims;
	bool		ready;			/* lo and step are set */
	float4	   *lo;				/* per dimension, once ready */
	float4	   *step;			/* per dimension, once ready */
	BlockNumber rangeBlkno;		/* format 4: the reserved range pages, read
								 * when a code is met before ready */
	int			rangePages;
	MemoryContext cxt;			/* where lo and step are allocated */
} HnswQuantizer;

/* What a quantizer's ranges are set from (HnswQuantSetRange). */
typedef enum HnswRangeSource
{
	HNSW_RANGE_ALL,				/* every value the index holds (a build) */
	HNSW_RANGE_SAMPLE,			/* its first HNSW_QUANT_SAMPLE_SIZE values */
	HNSW_RANGE_FIRST			/* its first value only (formats 2 and 3, or
								 * too many dimensions for exact values) */
} HnswRangeSource;

/*
 * Running statistics of values, per dimension, from which a quantizer's
 * ranges are set.
 */
typedef struct HnswQuantStats
{
	int			dims;
	double	   *min;
	double	   *max;
	double	   *sum;
	double	   *sumsq;
	double		count;			/* values added */
} HnswQuantStats;

/*
 * What the search of an in-memory graph reads of a node, per id in one
 * array (HnswGraph.nodes): the value's and the slots' addresses and the
 * level without a load of the element first, so that the values of all
 * the nodes of a visit, and the next expansion's slots, can be prefetched
 * at once.
 */
typedef struct HnswNode
{
	const char *value;			/* the element's value */
	const uint64 *slots;		/* the element's slots */
	struct HnswElementData *element;
	int			level;
} HnswNode;

/*
 * A node reached by a search, with its distance to the query.  Every graph
 * fills id, distance, heaptid, deleted and level; element is the element
 * read (owned by the graph), or NULL in a page graph, which reads nodes in
 * place and keeps nothing of them (HnswInitPageGraph).
 */
typedef struct HnswCandidate
{
	uint64		id;
	double		distance;
	HnswElement element;		/* NULL in a page graph */
	ItemPointerData heaptid;	/* the element's heap tuple */
	bool		deleted;		/* vacuum removed its heap tuple */
	uint8		level;			/* the element's top level */
} HnswCandidate;

/*
 * Visited set of the layer searches of a disk graph: open addressing on
 * node ids with linear probing.  A slot holds a node id (48 bits: block
 * and offset) under the 16-bit epoch of the search that marked it; it
 * belongs to the current search when its epoch is the set's, so starting
 * a search costs one increment, not a clear (only when the epoch wraps).
 */
typedef struct HnswVisited
{
	uint64	   *slots;			/* power-of-two count, in the graph's cxt */
	uint32		mask;			/* slot count - 1 */
	uint32		count;			/* nodes marked in the current epoch */
	uint16		epoch;			/* current search; never 0 once started */
} HnswVisited;

/*
 * The graph as the search and neighbour-selection code sees it.
 *
 * visit reads n nodes and fills a candidate for each, with its distance
 * to query (it may reorder ids, and out follows the new order); neighbors writes the valid neighbour ids of a visited node at
 * one level and returns how many.  Element graphs implement both with get,
 * which returns the element of a node id: from the build's array, or read
 * from disk into the cache (one shared lock on one page at a time;
 * elements returned live in cxt until the caller deletes it).  The page
 * graph of a scan reads both straight from pinned, share-locked pages and
 * copies nothing but ids (its get and cache are NULL).
 */
typedef struct HnswGraph
{
	Relation	index;
	int			m;
	FmgrInfo   *distproc;
	Oid			collation;
	HnswDistanceKind distkind;	/* see HnswDistanceKindOf */
	HnswQuantizer *quant;		/* NULL unless the values are codes; may
								 * become ready while the graph is read */
	EpVector   *decoded;		/* page graph of a quantized index: a code
								 * decoded for its distance */
	MemoryContext cxt;
	void		(*visit) (struct HnswGraph *graph, Datum query, uint64 *ids,
						  int n, HnswCandidate *out);
	int			(*neighbors) (struct HnswGraph *graph, const HnswCandidate *c,
							  int level, uint64 *ids);
	HnswElement (*get) (struct HnswGraph *graph, uint64 id);
	/* in-memory graph (build) */
	struct HnswSharedGraph *shared; /* a parallel build's graph, else NULL */
	HnswNode   *nodes;			/* per id: the element and what a search
								 * reads of it (HnswSetNode) */
	int64		nelements;
	int64		maxelements;
	uint8	   *visitMarks;		/* per element: epoch of its last visit (one
								 * byte, so that the array stays in cache) */
	uint8		visitEpoch;		/* current layer search's epoch */
	/* disk graphs (element and page): the visited set */
	HnswVisited visited;
	/* element disk graph: id -> HnswElement, in cxt */
	HTAB	   *cache;
	/* page graph: the buffer each block was last read into, or invalid */
	Buffer	   *recentBuffers;	/* NULL when not kept */
	BlockNumber nrecent;		/* entries in recentBuffers */
} HnswGraph;

/*
 * The distance procedures of our operator classes that the index
 * recognizes by address (HnswDistanceKindOf, and the classes quantization
 * supports, and ivfflat's key types), defined in vector.c, halfvec.c and
 * bitvec.c, where PG_FUNCTION_INFO_V1 declares them.
 */
extern PGDLLEXPORT Datum ep_vector_l2_squared_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum ep_vector_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum ep_cosine_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum ep_l1_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum ep_halfvec_l2_squared_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum ep_halfvec_negative_inner_product(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum ep_halfvec_cosine_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum ep_halfvec_l1_distance(PG_FUNCTION_ARGS);
extern PGDLLEXPORT Datum ep_hamming_distance(PG_FUNCTION_ARGS);

/* Number of neighbour slots of an element of the given level. */
static inline int
HnswSlotCount(int level, int m)
{
	return 2 * m + level * m;
}

/* First slot and number of slots of one level. */
static inline int
HnswLevelFirstSlot(int level, int m)
{
	return level == 0 ? 0 : 2 * m + (level - 1) * m;
}

static inline int
HnswLevelCapacity(int level, int m)
{
	return level == 0 ? 2 * m : m;
}

/* Bytes of a compact neighbour list of one level: a count, then entries. */
static inline Size
HnswCompactListBytes(int level, int m)
{
	return 1 + (9 * HnswLevelCapacity(level, m) + 3) / 4;
}

/*
 * Offset of the value in an element tuple of a level, in the wide or the
 * compact layout.
 */
static inline Size
HnswTupleValueOffsetFor(bool compact, int level, int m)
{
	Size		off = sizeof(HnswElementTupleData);

	if (!compact)
		return HnswTupleValueOffset(HnswSlotCount(level, m));
	for (int l = 0; l <= level; l++)
		off += HnswCompactListBytes(l, m);
	return INTALIGN(off);
}

/* The value (or code) of a checked element tuple. */
static inline struct varlena *
HnswTupleValue(HnswElementTuple tup, int m)
{
	return (struct varlena *) ((char *) tup +
							   HnswTupleValueOffsetFor(tup->type == HNSW_COMPACT_TUPLE_TYPE,
													   tup->level, m));
}

/* hnsw.c: handler, options, settings */
extern int	hnsw_ef_search;
extern int	hnsw_iterative_scan;
extern int	hnsw_max_scan_tuples;
extern int	ep_hnsw_rerank_candidates;
extern void HnswInit(void);
extern int	HnswGetM(Relation index);
extern int	HnswGetEfConstruction(Relation index);
extern HnswQuantization HnswGetQuantization(Relation index);
extern void hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
							 Cost *indexStartupCost, Cost *indexTotalCost,
							 Selectivity *indexSelectivity, double *indexCorrelation,
							 double *indexPages);
extern bool hnswvalidate(Oid opclassoid);
extern char *hnswbuildphasename(int64 phasenum);

/* hnswbuild.c */
extern IndexBuildResult *hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo);
extern void hnswbuildempty(Relation index);

extern void HnswBuildParticipate(Relation heap, Relation index, IndexInfo *indexInfo,
								 struct HnswSharedGraph *sg, bool progress);

/*
 * hnswparallel.c: parallel builds.  The graph lives in shared memory; each
 * participant sees it through its HnswGraph (graph->shared), whose
 * elements are local views of the shared ones, made on first use.
 */
typedef struct HnswSharedGraph HnswSharedGraph;
typedef struct HnswParallelBuild HnswParallelBuild;

extern HnswParallelBuild *HnswBeginParallel(Relation heap, Relation index,
											IndexInfo *indexInfo, int nworkers,
											Size memoryLimit);
extern HnswSharedGraph *HnswParallelLeaderGraph(HnswParallelBuild *pb);
extern bool HnswFinishParallel(HnswParallelBuild *pb, double *reltuples, double *indtuples);
extern void HnswEndParallel(HnswParallelBuild *pb);
extern void HnswSharedGraphAttach(HnswSharedGraph *sg, HnswGraph *graph);
extern TableScanDesc HnswSharedBeginScan(HnswSharedGraph *sg, Relation heap);
extern HnswElement HnswSharedNewElement(HnswSharedGraph *sg, Datum value, ItemPointer heaptid,
										int level, int m, Size valsize);
extern bool HnswSharedFull(HnswSharedGraph *sg);
extern bool HnswSharedGetEntry(HnswSharedGraph *sg, HnswElement element, uint64 *entryId,
							   int *entryLevel);
extern void HnswSharedReleaseEntry(HnswSharedGraph *sg, HnswElement element);
extern void HnswSharedPublish(HnswSharedGraph *sg, HnswElement element);
extern void HnswSharedLockList(HnswSharedGraph *sg, HnswElement neighbor, int level);
extern void HnswSharedUnlockList(HnswSharedGraph *sg, HnswElement neighbor);
extern int64 HnswSharedAddCounts(HnswSharedGraph *sg, int64 reltuples, int64 indtuples);
extern int64 HnswSharedLoadAll(HnswSharedGraph *sg, uint64 *entryId, int *entryLevel);

/* hnswinsert.c */
extern bool hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
					   Relation heap, IndexUniqueCheck checkUnique,
					   bool indexUnchanged, IndexInfo *indexInfo);
extern void HnswInsertOnDisk(Relation index, Datum value, ItemPointer heaptid);

/* hnswscan.c */
extern IndexScanDesc hnswbeginscan(Relation index, int nkeys, int norderbys);
extern void hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys,
					   ScanKey orderbys, int norderbys);
extern bool hnswgettuple(IndexScanDesc scan, ScanDirection dir);
extern void hnswendscan(IndexScanDesc scan);

/* hnswvacuum.c */
extern IndexBulkDeleteResult *hnswbulkdelete(IndexVacuumInfo *info,
											 IndexBulkDeleteResult *stats,
											 IndexBulkDeleteCallback callback,
											 void *callback_state);
extern IndexBulkDeleteResult *hnswvacuumcleanup(IndexVacuumInfo *info,
												IndexBulkDeleteResult *stats);

/* hnswutils.c: pages and tuples */
extern void HnswInitPage(Page page, uint16 flags);
extern Buffer HnswExtendIndex(Relation index);
extern void HnswInitMetaPage(Page page, uint32 dims, int m, int efConstruction,
							 HnswQuantization quantization);
extern void HnswCheckPage(Relation index, Page page, BlockNumber blkno, uint16 flags);
extern bool HnswIsElementPage(Relation index, Page page, BlockNumber blkno);
extern HnswMetaPageData HnswReadMeta(Relation index);

/* What HnswWalkElements calls for each element tuple. */
typedef void (*HnswElementWalker) (HnswElementTuple tup, BlockNumber blkno,
								   OffsetNumber offno, void *arg);
extern void HnswWalkElements(Relation index, int m, BlockNumber first,
							 BufferAccessStrategy bas, HnswElementWalker fn, void *arg);
extern HnswElementTuple HnswCheckElementTuple(Relation index, Page page,
											  BlockNumber blkno, OffsetNumber offno,
											  int m);
extern Size HnswElementTupleSize(bool compact, int level, int m, Size valsize);
extern Size HnswStoredValueSize(const HnswQuantizer *q, Datum value);
extern void HnswFormElementTuple(HnswElementTuple tup, int offsetBits, HnswElement element,
								 int m, const HnswNode *nodes, const struct varlena *stored);
extern HnswElement HnswElementFromTuple(Relation index, HnswElementTuple tup, uint64 id,
										int m, HnswQuantizer *q);
#ifdef USE_ASSERT_CHECKING
extern bool HnswElementIsValid(HnswElement element, int m);
#endif

/* hnswlist.c: neighbour lists of element tuples, wide and compact */
extern int	HnswCompactOffsetBits(int m, Size valsize);
extern bool HnswTupleLevelIds(HnswElementTuple tup, int level, int m, uint64 *ids, int *n);
extern bool HnswTupleGetSlots(HnswElementTuple tup, int first, int count, int m,
							  uint64 *slots);
extern void HnswSetSlotsFromIds(HnswElementTuple tup, int first, int count, int m,
								uint64 *ids);
extern bool HnswSlotsMatch(HnswElementTuple tup, int first, int count, int m,
						   const uint64 *ids);

/* hnswutils.c: values and distances */
extern bool HnswFormValue(Relation index, Datum value, Datum *result);
extern FmgrInfo *HnswDistanceProc(Relation index);
extern HnswDistanceKind HnswDistanceKindOf(FmgrInfo *distproc);
extern double HnswDistance(HnswGraph *graph, Datum a, Datum b);
extern double HnswExactDistance(HnswGraph *graph, Datum a, Datum b);
extern int	HnswLevelFor(ItemPointer heaptid, int m);
extern int	HnswMaxLevel(int m);
extern int	HnswFitLevel(int level, int m, Size valsize);
extern HnswElement HnswNewElement(Datum value, ItemPointer heaptid, int level, int m,
								  Size valsize);

/* hnswutils.c: graphs and neighbour selection */
extern void HnswInitGraph(HnswGraph *graph, Relation index, int m, MemoryContext cxt,
						  HnswElement (*get) (HnswGraph *graph, uint64 id));
extern void HnswGrowNodes(HnswGraph *graph, int64 max);
extern void HnswSetNode(HnswGraph *graph, uint64 id, HnswElement element);
extern void HnswInitDiskGraph(HnswGraph *graph, Relation index, int m, MemoryContext cxt,
							  HnswQuantizer *q);
extern void HnswInMemoryVisit(HnswGraph *graph, Datum query, uint64 *ids, int n,
							  HnswCandidate *out);
extern int	HnswElementNeighbors(HnswGraph *graph, const HnswCandidate *c, int level,
								 uint64 *ids);
extern void HnswReportBadElement(Relation index, BlockNumber blkno, OffsetNumber offno,
								 const char *what) pg_attribute_noreturn();
extern void HnswSortCandidates(HnswCandidate **cands, int ncands);
extern HnswCandidate *HnswMakeCandidate(HnswGraph *graph, uint64 id, Datum query);
extern int	HnswSelectNeighbors(HnswGraph *graph, HnswCandidate **cands, int ncands,
								int capacity, uint64 *out, double *outdist,
								bool *outcloser);
extern void HnswFindNeighbors(HnswGraph *graph, HnswElement element, uint64 entryId,
							  int entryLevel, int efConstruction);
extern bool HnswPruneWithNew(HnswGraph *graph, HnswElement neighbor, int level,
							 HnswElement element, uint64 *out);

/* hnswsearch.c: the layer search, visited sets and the page graph */
extern void HnswInitPageGraph(HnswGraph *graph, Relation index, int m, MemoryContext cxt,
							  Buffer *recentBuffers, BlockNumber nrecent,
							  HnswQuantizer *q);
extern bool HnswAlreadyVisited(HnswGraph *graph, uint64 id);
extern void HnswStartVisited(HnswGraph *graph);
extern HnswCandidate **HnswSearchLayer(HnswGraph *graph, Datum query,
									   HnswCandidate **entries, int nentries,
									   int ef, int level, int *nresults);

/* hnswquant.c: codes of quantized indexes */
extern const char *HnswQuantizationName(HnswQuantization kind);
extern Size HnswQuantCodeSize(HnswQuantization kind, int dims);
extern void HnswQuantizerInit(HnswQuantizer *q, Relation index, HnswQuantization kind,
							  int dims);
extern bool HnswQuantizerFromMeta(HnswQuantizer *q, Relation index,
								  const HnswMetaPageData *meta);
extern void HnswQuantFillRangePage(const HnswQuantizer *q, Page page, int pageno);
extern void HnswQuantInitRangePage(Page page);
extern void HnswQuantSetMeta(HnswMetaPage meta, BlockNumber rangeBlkno, int rangePages);
extern EpVector *HnswQuantToFloat(const HnswQuantizer *q, Datum value);
extern void HnswQuantStatsInit(HnswQuantStats *stats, int dims);
extern void HnswQuantStatsAdd(HnswQuantStats *stats, const EpVector *v);
extern void HnswQuantSetRange(HnswQuantizer *q, const HnswQuantStats *stats,
							  HnswRangeSource source);
extern bool HnswQuantStoresExact(const HnswQuantizer *q, const EpVector *v);
extern bool HnswQuantIsExact(const HnswQuantizer *q, const struct varlena *stored);
extern struct varlena *HnswQuantStore(const HnswQuantizer *q, const EpVector *v);
extern int	HnswQuantOffsetBits(const HnswQuantizer *q, int m);
extern struct varlena *HnswQuantEncode(const HnswQuantizer *q, const EpVector *v);
extern bool HnswQuantDecode(HnswQuantizer *q, Relation index, const struct varlena *stored,
							EpVector *out);

#endif							/* EPIPHANY_HNSW_H */
