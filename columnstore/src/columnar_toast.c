/*-------------------------------------------------------------------------
 *
 * columnar_toast.c
 *	  Reads byte ranges of chunks' values from a columnar table's TOAST
 *	  relation with the relation and one index scan kept open for a whole
 *	  read.  A point read fetches a slice of one chunk per column it
 *	  returns, about twenty per row: opening the TOAST relation and its
 *	  index, locking them and starting an index scan for each was a large
 *	  part of a lookup, where rescanning one open scan costs little.
 *
 *	  The TOAST format read here is PostgreSQL's: rows (chunk_id, chunk_seq,
 *	  chunk_data) with chunk_seq from 0, every chunk TOAST_MAX_CHUNK_SIZE
 *	  bytes but the last.  Guarantees: every returned byte comes from the
 *	  chunk rows the TOAST snapshot sees; a missing, duplicated, misnumbered
 *	  or mis-sized row is reported as ERRCODE_DATA_CORRUPTED naming the
 *	  value and the relation, never read past.
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
#include "access/heaptoast.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/toast_internals.h"
#include "columnar.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

struct ColumnarToastReader
{
	Relation	rel;			/* the columnar table */
	Relation	toastrel;
	Relation	toastidx;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	SnapshotData snapshot;		/* the TOAST snapshot, set per fetch */
	ScanKeyData keys[3];		/* chunk_id =, chunk_seq >=, chunk_seq <= */
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
 * ColumnarToastFetch - copy bytes [offset, offset + length) of TOAST value
 * "valueid", of "size" bytes in all, into "dst".
 */
void
ColumnarToastFetch(ColumnarToastReader *reader, Oid valueid, int32 size, int32 offset,
				   int32 length, char *dst)
{
	int32		last_seq = (size - 1) / TOAST_MAX_CHUNK_SIZE;
	int32		first = offset / TOAST_MAX_CHUNK_SIZE;
	int32		last = (offset + length - 1) / TOAST_MAX_CHUNK_SIZE;
	int32		expected = first;

	Assert(offset >= 0 && length > 0 && offset + length <= size);
	ScanKeyInit(&reader->keys[0], (AttrNumber) 1, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(valueid));
	ScanKeyInit(&reader->keys[1], (AttrNumber) 2, BTGreaterEqualStrategyNumber, F_INT4GE,
				Int32GetDatum(first));
	ScanKeyInit(&reader->keys[2], (AttrNumber) 2, BTLessEqualStrategyNumber, F_INT4LE,
				Int32GetDatum(last));
	init_toast_snapshot(&reader->snapshot);
	index_rescan(reader->scan, reader->keys, 3, NULL, 0);
	while (index_getnext_slot(reader->scan, ForwardScanDirection, reader->slot))
	{
		bool		isnull;
		int32		seq = DatumGetInt32(slot_getattr(reader->slot, 2, &isnull));
		struct varlena *piece;
		int32		piece_size;
		int32		start;
		int32		from;
		int32		to;

		if (isnull || seq != expected || seq > last)
			ReportCorruptToast(reader, valueid, "A chunk is missing or out of order.",
							   isnull ? -1 : seq);
		piece = (struct varlena *) DatumGetPointer(slot_getattr(reader->slot, 3, &isnull));
		if (isnull || (VARATT_IS_EXTENDED(piece) && !VARATT_IS_SHORT(piece)))
			ReportCorruptToast(reader, valueid, "A chunk's data is not a plain byte string.", seq);
		piece_size = VARSIZE_ANY_EXHDR(piece);
		if (piece_size != (seq < last_seq ? TOAST_MAX_CHUNK_SIZE :
						   size - last_seq * TOAST_MAX_CHUNK_SIZE))
			ReportCorruptToast(reader, valueid, "A chunk has the wrong size.", seq);
		/* the part of this chunk inside the slice */
		start = seq * TOAST_MAX_CHUNK_SIZE;
		from = Max(offset, start);
		to = Min(offset + length, start + piece_size);
		memcpy(dst + (from - offset), VARDATA_ANY(piece) + (from - start), to - from);
		expected++;
	}
	ExecClearTuple(reader->slot);
	if (expected != last + 1)
		ReportCorruptToast(reader, valueid, "A chunk is missing.", expected);
}
