/*-------------------------------------------------------------------------
 *
 * columnar_toast.c
 *	  Chunks' bytes as values of a columnar table's TOAST relation.
 *
 *	  The writer inserts a value's pieces in batches (one WAL record per page
 *	  rather than per piece) and returns where they went, as runs of line
 *	  pointers, which the catalog keeps with the chunk.  The reader keeps the
 *	  TOAST relation, its index and one index scan open for a whole read (a
 *	  point read fetches a slice of one chunk per column it returns, and
 *	  opening, locking and starting a scan each time was a large part of a
 *	  lookup) and goes to a piece's page directly when it knows the place,
 *	  which spares the index descent per piece that was most of a lookup's
 *	  remaining TOAST cost.  A place is a hint: a piece found there must be
 *	  visible to the TOAST snapshot and carry the value's id and the piece's
 *	  number, or the read falls back to the index (a VACUUM FULL of the
 *	  TOAST relation moves pieces; chunks written before the runs existed
 *	  have none).
 *
 *	  The TOAST format is PostgreSQL's: rows (chunk_id, chunk_seq,
 *	  chunk_data) with chunk_seq from 0, every chunk TOAST_MAX_CHUNK_SIZE
 *	  bytes but the last, indexed on (chunk_id, chunk_seq), so the rest of
 *	  PostgreSQL (toast_delete_datum, amcheck, VACUUM) reads our values as
 *	  its own.  Guarantees: every returned byte comes from the chunk rows the
 *	  TOAST snapshot sees; a missing, duplicated, misnumbered or mis-sized row
 *	  is reported as ERRCODE_DATA_CORRUPTED naming the value and the
 *	  relation, never read past.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_toast.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/heaptoast.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/toast_internals.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "columnar.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

/* Pieces inserted with one heap_multi_insert call. */
#define WRITE_BATCH_PIECES	32

struct ColumnarToastReader
{
	Relation	rel;			/* the columnar table */
	Relation	toastrel;
	Relation	toastidx;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	SnapshotData snapshot;		/* the TOAST snapshot, set per fetch */
	ScanKeyData keys[3];		/* chunk_id =, chunk_seq >=, chunk_seq <= */
	BlockNumber known_blocks;	/* blocks that exist while we hold our lock */
};

/*
 * ColumnarToastReaderOpen - a reader of "rel"'s TOAST relation, allocated
 * in the current memory context; close it before the context goes.
 */
ColumnarToastReader *
ColumnarToastReaderOpen(Relation rel)
{
	ColumnarToastReader *reader = palloc0(sizeof(ColumnarToastReader));

	if (!OidIsValid(rel->rd_rel->reltoastrelid))
		elog(ERROR, "columnar table \"%s\" has no TOAST relation", RelationGetRelationName(rel));
	reader->rel = rel;
	reader->toastrel = table_open(rel->rd_rel->reltoastrelid, AccessShareLock);
	reader->toastidx = index_open(toast_get_valid_index(rel->rd_rel->reltoastrelid,
														AccessShareLock),
								  AccessShareLock);
	reader->slot = table_slot_create(reader->toastrel, NULL);
	init_toast_snapshot(&reader->snapshot);
	reader->scan = index_beginscan(reader->toastrel, reader->toastidx, &reader->snapshot, 3, 0);
	reader->known_blocks = RelationGetNumberOfBlocks(reader->toastrel);
	return reader;
}

/* ColumnarToastReaderClose - end the scan and close the relations. */
void
ColumnarToastReaderClose(ColumnarToastReader *reader)
{
	index_endscan(reader->scan);
	ExecDropSingleTupleTableSlot(reader->slot);
	index_close(reader->toastidx, AccessShareLock);
	table_close(reader->toastrel, AccessShareLock);
	pfree(reader);
}

/*
 * Appends the place of a piece just written to the runs: the last run grows
 * when the piece follows it on its page.
 */
static void
AddPiecePlace(ColumnarPieceRun *runs, int32 *run_count, ItemPointer tid)
{
	ColumnarPieceRun *last = *run_count > 0 ? &runs[*run_count - 1] : NULL;
	BlockNumber block = ItemPointerGetBlockNumber(tid);
	OffsetNumber offset = ItemPointerGetOffsetNumber(tid);

	if (last != NULL && last->block == block && last->offset + last->count == offset &&
		last->count < PG_UINT16_MAX)
	{
		last->count++;
		return;
	}
	runs[*run_count].block = block;
	runs[*run_count].offset = offset;
	runs[*run_count].count = 1;
	(*run_count)++;
}

/*
 * ColumnarToastWrite - writes "size" bytes (at least one) as a new value of
 * "rel"'s TOAST relation and returns its value id; *runs (palloc'd) and
 * *run_count say where its pieces went.
 */
Oid
ColumnarToastWrite(Relation rel, const char *bytes, int32 size, ColumnarPieceRun **runs,
				   int32 *run_count)
{
	int32		pieces = (size + TOAST_MAX_CHUNK_SIZE - 1) / TOAST_MAX_CHUNK_SIZE;
	int			batch = Min(pieces, WRITE_BATCH_PIECES);
	Relation	toastrel;
	Relation   *indexes;
	int			index_count;
	int			valid_index;
	Oid			valueid;
	TupleTableSlot **slots;
	struct varlena *piece;
	CommandId	cid = GetCurrentCommandId(true);

	Assert(size > 0);
	if (!OidIsValid(rel->rd_rel->reltoastrelid))
		elog(ERROR, "columnar table \"%s\" has no TOAST relation", RelationGetRelationName(rel));
	toastrel = table_open(rel->rd_rel->reltoastrelid, RowExclusiveLock);
	valid_index = toast_open_indexes(toastrel, RowExclusiveLock, &indexes, &index_count);
	valueid = GetNewOidWithIndex(toastrel, RelationGetRelid(indexes[valid_index]), 1);

	slots = palloc(sizeof(TupleTableSlot *) * batch);
	for (int i = 0; i < batch; i++)
		slots[i] = MakeSingleTupleTableSlot(RelationGetDescr(toastrel), &TTSOpsHeapTuple);
	piece = palloc(VARHDRSZ + TOAST_MAX_CHUNK_SIZE);
	*runs = palloc(sizeof(ColumnarPieceRun) * pieces);
	*run_count = 0;

	for (int32 first = 0; first < pieces; first += batch)
	{
		int			n = Min(batch, pieces - first);

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
		{
			int32		seq = first + i;
			int32		from = seq * TOAST_MAX_CHUNK_SIZE;
			int32		length = Min(TOAST_MAX_CHUNK_SIZE, size - from);
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			SET_VARSIZE(piece, VARHDRSZ + length);
			memcpy(VARDATA(piece), bytes + from, length);
			values[0] = ObjectIdGetDatum(valueid);
			values[1] = Int32GetDatum(seq);
			values[2] = PointerGetDatum(piece);
			ExecStoreHeapTuple(heap_form_tuple(RelationGetDescr(toastrel), values, nulls),
							   slots[i], true);
		}
		heap_multi_insert(toastrel, slots, n, cid, 0, NULL);
		for (int i = 0; i < n; i++)
		{
			Datum		keys[2] = {ObjectIdGetDatum(valueid), Int32GetDatum(first + i)};
			bool		key_nulls[2] = {false, false};

			for (int x = 0; x < index_count; x++)
				if (indexes[x]->rd_index->indisready)
					index_insert(indexes[x], keys, key_nulls, &slots[i]->tts_tid, toastrel,
								 indexes[x]->rd_index->indisunique ?
								 UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false, NULL);
			AddPiecePlace(*runs, run_count, &slots[i]->tts_tid);
			ExecClearTuple(slots[i]);
		}
	}

	for (int i = 0; i < batch; i++)
		ExecDropSingleTupleTableSlot(slots[i]);
	pfree(slots);
	pfree(piece);
	toast_close_indexes(indexes, index_count, NoLock);
	table_close(toastrel, NoLock);
	return valueid;
}

static void
ReportCorruptToast(ColumnarToastReader *reader, Oid valueid, const char *detail, int seq)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt chunk data of columnar table \"%s\"",
					RelationGetRelationName(reader->rel)),
			 errdetail("%s (TOAST value %u, chunk %d, in \"%s\")", detail, valueid, seq,
					   RelationGetRelationName(reader->toastrel))));
}

/*
 * Copies the part of piece "seq" (its chunk_data attribute "data") of a
 * value of "size" bytes that lies in [offset, offset + length) to "dst",
 * which holds that range, after checking the piece's form and size.
 */
static void
CopyPiece(ColumnarToastReader *reader, Oid valueid, int32 size, int32 seq, Datum data,
		  bool isnull, int32 offset, int32 length, char *dst)
{
	int32		last_seq = (size - 1) / TOAST_MAX_CHUNK_SIZE;
	struct varlena *piece = (struct varlena *) DatumGetPointer(data);
	int32		piece_size;
	int32		start = seq * TOAST_MAX_CHUNK_SIZE;
	int32		from;
	int32		to;

	if (isnull || (VARATT_IS_EXTENDED(piece) && !VARATT_IS_SHORT(piece)))
		ReportCorruptToast(reader, valueid, "A chunk's data is not a plain byte string.", seq);
	piece_size = VARSIZE_ANY_EXHDR(piece);
	if (piece_size != (seq < last_seq ? TOAST_MAX_CHUNK_SIZE :
					   size - last_seq * TOAST_MAX_CHUNK_SIZE))
		ReportCorruptToast(reader, valueid, "A chunk has the wrong size.", seq);
	from = Max(offset, start);
	to = Min(offset + length, start + piece_size);
	memcpy(dst + (from - offset), VARDATA_ANY(piece) + (from - start), to - from);
}

/*
 * Copies the slice of piece "seq" of value "valueid" from line pointer
 * "offnum" of page "block" when the piece is there; false when it is not
 * (the page does not exist, the line pointer is unused or out of range,
 * the tuple there is invisible to the TOAST snapshot or another piece).
 * *buffer is the page pinned by the previous call, or InvalidBuffer; the
 * caller releases the last one.
 */
static bool
CopyPlacedPiece(ColumnarToastReader *reader, Buffer *buffer, BlockNumber block,
				OffsetNumber offnum, Oid valueid, int32 size, int32 seq, int32 offset,
				int32 length, char *dst)
{
	Page		page;
	ItemId		item;
	HeapTupleData tuple;
	Datum		values[3];
	bool		nulls[3];
	bool		found = false;

	if (block >= reader->known_blocks)
	{
		reader->known_blocks = RelationGetNumberOfBlocks(reader->toastrel);
		if (block >= reader->known_blocks)
			return false;
	}
	*buffer = ReleaseAndReadBuffer(*buffer, reader->toastrel, block);
	LockBuffer(*buffer, BUFFER_LOCK_SHARE);
	page = BufferGetPage(*buffer);
	if (offnum < FirstOffsetNumber || offnum > PageGetMaxOffsetNumber(page))
		goto done;
	item = PageGetItemId(page, offnum);
	if (!ItemIdIsNormal(item) || ItemIdGetOffset(item) + ItemIdGetLength(item) > BLCKSZ ||
		ItemIdGetLength(item) < SizeofHeapTupleHeader)
		goto done;
	tuple.t_data = (HeapTupleHeader) PageGetItem(page, item);
	tuple.t_len = ItemIdGetLength(item);
	tuple.t_tableOid = RelationGetRelid(reader->toastrel);
	ItemPointerSet(&tuple.t_self, block, offnum);
	if (HeapTupleHeaderGetNatts(tuple.t_data) != 3 ||
		!HeapTupleSatisfiesVisibility(&tuple, &reader->snapshot, *buffer))
		goto done;
	heap_deform_tuple(&tuple, RelationGetDescr(reader->toastrel), values, nulls);
	if (nulls[0] || nulls[1] || DatumGetObjectId(values[0]) != valueid ||
		DatumGetInt32(values[1]) != seq)
		goto done;
	CopyPiece(reader, valueid, size, seq, values[2], nulls[2], offset, length, dst);
	found = true;
done:
	LockBuffer(*buffer, BUFFER_LOCK_UNLOCK);
	return found;
}

/*
 * Copies pieces first..last of a value from the places in "runs"; false as
 * soon as one is not where they say (the caller then reads them all through
 * the index).
 */
static bool
FetchPlacedPieces(ColumnarToastReader *reader, Oid valueid, int32 size,
				  const ColumnarPieceRun *runs, int32 run_count, int32 first, int32 last,
				  int32 offset, int32 length, char *dst)
{
	Buffer		buffer = InvalidBuffer;
	int32		run = 0;
	int32		run_first = 0;	/* the first piece of runs[run] */
	bool		found = true;

	for (int32 seq = first; seq <= last && found; seq++)
	{
		while (run < run_count && seq >= run_first + runs[run].count)
			run_first += runs[run++].count;
		found = run < run_count &&
			CopyPlacedPiece(reader, &buffer, runs[run].block,
							(OffsetNumber) (runs[run].offset + (seq - run_first)),
							valueid, size, seq, offset, length, dst);
	}
	if (BufferIsValid(buffer))
		ReleaseBuffer(buffer);
	return found;
}

/* Copies pieces first..last of a value, found through the TOAST index. */
static void
FetchIndexedPieces(ColumnarToastReader *reader, Oid valueid, int32 size, int32 first,
				   int32 last, int32 offset, int32 length, char *dst)
{
	int32		expected = first;

	ScanKeyInit(&reader->keys[0], (AttrNumber) 1, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(valueid));
	ScanKeyInit(&reader->keys[1], (AttrNumber) 2, BTGreaterEqualStrategyNumber, F_INT4GE,
				Int32GetDatum(first));
	ScanKeyInit(&reader->keys[2], (AttrNumber) 2, BTLessEqualStrategyNumber, F_INT4LE,
				Int32GetDatum(last));
	index_rescan(reader->scan, reader->keys, 3, NULL, 0);
	while (index_getnext_slot(reader->scan, ForwardScanDirection, reader->slot))
	{
		bool		isnull;
		bool		data_isnull;
		int32		seq = DatumGetInt32(slot_getattr(reader->slot, 2, &isnull));
		Datum		data;

		if (isnull || seq != expected || seq > last)
			ReportCorruptToast(reader, valueid, "A chunk is missing or out of order.",
							   isnull ? -1 : seq);
		data = slot_getattr(reader->slot, 3, &data_isnull);
		CopyPiece(reader, valueid, size, seq, data, data_isnull, offset, length, dst);
		expected++;
	}
	ExecClearTuple(reader->slot);
	if (expected != last + 1)
		ReportCorruptToast(reader, valueid, "A chunk is missing.", expected);
}

/*
 * ColumnarToastFetch - copy bytes [offset, offset + length) of TOAST value
 * "valueid", of "size" bytes in all, into "dst": from the places in "runs"
 * (NULL: none known) when the pieces are there, else through the index.
 */
void
ColumnarToastFetch(ColumnarToastReader *reader, Oid valueid, int32 size,
				   const ColumnarPieceRun *runs, int32 run_count, int32 offset,
				   int32 length, char *dst)
{
	int32		first = offset / TOAST_MAX_CHUNK_SIZE;
	int32		last = (offset + length - 1) / TOAST_MAX_CHUNK_SIZE;

	Assert(offset >= 0 && length > 0 && offset + length <= size);
	init_toast_snapshot(&reader->snapshot);
	if (runs != NULL &&
		FetchPlacedPieces(reader, valueid, size, runs, run_count, first, last, offset, length,
						  dst))
		return;
	FetchIndexedPieces(reader, valueid, size, first, last, offset, length, dst);
}
