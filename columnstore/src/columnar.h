/*-------------------------------------------------------------------------
 *
 * columnar.h
 *	  Everything the files of the column store share: the row-number space,
 *	  the in-memory form of the metadata catalog, and the interfaces of the
 *	  writer, the reader, the chunk codec and the metadata layer.  The design
 *	  (why the main fork is a heap, where chunks live, MVCC of metadata) is in
 *	  columnstore/README.md.
 *
 *	  Included only by the files under columnstore/src.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_COLUMNAR_H
#define EPIPHANY_COLUMNAR_H

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "fmgr.h"
#include "access/tableam.h"
#include "epiphany/compress.h"
#include "nodes/bitmapset.h"
#include "nodes/execnodes.h"
#include "storage/itemptr.h"
#include "utils/rel.h"
#include "utils/snapshot.h"

#define EP_COLUMNSTORE_LIBRARY "epiphany_columnstore"
#define COLUMNAR_AM_NAME "columnar"

/*
 * Row numbers and TIDs.
 *
 * Rows in the delta store are heap tuples with ordinary TIDs in blocks below
 * COLUMNAR_FIRST_ROW_BLOCK.  Rows in row groups have a row number, unique in
 * the table's storage and never reused, and a virtual TID built from it:
 * block COLUMNAR_FIRST_ROW_BLOCK + n / COLUMNAR_ROWS_PER_BLOCK, offset
 * n % COLUMNAR_ROWS_PER_BLOCK + 1.  At most MaxHeapTuplesPerPage rows per
 * virtual block keeps TID bitmaps and GIN posting lists valid.
 */
#define COLUMNAR_FIRST_ROW_BLOCK	((BlockNumber) 0x80000000)
#define COLUMNAR_ROWS_PER_BLOCK		((uint64) MaxHeapTuplesPerPage)
#define COLUMNAR_MAX_ROW_NUMBER \
	((uint64) (MaxBlockNumber - COLUMNAR_FIRST_ROW_BLOCK) * COLUMNAR_ROWS_PER_BLOCK)

static inline bool
ColumnarTidIsRow(ItemPointer tid)
{
	return ItemPointerGetBlockNumberNoCheck(tid) >= COLUMNAR_FIRST_ROW_BLOCK;
}

static inline uint64
ColumnarTidGetRowNumber(ItemPointer tid)
{
	Assert(ColumnarTidIsRow(tid));
	return (uint64) (ItemPointerGetBlockNumberNoCheck(tid) - COLUMNAR_FIRST_ROW_BLOCK) *
		COLUMNAR_ROWS_PER_BLOCK + (ItemPointerGetOffsetNumberNoCheck(tid) - 1);
}

static inline void
ColumnarRowNumberGetTid(uint64 row_number, ItemPointer tid)
{
	Assert(row_number < COLUMNAR_MAX_ROW_NUMBER);
	ItemPointerSet(tid,
				   COLUMNAR_FIRST_ROW_BLOCK + (BlockNumber) (row_number / COLUMNAR_ROWS_PER_BLOCK),
				   (OffsetNumber) (row_number % COLUMNAR_ROWS_PER_BLOCK) + 1);
}

/* Per-table options: defaults and limits. */
#define COLUMNAR_DEFAULT_ROW_GROUP_ROWS		150000
#define COLUMNAR_MIN_ROW_GROUP_ROWS			1000
#define COLUMNAR_MAX_ROW_GROUP_ROWS			1000000
#define COLUMNAR_DEFAULT_CHUNK_ROWS			10000
#define COLUMNAR_MIN_CHUNK_ROWS				100
#define COLUMNAR_MAX_CHUNK_ROWS				100000
#define COLUMNAR_DEFAULT_COMPRESSION		EP_COMPRESSION_ZSTD
#define COLUMNAR_MAX_SORT_KEYS				16

/*
 * The options of one table (epiphany.columnar_set_options), defaults filled
 * in.  Rows become columnar sorted by the segmentby columns, then the
 * orderby columns.
 */
typedef struct ColumnarOptions
{
	EpCompression compression;
	int			compression_level;
	int			row_group_rows;
	int			chunk_rows;
	int			nsegmentby;
	AttrNumber	segmentby[COLUMNAR_MAX_SORT_KEYS];
	int			norderby;
	AttrNumber	orderby[COLUMNAR_MAX_SORT_KEYS];
	int			nbloom;			/* columns whose chunks get bloom filters */
	AttrNumber	bloom[COLUMNAR_MAX_SORT_KEYS];
} ColumnarOptions;

/* Chunk encodings; stored in the catalog, never renumber. */
typedef enum ColumnarEncoding
{
	COLUMNAR_ENCODING_PLAIN = 0,	/* values one after another, aligned */
	COLUMNAR_ENCODING_BITPACK = 1,	/* frame of reference + bit-packing */
	COLUMNAR_ENCODING_DELTA = 2,	/* deltas, bit-packed */
	COLUMNAR_ENCODING_DELTADELTA = 3,	/* deltas of deltas */
	COLUMNAR_ENCODING_RLE = 4,	/* runs of (value, length) */
	COLUMNAR_ENCODING_GORILLA = 5,	/* XOR of float bit patterns */
	COLUMNAR_ENCODING_DICTIONARY = 6,	/* distinct values + bit-packed codes */
	COLUMNAR_ENCODING_DECIMAL = 7	/* numeric as integers at one scale */
} ColumnarEncoding;

#define COLUMNAR_ENCODING_COUNT		8

/* One chunk: a run of one column's values inside a row group. */
/*
 * The bytes at the start of an encoded chunk without NULLs that hold the
 * headers of every encoding a point read decodes value by value.
 */
#define COLUMNAR_CHUNK_HEAD_BYTES	40
#define COLUMNAR_MEMO_MAX_BYTES		2048

/*
 * Where the writer put pieces of a chunk's TOAST value: "count" pieces, in
 * order, at consecutive line pointers of one page from "offset" on.  A
 * chunk's runs cover its pieces in order.  They spare a read the TOAST
 * index; they are a hint, checked piece by piece (a VACUUM FULL of the
 * TOAST relation moves pieces), with the index as the fallback.
 */
typedef struct ColumnarPieceRun
{
	uint32		block;
	uint16		offset;
	uint16		count;
} ColumnarPieceRun;

typedef struct ColumnarChunk
{
	int32		row_count;		/* values, NULLs included */
	int32		null_count;
	int16		encoding;		/* ColumnarEncoding */
	int16		compression;	/* EpCompression applied after encoding */
	int32		raw_size;		/* encoded bytes before compression */
	int64		plain_size;		/* bytes in PLAIN encoding (the null bitmap
								 * included): what the encodings saved */
	int32		stored_size;	/* bytes in the TOAST value */
	Oid			toast_value;	/* value id in the table's TOAST relation;
								 * InvalidOid when stored_size is 0 */
	ColumnarPieceRun *piece_runs;	/* where its pieces are, or NULL */
	int32		piece_run_count;
	bool		has_minmax;		/* min/max known (some non-NULL value, the
								 * type has a default btree ordering, and
								 * the images are short enough to keep) */
	bytea	   *min_image;		/* the images of min and max as stored */
	bytea	   *max_image;		/* (MinMaxImage), or NULL */
	bytea	   *bloom;			/* bloom filter of the hashes of its values
								 * (epiphany/bloom.h), or NULL */

	/*
	 * Bytes point reads fetched and need again, kept with the metadata (which
	 * the backend caches): the first bytes (headers) of an uncompressed chunk
	 * without NULLs, and up to COLUMNAR_MEMO_MAX_BYTES stored bytes at
	 * memo_offset (a small compressed chunk whole, a framed chunk's frame
	 * table, a dictionary's entries), allocated in memo_context, the
	 * metadata's own (NULL: none kept).
	 */
	bool		head_known;
	char		head[COLUMNAR_CHUNK_HEAD_BYTES];
	char	   *memo;
	int32		memo_offset;
	int32		memo_size;
	MemoryContext memo_context;
} ColumnarChunk;

/*
 * ColumnarChunk.compression: the EpCompression method, plus this flag when
 * the chunk's bytes were compressed as frames (columnar_chunk.c).
 */
#define COLUMNAR_COMPRESSION_FRAMED		0x100
#define COLUMNAR_MAX_FRAMES				64

/* The most TOAST pieces of a chunk that a point read loads one by one. */
#define COLUMNAR_MAX_PARTIAL_PIECES		64

/*
 * columnar_toast.c: chunks' bytes as values of a table's TOAST relation,
 * written with the places of their pieces, read through a reader kept open.
 */
typedef struct ColumnarToastReader ColumnarToastReader;

extern ColumnarToastReader *ColumnarToastReaderOpen(Relation rel);
extern void ColumnarToastReaderClose(ColumnarToastReader *reader);
extern Oid	ColumnarToastWrite(Relation rel, const char *bytes, int32 size,
							   ColumnarPieceRun **runs, int32 *run_count);
extern void ColumnarToastFetch(ColumnarToastReader *reader, Oid valueid, int32 size,
							   const ColumnarPieceRun *runs, int32 run_count,
							   int32 offset, int32 length, char *dst);

/* One frame of a framed chunk, as stored in its frame table. */
typedef struct ColumnarFrame
{
	uint32		first_value;	/* its first value, among the non-NULL ones */
	uint32		raw_offset;		/* where its bytes go in the decoded buffer */
	uint32		stored_offset;	/* where they are in the stored bytes */
	uint32		stored_size;	/* equal to its raw size: stored raw */
} ColumnarFrame;

/* One row group and the chunks of every column, [attnum - 1][chunk]. */
typedef struct ColumnarRowGroup
{
	uint64		first_row;		/* row number of its first row; its id */
	int64		row_count;
	int32		chunk_rows;		/* rows per chunk, the last may hold fewer */
	int32		chunk_count;
	int			natts;
	ColumnarChunk **chunks;
	/* the row_group catalog row it was read from, for the cache */
	TransactionId catalog_xmin;
	ItemPointerData catalog_tid;
} ColumnarRowGroup;

/* The row groups of one storage that a snapshot sees, by first_row. */
typedef struct ColumnarStorageMap
{
	int			count;
	ColumnarRowGroup **row_groups;
} ColumnarStorageMap;

/*
 * One chunk of one column being read: its bytes after decompression and,
 * once decoded, its values.  The buffers are reused from chunk to chunk (they
 * grow to the largest chunk read) and, once the read is over, by the next
 * reads of the backend.  Initialise with ColumnarInitChunkData.
 */
typedef struct ColumnarChunkData
{
	int32		row_count;
	bool		decoded;		/* values[] and nulls[] are filled */
	Datum	   *values;			/* by-reference values point into "raw" */
	bool	   *nulls;
	char	   *raw;			/* the decompressed bytes, MAXALIGNed */
	int32		raw_size;
	int32		values_offset;	/* where the values start in "raw" */

	/* buffers, reused, and their sizes in bytes */
	char	   *raw_space;		/* raw - VARHDRSZ: a varlena to fetch into */
	int32		raw_allocated;
	struct varlena *stored;		/* compressed bytes as fetched */
	int32		stored_allocated;
	int32		values_allocated;
	int32		nulls_allocated;
	char	   *numerics;		/* DECIMAL: values' numeric images */
	int32		numerics_allocated;
	int64	   *scaled;			/* ColumnarDecodeLoadedChunkScaled's values */
	int32		scaled_allocated;
	/* a framed chunk: its frames, and which of them are in "raw" */
	int32		nframes;		/* 0: not framed */
	uint64		frames_loaded;	/* bit f: frame f */
	ColumnarFrame frames[COLUMNAR_MAX_FRAMES];
	/* an uncompressed chunk a point read loads piece by piece */
	Oid			partial_value;	/* its TOAST value; InvalidOid: all in "raw" */
	ColumnarPieceRun partial_runs[COLUMNAR_MAX_PARTIAL_PIECES];	/* a copy */
	int32		partial_run_count;
	uint64		pieces_loaded;	/* bit p: TOAST piece p is in "raw" */
	int32		head_loaded;	/* and bytes [0, head_loaded), from the chunk's head */
	int32		tail_from;		/* and bytes [tail_from, raw_size), from its memo */
	ColumnarToastReader *toast; /* fetch through it, when set */
} ColumnarChunkData;

/* columnar_metadata.c */
extern Oid	ColumnarStorageId(Relation rel);
extern void ColumnarCreateStorage(Oid storage_id);
extern void ColumnarDropStorage(Oid storage_id);
extern void ColumnarMoveStorage(Oid old_storage_id, Oid new_storage_id);
extern uint64 ColumnarReserveRowNumbers(Relation rel, int64 count);
extern TransactionId ColumnarCleanedXid(Relation rel);
extern void ColumnarSetCleanedXid(Relation rel, TransactionId xid);
extern int	ColumnarCleanableRows(Relation rel, TransactionId from, TransactionId horizon,
								  int64 after, ItemPointer tids, int max);
extern void ColumnarInsertRowGroup(Relation rel, ColumnarRowGroup *rg);
extern ColumnarStorageMap *ColumnarReadStorageMap(Relation rel, Snapshot snapshot);
extern ColumnarStorageMap *ColumnarReadStorageMapColumns(Relation rel, Snapshot snapshot,
														 const Bitmapset *attrs_needed);
extern ColumnarRowGroup *ColumnarFindRowGroup(ColumnarStorageMap *map, uint64 row_number);
extern bool ColumnarRowIsDeleted(Oid storage_id, uint64 row_number, Snapshot snapshot);
extern Bitmapset *ColumnarDeletedRowsInGroup(Oid storage_id, ColumnarRowGroup *rg,
											 Snapshot snapshot, TransactionId before);
extern void ColumnarDropRowGroup(Relation rel, ColumnarRowGroup *rg);
/* Inserts the new version of an updated row; returns its TID. */
typedef void (*ColumnarNewVersion) (void *arg, ItemPointer new_tid);
extern TM_Result ColumnarMarkRowDeleted(Relation rel, uint64 row_number, CommandId cid,
										bool wait, TM_FailureData *tmfd,
										ColumnarNewVersion new_version, void *arg);

/* A row-group row's deletion state under a dirty snapshot. */
typedef enum ColumnarRowState
{
	COLUMNAR_ROW_LIVE,
	COLUMNAR_ROW_DELETING,		/* by a transaction still running */
	COLUMNAR_ROW_DELETED		/* committed, or by our own transaction */
} ColumnarRowState;
extern ColumnarRowState ColumnarCheckDeletion(Relation rel, uint64 row_number,
											  TransactionId *deleter,
											  TM_FailureData *tmfd,
											  TM_Result *conflict);
extern bool ColumnarRowGroupVisible(Relation rel, uint64 row_number, Snapshot snapshot);
extern ColumnarRowGroup *ColumnarReadRowGroup(Relation rel, uint64 row_number,
											  Snapshot snapshot);
extern int64 ColumnarLiveRows(Relation rel, Snapshot snapshot);
extern int64 ColumnarEstimateLiveRows(Relation rel, Snapshot snapshot);
extern void ColumnarGetOptions(Oid relid, ColumnarOptions *options);
extern void ColumnarSetOptions(Oid relid, const ColumnarOptions *options);
extern void ColumnarDropOptions(Oid relid);
extern void ColumnarRenameOptionsColumn(Oid relid, const char *old_name,
										const char *new_name);
extern void ColumnarStorageStats(Relation rel, int64 *row_groups, int64 *rows,
								 int64 *deleted_rows, int64 *stored_bytes,
								 int64 *raw_bytes);

/* columnar_rowgroup_cache.c */
extern ColumnarRowGroup *ColumnarCachedRowGroup(Oid storage_id, const ColumnarRowGroup *rg);
extern MemoryContext ColumnarRowGroupCacheSpace(void);
extern bool ColumnarRowGroupIsInCache(ColumnarRowGroup *rg);
extern void ColumnarAdoptRowGroup(Oid storage_id, ColumnarRowGroup *rg);

/* columnar_chunk.c */
extern char *ColumnarEncodeChunk(Form_pg_attribute att, Datum *values, bool *nulls,
								 int count, EpCompression compression,
								 int compression_level, bool with_bloom,
								 ColumnarChunk *chunk);
extern void ColumnarStoreChunk(Relation rel, ColumnarChunk *chunk, const char *stored);

/* columnar_encode_worker.c: a load's chunks encoded by a second process */
typedef struct ColumnarEncodeWorker ColumnarEncodeWorker;
typedef void (*ColumnarEncodedFn) (void *arg, int attno, int chunk, ColumnarChunk *encoded,
								   const char *stored);
extern ColumnarEncodeWorker *ColumnarStartEncodeWorker(TupleDesc tupdesc,
													   const ColumnarOptions *options,
													   const bool *with_bloom,
													   ColumnarEncodedFn on_result, void *arg);
extern bool ColumnarEncodeInWorker(ColumnarEncodeWorker *worker, int attno, int chunk,
								   const Datum *values, const bool *nulls, int count);
extern bool ColumnarCollectEncoded(ColumnarEncodeWorker *worker);
extern void ColumnarStopEncodeWorker(ColumnarEncodeWorker *worker);
extern void ColumnarKeepChunkMetadata(ColumnarChunk *chunk);
extern FmgrInfo *ColumnarHashFunction(Form_pg_attribute att);

/* The 64-bit hash of "value" by a ColumnarHashFunction, under "collation". */
static inline uint64
ColumnarHash(FmgrInfo *hash, Oid collation, Datum value)
{
	return DatumGetUInt64(FunctionCall2Coll(hash, collation, value, UInt64GetDatum(0)));
}
extern void ColumnarInitChunkData(ColumnarChunkData *data, MemoryContext context);
extern void ColumnarLoadChunk(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
							  ColumnarChunkData *data, bool whole);
extern void ColumnarDecodeLoadedChunk(Relation rel, Form_pg_attribute att,
									  ColumnarChunk *chunk, ColumnarChunkData *data);
extern void ColumnarDecodeLoadedChunkRows(Relation rel, Form_pg_attribute att,
										  ColumnarChunk *chunk, ColumnarChunkData *data,
										  const int32 *rows, int count);
extern bool ColumnarDecodeLoadedChunkScaled(Relation rel, Form_pg_attribute att,
											ColumnarChunk *chunk, ColumnarChunkData *data,
											const int32 *rows, int count, int *scale);
extern bool ColumnarChunkSeekable(ColumnarChunk *chunk, ColumnarChunkData *data);
extern Datum ColumnarLoadedChunkValue(Relation rel, Form_pg_attribute att,
									  ColumnarChunk *chunk, ColumnarChunkData *data,
									  int row, bool *isnull);
extern const char *ColumnarEncodingName(int encoding);

/* columnar_functions.c */
extern Relation ColumnarOpenTable(Oid relid, LOCKMODE lockmode);
extern Relation ColumnarOpenTableToRead(Oid relid);

/* columnar_encodings_sql.c */
typedef struct ColumnarEncodingTotals
{
	int64		chunks;
	int64		plain_bytes;	/* the values in PLAIN form */
	int64		stored_bytes;
} ColumnarEncodingTotals;

typedef bool (*ColumnarEncodingRowFill) (void *totals, int index, Datum *values);
typedef void (*ColumnarChunkVisitor) (Relation rel, Form_pg_attribute att,
									  ColumnarChunk *chunk, int index, void *arg);

extern void ColumnarVisitChunks(Relation rel, ColumnarChunkVisitor visit, void *arg);

extern ColumnarEncodingTotals *ColumnarTotalsByEncoding(Relation rel);
extern void ColumnarPutEncodingRows(Relation rel, ReturnSetInfo *rsinfo, int ncolumns,
									ColumnarEncodingRowFill fill, void *totals);

/* columnar_writer.c */
typedef struct ColumnarWriteState ColumnarWriteState;
extern ColumnarWriteState *ColumnarBeginWrite(Relation rel, const ColumnarOptions *options);
extern void ColumnarWriteRow(ColumnarWriteState *state, TupleTableSlot *slot,
							 ItemPointer tid);
extern void ColumnarEndWrite(ColumnarWriteState *state);
typedef struct ColumnarSortState ColumnarSortState;
extern ColumnarSortState *ColumnarBeginSort(Relation rel, const ColumnarOptions *options);
extern void ColumnarSortAdd(ColumnarSortState *state, TupleTableSlot *slot);
extern TupleTableSlot *ColumnarSortNext(ColumnarSortState *state);
extern void ColumnarEndSort(ColumnarSortState *state);

/* columnar_reader.c */
typedef struct ColumnarReadState ColumnarReadState;
/* Returns the index of the next row group to read, of "count", or -1. */
typedef int (*ColumnarClaimRowGroup) (void *arg, int count);
extern ColumnarReadState *ColumnarBeginRead(Relation rel, Snapshot map_snapshot,
											Snapshot deleted_snapshot,
											Bitmapset *attrs_needed);
extern ColumnarReadState *ColumnarBeginPointRead(Relation rel, Snapshot map_snapshot,
												 Snapshot deleted_snapshot);
extern void ColumnarSetClaim(ColumnarReadState *state, ColumnarClaimRowGroup claim,
							 void *arg);
extern bool ColumnarReadNextRow(ColumnarReadState *state, TupleTableSlot *slot);
/* One chunk of rows of a row group, read column by column. */
typedef struct ColumnarBatch
{
	ColumnarRowGroup *rg;
	int			chunkno;
	int64		first_offset;	/* of its first row in rg */
	int			rows;			/* deleted rows included */
	Bitmapset  *deleted;		/* offsets in rg that are deleted */
} ColumnarBatch;
extern bool ColumnarReadNextBatch(ColumnarReadState *state, ColumnarBatch *batch);
extern bool ColumnarBatchAllLive(const ColumnarBatch *batch);
extern int	ColumnarBatchLiveRows(const ColumnarBatch *batch, int32 *selection);
extern void ColumnarBatchColumn(ColumnarReadState *state, const ColumnarBatch *batch,
								AttrNumber attnum, const int32 *rows, int count,
								Datum **values, bool **nulls);
extern bool ColumnarBatchColumnScaled(ColumnarReadState *state, const ColumnarBatch *batch,
									  AttrNumber attnum, const int32 *rows, int count,
									  int64 **values, bool **nulls, int *scale);
extern bool ColumnarReadRow(ColumnarReadState *state, uint64 row_number,
							TupleTableSlot *slot);
extern double ColumnarSampleRows(ColumnarReadState *state, int target);
extern bool ColumnarReadNextSample(ColumnarReadState *state, TupleTableSlot *slot);
extern uint64 ColumnarSampleUnits(ColumnarReadState *state);
extern void ColumnarSampleUnitRows(ColumnarReadState *state, uint64 unit, uint64 *first_row,
								   int *rows);
extern void ColumnarRescanRead(ColumnarReadState *state);
extern void ColumnarEndRead(ColumnarReadState *state);
extern Datum ColumnarImageToDatum(Relation rel, Form_pg_attribute att, bytea *image);

/* What a chunk filter tests. */
typedef enum ColumnarFilterKind
{
	COLUMNAR_FILTER_COMPARE,	/* column op constant */
	COLUMNAR_FILTER_IN,			/* column = ANY (array constant) */
	COLUMNAR_FILTER_IS_NULL,	/* column IS NULL */
	COLUMNAR_FILTER_IS_NOT_NULL /* column IS NOT NULL */
} ColumnarFilterKind;

/*
 * A chunk filter: rows of a chunk can be skipped when the chunk's min/max
 * and null count show that the filter's qual holds for none of them.  Built
 * by the custom scan from quals of the forms above, with btree operators,
 * the constant evaluated when the scan starts.
 */
typedef struct ColumnarChunkFilter
{
	ColumnarFilterKind kind;
	AttrNumber	attnum;
	StrategyNumber strategy;	/* COMPARE: BTLessStrategyNumber ...
								 * BTGreaterStrategyNumber; IN: BTEqual */
	bool		active;			/* false: the constant is NULL, skip nothing */
	Datum		constant;		/* COMPARE */
	Datum	   *elements;		/* IN: the array's non-NULL elements */
	int			nelements;
	FmgrInfo	compare;		/* btree order proc (column type, constant type) */
	Oid			collation;
	bool		bloom_capable;	/* equality or IN of the column's own type and
								 * collation: bloom filters can answer */
	uint64	   *hashes;			/* then the constants' hashes, or NULL */
} ColumnarChunkFilter;

extern void ColumnarSetFilters(ColumnarReadState *state, ColumnarChunkFilter *filters,
							   int count);
extern int64 ColumnarChunksSkipped(ColumnarReadState *state);
extern bool ColumnarChunkPassesFilter(ColumnarReadState *state, const ColumnarBatch *batch,
									  ColumnarChunkFilter *f);

/* columnar_bulk.c */
extern bool ColumnarBulkInsert(Relation rel, TupleTableSlot **slots, int nslots,
							   CommandId cid);
extern bool ColumnarFinishBulkInsert(Relation rel);
extern bool ColumnarBulkInsertRow(Relation rel, TupleTableSlot *slot, CommandId cid,
								  bool bulk_state);
extern int	ColumnarUtilityStarts(bool copy);
extern void ColumnarUtilityEnds(int level, bool copy, bool success);
extern void ColumnarInstallBulkInsertHooks(void);

/* columnar_merge.c */
typedef struct ColumnarMoveTarget ColumnarMoveTarget;
extern ColumnarMoveTarget *ColumnarBeginMove(Relation rel, const ColumnarOptions *options);
extern void ColumnarMoveRow(ColumnarMoveTarget *target, TupleTableSlot *slot);
extern void ColumnarIndexMovedRow(ColumnarMoveTarget *target, TupleTableSlot *slot);
extern void ColumnarEndMove(ColumnarMoveTarget *target);
extern int64 ColumnarMergeDelta(Relation rel, int64 max_rows);

/* columnar_compact.c */
typedef struct ColumnarCompactResult
{
	int64		rows_moved;		/* out of sparse row groups */
	int64		row_groups_dropped; /* with every row deleted */
} ColumnarCompactResult;
extern bool ColumnarNeedsCompaction(Relation rel);
extern void ColumnarCompact(Relation rel, ColumnarCompactResult *result);

/* columnar_functions.c */
extern int64 ColumnarMergeTable(Oid relid, int64 max_rows);
extern void ColumnarCompactTable(Oid relid, ColumnarCompactResult *result);

/* columnar_automerge.c */
extern void ColumnarNoteDeltaWrite(Relation rel, uint64 rows);
extern void ColumnarNoteCompaction(Relation rel);
extern void ColumnarInstallAutoMerge(void);

/* columnar_handler.c */
extern bool ColumnarIsColumnarRelation(Relation rel);
extern void ColumnarEnsureDeltaBlock(Relation rel);
extern void ColumnarScanConfigure(TableScanDesc scan, Bitmapset *attrs_needed,
								  ColumnarChunkFilter *filters, int nfilters);
extern int64 ColumnarScanChunksSkipped(TableScanDesc scan);
extern ColumnarReadState *ColumnarScanNextBatch(TableScanDesc scan, ColumnarBatch *batch);

/* columnar_scan.c */
extern Oid	ColumnarBtreeFamily(Oid type);
struct PlanState;
struct RelOptInfo;
struct ExprContext;

/* The chunk filters of a plan node, their values evaluated at run time. */
typedef struct ColumnarChunkFilterSet
{
	ColumnarChunkFilter *filters;
	int			nfilters;
	List	   *values;			/* ExprState of each filter's value */
	List	   *types;			/* OidList: each value's type */
	MemoryContext context;		/* the values, copied */
} ColumnarChunkFilterSet;

extern List *ColumnarPlanChunkFilters(List *quals, Index relid, List **values);
extern List *ColumnarAttnumList(Bitmapset *attrs);
extern Bitmapset *ColumnarAttrsToRead(List *attnums, bool whole_row);
extern void ColumnarInitChunkFilters(ColumnarChunkFilterSet *set, List *lists, List *values,
									 Relation rel, struct PlanState *parent);
extern void ColumnarSetChunkFilterValue(ColumnarChunkFilterSet *set, int i, Datum value,
										bool isnull, Relation rel);
extern void ColumnarEvaluateChunkFilters(ColumnarChunkFilterSet *set, Relation rel,
										 struct ExprContext *econtext);
extern void ColumnarInstallScan(void);

/* columnar_bitmap.c */
extern void ColumnarReplaceBitmapPaths(struct RelOptInfo *rel);
extern void ColumnarInstallBitmapScan(void);

/* columnar_aggregate.c */
extern void ColumnarInstallAggregate(void);

/* columnar_summary.c */
extern void ColumnarInstallSummary(void);

/* columnar_hooks.c */
extern bool ep_enable_parallel_workers;
extern bool ColumnarRelidIsColumnar(Oid relid);
extern void ColumnarInstallHooks(void);

#endif							/* EPIPHANY_COLUMNAR_H */
