/*-------------------------------------------------------------------------
 *
 * columnar_encode_worker.c
 *	  A bulk load's second process: a background worker that encodes the
 *	  chunks of the row group being collected while the loading backend
 *	  parses and collects the next rows.  Encoding was a fifth of a COPY into
 *	  a columnar table; on a machine with a spare core it leaves the
 *	  backend's path.
 *
 *	  The backend hands over each chunk (one column's values of chunk_rows
 *	  rows) as soon as its rows are collected, through a shared-memory queue;
 *	  the worker sends back the encoded bytes and the chunk's metadata
 *	  through another.  The backend writes the bytes to the TOAST relation
 *	  and the row group to the catalog itself: the worker writes nothing, and
 *	  runs in a transaction of its own only to look types up.
 *
 *	  Guarantees: the backend keeps every value of a row group until the row
 *	  group is recorded, so a worker that cannot start, dies or fails leaves
 *	  no chunk undone: the caller encodes whatever the worker did not answer
 *	  (ColumnarEncodeInWorker returns false from then on).  Only columns of
 *	  built-in types and collations are handed over (the worker cannot see
 *	  objects the loading transaction created).  Neither side waits for the
 *	  other while the other waits for it: the backend sends without
 *	  blocking and takes the worker's answers whenever its queue is full.
 *	  When the loading transaction aborts, its resource owner detaches the
 *	  shared memory and the worker, finding the queue detached, exits.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_encode_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/background_worker.h"

#include "access/transam.h"
#include "access/xact.h"
#include "columnar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "tcop/tcopprot.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/wait_event.h"

#define ENCODE_WORKER_TYPE	"epiphany_columnstore encoder"

/* Bytes of each of the two queues. */
#define QUEUE_BYTES			(4 * 1024 * 1024)

/* A chunk whose message would be larger is encoded by the backend. */
#define MAX_CHUNK_MESSAGE	(64 * 1024 * 1024)

/* The shared memory: this header, then the queue to the worker, then back. */
typedef struct EncodeShared
{
	Oid			database;
} EncodeShared;

#define TO_WORKER_OFFSET	MAXALIGN(sizeof(EncodeShared))
#define FROM_WORKER_OFFSET	(TO_WORKER_OFFSET + QUEUE_BYTES)
#define SEGMENT_BYTES		(FROM_WORKER_OFFSET + QUEUE_BYTES)

/*
 * The first message: the columns (each FormData_pg_attribute, then a bool
 * per column: bloom filter wanted) and the compression.
 */
typedef struct SetupMessage
{
	int32		natts;
	int32		compression;	/* EpCompression */
	int32		compression_level;
} SetupMessage;

/*
 * Then one message per chunk: this header, the NULL flags (count bools),
 * then at the next MAXALIGNed offset either the Datums (by-value columns)
 * or a uint32 offset per value into the MAXALIGNed bytes that follow, each
 * value starting MAXALIGNed (by-reference columns; NULLs have none).
 */
typedef struct ChunkMessage
{
	int32		attno;			/* 0-based */
	int32		chunk;
	int32		count;
} ChunkMessage;

/*
 * The answer to a chunk: this header, then MAXALIGNed the stored bytes, the
 * min and max images and the bloom filter (those three as varlenas).
 */
typedef struct ResultMessage
{
	int32		attno;
	int32		chunk;
	int32		min_size;		/* VARSIZE of the images (0: none) */
	int32		max_size;
	int32		bloom_size;		/* VARSIZE of the bloom filter (0: none) */
	ColumnarChunk encoded;		/* as ColumnarEncodeChunk filled it, its
								 * pointers cleared: what they point to
								 * follows */
} ResultMessage;

struct ColumnarEncodeWorker
{
	dsm_segment *segment;
	shm_mq_handle *to_worker;
	shm_mq_handle *from_worker;
	BackgroundWorkerHandle *handle;
	TupleDesc	tupdesc;
	ColumnarEncodedFn on_result;
	void	   *arg;
	bool		gone;			/* the worker detached: hand over no more */
	int			in_flight;		/* chunks sent, not answered yet */
	StringInfoData message;		/* the chunk message being built */
	MemoryContext result_context;	/* reset after each answer */
};

PGDLLEXPORT void ep_columnar_encode_worker_main(Datum main_arg);

/*
 * This backend's workers whose shared memory is attached: at most one, so
 * that a COPY routing rows to many columnar partitions takes one worker
 * slot, not one per partition (the backend parses for all of them).  The
 * segment's detach (the load's end, or its transaction's abort) counts it
 * down.
 */
#define MAX_WORKERS_PER_BACKEND	1
static int	AttachedWorkers = 0;

static void
CountDetachedWorker(dsm_segment *segment, Datum arg)
{
	AttachedWorkers--;
}

/*
 * Whether the worker can encode column "att": a built-in type and collation,
 * which every process sees alike.
 */
static bool
WorkerCanEncode(Form_pg_attribute att)
{
	return att->attisdropped ||
		(att->atttypid < FirstNormalObjectId && att->attcollation < FirstNormalObjectId);
}

/* Sends the first message, blocking: the worker has nothing to answer yet. */
static bool
SendSetup(ColumnarEncodeWorker *worker, const ColumnarOptions *options, const bool *with_bloom)
{
	int			natts = worker->tupdesc->natts;
	SetupMessage setup = {natts, options->compression, options->compression_level};
	StringInfo	buf = &worker->message;

	resetStringInfo(buf);
	appendBinaryStringInfo(buf, (char *) &setup, sizeof(setup));
	for (int a = 0; a < natts; a++)
		appendBinaryStringInfo(buf, (char *) TupleDescAttr(worker->tupdesc, a),
							   sizeof(FormData_pg_attribute));
	appendBinaryStringInfo(buf, (char *) with_bloom, sizeof(bool) * natts);
	return shm_mq_send(worker->to_worker, buf->len, buf->data, false, true) == SHM_MQ_SUCCESS;
}

/*
 * ColumnarStartEncodeWorker - a worker to encode the chunks of a load into
 * a table of "tupdesc" with "options" ("with_bloom[a]": column a gets bloom
 * filters); each answer goes to "on_result" with "arg".  NULL when a column
 * is of a type the worker cannot see, this backend has its worker already,
 * or no worker can be started.
 */
ColumnarEncodeWorker *
ColumnarStartEncodeWorker(TupleDesc tupdesc, const ColumnarOptions *options,
						  const bool *with_bloom, ColumnarEncodedFn on_result, void *arg)
{
	ColumnarEncodeWorker *worker;
	BackgroundWorker description;
	EncodeShared *shared;
	shm_mq	   *to_worker;
	shm_mq	   *from_worker;
	dsm_segment *segment;
	BackgroundWorkerHandle *handle;

	if (AttachedWorkers >= MAX_WORKERS_PER_BACKEND)
		return NULL;
	for (int a = 0; a < tupdesc->natts; a++)
		if (!WorkerCanEncode(TupleDescAttr(tupdesc, a)))
			return NULL;
	segment = dsm_create(SEGMENT_BYTES, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (segment == NULL)
		return NULL;
	AttachedWorkers++;
	on_dsm_detach(segment, CountDetachedWorker, (Datum) 0);
	shared = dsm_segment_address(segment);
	shared->database = MyDatabaseId;
	to_worker = shm_mq_create((char *) shared + TO_WORKER_OFFSET, QUEUE_BYTES);
	shm_mq_set_sender(to_worker, MyProc);
	from_worker = shm_mq_create((char *) shared + FROM_WORKER_OFFSET, QUEUE_BYTES);
	shm_mq_set_receiver(from_worker, MyProc);

	EpDescribeWorker(&description, EP_COLUMNSTORE_LIBRARY, "ep_columnar_encode_worker_main",
					 ENCODE_WORKER_TYPE, UInt32GetDatum(dsm_segment_handle(segment)));
	description.bgw_restart_time = BGW_NEVER_RESTART;
	description.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&description, &handle))
	{
		dsm_detach(segment);
		return NULL;
	}

	worker = palloc0(sizeof(ColumnarEncodeWorker));
	worker->segment = segment;
	worker->handle = handle;
	worker->tupdesc = tupdesc;
	worker->on_result = on_result;
	worker->arg = arg;
	worker->to_worker = shm_mq_attach(to_worker, segment, handle);
	worker->from_worker = shm_mq_attach(from_worker, segment, handle);
	worker->result_context = AllocSetContextCreate(CurrentMemoryContext,
												   "columnar encoder answers",
												   ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&worker->message);
	worker->gone = !SendSetup(worker, options, with_bloom);
	return worker;
}

/* A varlena of "size" bytes at *at in an answer, or NULL; moves *at past it. */
static bytea *
TakeVarlena(char *message, Size *at, int32 size)
{
	bytea	   *value = size > 0 ? (bytea *) (message + *at) : NULL;

	*at += MAXALIGN(size);
	return value;
}

/* Passes one answer to the caller's function. */
static void
TakeResult(ColumnarEncodeWorker *worker, char *message, Size size)
{
	ResultMessage header;
	ColumnarChunk chunk;
	Size		at = MAXALIGN(sizeof(ResultMessage));
	const char *stored;
	MemoryContext old;

	Assert((uintptr_t) message % MAXIMUM_ALIGNOF == 0);
	memcpy(&header, message, sizeof(header));
	chunk = header.encoded;
	if (chunk.stored_size < 0 || header.min_size < 0 || header.max_size < 0 ||
		header.bloom_size < 0)
		elog(ERROR, "malformed answer from the columnar encoding worker");
	stored = chunk.stored_size > 0 ? message + at : NULL;
	at += MAXALIGN(chunk.stored_size);
	chunk.min_image = TakeVarlena(message, &at, header.min_size);
	chunk.max_image = TakeVarlena(message, &at, header.max_size);
	chunk.has_minmax = chunk.min_image != NULL && chunk.max_image != NULL;
	chunk.bloom = TakeVarlena(message, &at, header.bloom_size);
	if (at != MAXALIGN(size) || header.attno < 0 || header.attno >= worker->tupdesc->natts)
		elog(ERROR, "malformed answer from the columnar encoding worker");
	worker->in_flight--;
	old = MemoryContextSwitchTo(worker->result_context);
	worker->on_result(worker->arg, header.attno, header.chunk, &chunk, stored);
	MemoryContextSwitchTo(old);
	MemoryContextReset(worker->result_context);
}

/*
 * Takes the answers that are there, or waits for one when "wait"; false
 * when there was none to take (or the worker is gone).
 */
static bool
TakeResults(ColumnarEncodeWorker *worker, bool wait)
{
	bool		took = false;

	while (worker->in_flight > 0)
	{
		Size		size;
		void	   *data;
		shm_mq_result result = shm_mq_receive(worker->from_worker, &size, &data,
											  !wait || took);

		if (result == SHM_MQ_WOULD_BLOCK)
			break;
		if (result == SHM_MQ_DETACHED)
		{
			worker->gone = true;
			break;
		}
		TakeResult(worker, data, size);
		took = true;
	}
	return took;
}

/*
 * Builds the message of one chunk in worker->message; false when it would
 * be too large to hand over.
 */
static bool
BuildChunkMessage(ColumnarEncodeWorker *worker, int attno, int chunk, const Datum *values,
				  const bool *nulls, int count)
{
	Form_pg_attribute att = TupleDescAttr(worker->tupdesc, attno);
	ChunkMessage header = {attno, chunk, count};
	StringInfo	buf = &worker->message;
	Size		values_at = MAXALIGN(sizeof(header)) + MAXALIGN(sizeof(bool) * count);
	Size		size = values_at;
	Size		bytes_at;
	uint32	   *offsets;

	if (att->attbyval)
		size += sizeof(Datum) * count;
	else
	{
		size += MAXALIGN(sizeof(uint32) * count);
		for (int i = 0; i < count && size <= MAX_CHUNK_MESSAGE; i++)
			if (!nulls[i])
				size += MAXALIGN(datumGetSize(values[i], false, att->attlen));
	}
	if (size > MAX_CHUNK_MESSAGE)
		return false;

	resetStringInfo(buf);
	enlargeStringInfo(buf, size);
	memset(buf->data, 0, values_at);
	memcpy(buf->data, &header, sizeof(header));
	memcpy(buf->data + MAXALIGN(sizeof(header)), nulls, sizeof(bool) * count);
	buf->len = size;
	if (att->attbyval)
	{
		memcpy(buf->data + values_at, values, sizeof(Datum) * count);
		return true;
	}
	offsets = (uint32 *) (buf->data + values_at);
	bytes_at = values_at + MAXALIGN(sizeof(uint32) * count);
	for (int i = 0; i < count; i++)
	{
		Size		value_size;

		offsets[i] = (uint32) (bytes_at - values_at);
		if (nulls[i])
			continue;
		value_size = datumGetSize(values[i], false, att->attlen);
		memcpy(buf->data + bytes_at, DatumGetPointer(values[i]), value_size);
		bytes_at += MAXALIGN(value_size);
	}
	return true;
}

/*
 * ColumnarEncodeInWorker - hand chunk "chunk" of column "attno" (0-based:
 * values and nulls [0..count)) to the worker, taking its answers meanwhile
 * when its queue is full; false when the worker is gone or the chunk too
 * large to hand over: the caller then encodes the chunk itself.
 */
bool
ColumnarEncodeInWorker(ColumnarEncodeWorker *worker, int attno, int chunk,
					   const Datum *values, const bool *nulls, int count)
{
	if (worker->gone || !BuildChunkMessage(worker, attno, chunk, values, nulls, count))
		return false;
	for (;;)
	{
		shm_mq_result result = shm_mq_send(worker->to_worker, worker->message.len,
										   worker->message.data, true, true);

		if (result == SHM_MQ_SUCCESS)
		{
			worker->in_flight++;
			return true;
		}
		if (result == SHM_MQ_DETACHED)
		{
			worker->gone = true;
			return false;
		}
		/* the queue is full: take answers, or wait for the worker */
		if (!TakeResults(worker, false))
		{
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH, 0, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
}

/*
 * ColumnarCollectEncoded - wait for the answers to every chunk handed over;
 * false when the worker went away first (the chunks it did not answer are
 * the caller's to encode, and it takes no more).
 */
bool
ColumnarCollectEncoded(ColumnarEncodeWorker *worker)
{
	while (worker->in_flight > 0 && !worker->gone)
		(void) TakeResults(worker, true);
	return !worker->gone;
}

/* ColumnarStopEncodeWorker - let the worker go (it exits) and free "worker". */
void
ColumnarStopEncodeWorker(ColumnarEncodeWorker *worker)
{
	shm_mq_detach(worker->to_worker);
	shm_mq_detach(worker->from_worker);
	dsm_detach(worker->segment);
	MemoryContextDelete(worker->result_context);
	pfree(worker->message.data);
	pfree(worker->handle);
	pfree(worker);
}


/* ----------------------------------------------------------------
 * The worker
 * ----------------------------------------------------------------
 */

/* What the worker knows of the load, from the first message. */
typedef struct EncodeSetup
{
	SetupMessage header;
	FormData_pg_attribute *atts;
	bool	   *with_bloom;
} EncodeSetup;

static void
ReadSetup(char *data, Size size, EncodeSetup *setup)
{
	memcpy(&setup->header, data, sizeof(SetupMessage));
	if (setup->header.natts < 1 || setup->header.natts > MaxTupleAttributeNumber ||
		size != sizeof(SetupMessage) +
		(sizeof(FormData_pg_attribute) + sizeof(bool)) * setup->header.natts)
		elog(ERROR, "malformed setup message for the columnar encoding worker");
	setup->atts = palloc(sizeof(FormData_pg_attribute) * setup->header.natts);
	memcpy(setup->atts, data + sizeof(SetupMessage),
		   sizeof(FormData_pg_attribute) * setup->header.natts);
	setup->with_bloom = palloc(sizeof(bool) * setup->header.natts);
	memcpy(setup->with_bloom,
		   data + sizeof(SetupMessage) + sizeof(FormData_pg_attribute) * setup->header.natts,
		   sizeof(bool) * setup->header.natts);
}

/* Appends a varlena (or nothing) at a MAXALIGNed place; returns its size. */
static int32
AppendVarlena(StringInfo buf, const bytea *value)
{
	int32		size = value != NULL ? VARSIZE(value) : 0;

	appendBinaryStringInfo(buf, (const char *) value, size);
	buf->len = MAXALIGN(buf->len);
	return size;
}

/* Encodes the chunk in a message and builds the answer in "answer". */
static void
EncodeChunkMessage(EncodeSetup *setup, char *data, Size size, StringInfo answer)
{
	ChunkMessage header;
	ResultMessage result = {0};
	ColumnarChunk chunk;
	Form_pg_attribute att;
	Size		values_at;
	bool	   *nulls;
	Datum	   *values;
	char	   *stored;

	memcpy(&header, data, sizeof(header));
	if (header.attno < 0 || header.attno >= setup->header.natts || header.count < 1 ||
		size < MAXALIGN(sizeof(header)) + MAXALIGN(sizeof(bool) * header.count))
		elog(ERROR, "malformed chunk message for the columnar encoding worker");
	att = &setup->atts[header.attno];
	nulls = (bool *) (data + MAXALIGN(sizeof(header)));
	values_at = MAXALIGN(sizeof(header)) + MAXALIGN(sizeof(bool) * header.count);
	values = palloc(sizeof(Datum) * header.count);
	if (att->attbyval)
		memcpy(values, data + values_at, sizeof(Datum) * header.count);
	else
	{
		const uint32 *offsets = (const uint32 *) (data + values_at);

		for (int i = 0; i < header.count; i++)
			values[i] = PointerGetDatum(data + values_at + offsets[i]);
	}

	stored = ColumnarEncodeChunk(att, values, nulls, header.count,
								 (EpCompression) setup->header.compression,
								 setup->header.compression_level,
								 setup->with_bloom[header.attno], &chunk);
	result.attno = header.attno;
	result.chunk = header.chunk;
	result.encoded = chunk;
	/* ColumnarEncodeChunk sets no pointer but these three */
	result.encoded.min_image = result.encoded.max_image = result.encoded.bloom = NULL;

	resetStringInfo(answer);
	appendBinaryStringInfo(answer, (char *) &result, sizeof(result));
	answer->len = MAXALIGN(answer->len);
	if (stored != NULL)
		appendBinaryStringInfo(answer, stored, chunk.stored_size);
	answer->len = MAXALIGN(answer->len);
	result.min_size = AppendVarlena(answer, chunk.min_image);
	result.max_size = AppendVarlena(answer, chunk.max_image);
	result.bloom_size = AppendVarlena(answer, chunk.bloom);
	memcpy(answer->data, &result, sizeof(result));
}

/*
 * ep_columnar_encode_worker_main - the worker: encodes the chunks the
 * backend sends until it detaches.
 */
void
ep_columnar_encode_worker_main(Datum main_arg)
{
	dsm_segment *segment;
	EncodeShared *shared;
	shm_mq	   *to_worker;
	shm_mq	   *from_worker;
	shm_mq_handle *inbox;
	shm_mq_handle *outbox;
	EncodeSetup setup;
	StringInfoData answer;
	MemoryContext chunk_context;
	Size		size;
	void	   *data;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	CurrentResourceOwner = ResourceOwnerCreate(NULL, ENCODE_WORKER_TYPE);
	segment = dsm_attach(DatumGetUInt32(main_arg));
	if (segment == NULL)
		proc_exit(0);			/* the backend is gone already */
	shared = dsm_segment_address(segment);
	BackgroundWorkerInitializeConnectionByOid(shared->database, InvalidOid, 0);
	pgstat_report_appname(ENCODE_WORKER_TYPE);

	to_worker = (shm_mq *) ((char *) shared + TO_WORKER_OFFSET);
	from_worker = (shm_mq *) ((char *) shared + FROM_WORKER_OFFSET);
	shm_mq_set_receiver(to_worker, MyProc);
	shm_mq_set_sender(from_worker, MyProc);
	inbox = shm_mq_attach(to_worker, segment, NULL);
	outbox = shm_mq_attach(from_worker, segment, NULL);

	/* the first message describes the columns */
	MemoryContextSwitchTo(TopMemoryContext);
	if (shm_mq_receive(inbox, &size, &data, false) != SHM_MQ_SUCCESS)
		proc_exit(0);
	ReadSetup(data, size, &setup);
	initStringInfo(&answer);
	chunk_context = AllocSetContextCreate(TopMemoryContext, "columnar encoder chunk",
										  ALLOCSET_DEFAULT_SIZES);
	StartTransactionCommand();	/* of its own, to look types up */
	MemoryContextSwitchTo(chunk_context);
	/* messages are MAXALIGNed, as shm_mq returns them: values are read in place */
	while (shm_mq_receive(inbox, &size, &data, false) == SHM_MQ_SUCCESS)
	{
		CHECK_FOR_INTERRUPTS();
		EncodeChunkMessage(&setup, data, size, &answer);
		if (shm_mq_send(outbox, answer.len, answer.data, false, true) != SHM_MQ_SUCCESS)
			break;
		MemoryContextReset(chunk_context);
	}
	/* the backend detached: the load is over */
	CommitTransactionCommand();
	proc_exit(0);
}
