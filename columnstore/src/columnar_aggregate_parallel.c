/*-------------------------------------------------------------------------
 *
 * columnar_aggregate_parallel.c
 *	  ColumnarAggregate's parallel workers: workers of the node's own (as
 *	  parallel index builds have), sharing the table's row groups and delta
 *	  blocks through a parallel table scan; each sends its groups over a
 *	  shared-memory queue and the leader merges them into its own.
 *
 *	  Guarantees: the workers compile the leader's plan and take its
 *	  filter values, so every participant computes the same aggregation
 *	  over its share; a participant that must fall back makes the leader
 *	  fall back; a worker's error reaches the leader.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_aggregate_parallel.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/parallel.h"
#include "access/table.h"
#include "columnar_aggregate.h"
#include "libpq/pqformat.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#define PARALLEL_KEY_SHARED		UINT64CONST(0xE9A6600000000001)
#define PARALLEL_KEY_PLAN		UINT64CONST(0xE9A6600000000002)
#define PARALLEL_KEY_VALUES		UINT64CONST(0xE9A6600000000003)
#define PARALLEL_KEY_SCAN		UINT64CONST(0xE9A6600000000004)
#define PARALLEL_KEY_QUEUES		UINT64CONST(0xE9A6600000000005)
#define PARALLEL_QUEUE_SIZE		65536

typedef struct AggregateShared
{
	Oid			relid;
} AggregateShared;


/* Appends "value" in datumSerialize's form. */
static void
AppendDatum(StringInfo buf, Datum value, bool isnull, bool byval, int typlen)
{
	Size		size = datumEstimateSpace(value, isnull, byval, typlen);
	char	   *start;

	enlargeStringInfo(buf, (int) size);
	start = buf->data + buf->len;
	datumSerialize(value, isnull, byval, typlen, &start);
	buf->len += (int) size;
	buf->data[buf->len] = '\0';
}

/* The filters' values, as the leader sends them to the workers. */
static void
SerializeFilterValues(AggregateState *state, StringInfo buf)
{
	for (int i = 0; i < state->nfilters; i++)
	{
		VectorFilter *f = &state->filters[i];
		int16		typlen = -1;
		bool		byval = false;

		if (OidIsValid(f->value_type))
			get_typlenbyval(f->value_type, &typlen, &byval);
		AppendDatum(buf, f->value, f->value_null || !OidIsValid(f->value_type), byval, typlen);
	}
}

static void
RestoreFilterValues(AggregateState *state, char *data)
{
	for (int i = 0; i < state->nfilters; i++)
	{
		VectorFilter *f = &state->filters[i];
		bool		isnull;
		Datum		value = datumRestore(&data, &isnull);

		ColumnarSetFilterValue(f, state->columns[f->column].vtype, value, isnull);
	}
	ColumnarAggSetChunkFilterValues(state);
}

/* The groups of a participant, as it sends them to the leader. */
static void
SerializeGroups(AggregateState *state, bool done, StringInfo buf)
{
	pq_sendint32(buf, done ? 1 : 0);
	pq_sendint64(buf, state->batches);
	pq_sendint64(buf, state->chunks_skipped);
	pq_sendint64(buf, state->batches_unfiltered);
	pq_sendint32(buf, done ? state->ngroups : 0);
	for (int a = 0; a < state->naggs; a++)
		pq_sendint32(buf, state->aggs[a].scale);
	for (int g = 0; done && g < state->ngroups; g++)
	{
		uint64		key = state->group_keys[g];

		for (int k = 0; k < state->nkeys; k++)
		{
			KeyColumn  *kc = &state->keys[k];
			uint32		id = (uint32) (key >> (32 * (state->nkeys - 1 - k)));

			AppendDatum(buf, id == 0 ? (Datum) 0 : kc->values[id - 1], id == 0, kc->byval,
						kc->typlen);
		}
		for (int a = 0; a < state->naggs; a++)
		{
			Accumulator *acc = &state->accumulators[(Size) g * state->naggs + a];

			appendBinaryStringInfo(buf, (char *) acc, sizeof(Accumulator));
			if (acc->found)
				AppendDatum(buf, acc->extreme, false, state->aggs[a].byval,
							state->aggs[a].typlen);
		}
	}
}

/* The group of key values "values" (NULLs in "nulls"), added if new. */
static uint32
GroupOfKeys(AggregateState *state, Datum *values, bool *nulls)
{
	uint64		key = 0;
	bool		is_new;
	uint32		group;

	for (int k = 0; k < state->nkeys; k++)
	{
		KeyColumn  *kc = &state->keys[k];
		uint32		id = 0;

		if (nulls[k])
			id = 0;
		else if (kc->by_image)
		{
			uint64		image = (uint64) ColumnarDatumToInt64(state->columns[kc->column].type,
															  values[k]);

			id = ColumnarIdTableLookup(&kc->table, image, ColumnarMix64(image), &is_new, NULL, NULL);
			if (is_new)
				ColumnarAggKeyStoreValue(kc, id, values[k]);
		}
		else
			id = ColumnarAggGenericKeyId(kc, values[k]);
		key = (key << 32) | id;
	}
	if (state->nkeys == 0)
		return 0;
	group = ColumnarIdTableLookup(&state->groups, key, ColumnarMix64(key), &is_new, NULL, NULL) - 1;
	if (is_new)
		ColumnarAggAddGroup(state, key);
	return group;
}

/* Adds a participant's accumulator "in" to aggregate "a" of group "g". */
static bool
Combine(AggregateState *state, int g, int a, Accumulator *in, int in_scale)
{
	VectorAggregate *va = &state->aggs[a];
	Accumulator *acc = &state->accumulators[(Size) g * state->naggs + a];
	int128		sum = in->sum;

	acc->count += in->count;
	acc->float_sum += in->float_sum;
	if (va->kind == AGGREGATE_SUM || va->kind == AGGREGATE_AVG)
	{
		if (in_scale > va->scale && !ColumnarAggRescaleSums(state, a, in_scale))
			return false;
		if (!EpRescale(&sum, in_scale, va->scale) ||
			__builtin_add_overflow(acc->sum, sum, &acc->sum))
			return false;
		acc->dscale = Max(acc->dscale, in->dscale);
	}
	if (in->found)
		ColumnarAggConsiderExtreme(state, a, acc, in->extreme, in->extreme_int);
	return true;
}

/* Merges a participant's groups; false when it fell back or overflowed. */
static bool
MergeGroups(AggregateState *state, char *data, Size size)
{
	StringInfoData buf = {.data = data, .len = (int) size, .maxlen = (int) size, .cursor = 0};
	bool		done = pq_getmsgint(&buf, 4) != 0;
	int			ngroups;
	int		   *scales = palloc(sizeof(int) * Max(1, state->naggs));
	Datum		values[MAX_GROUP_KEYS];
	bool		nulls[MAX_GROUP_KEYS];
	MemoryContext old = MemoryContextSwitchTo(state->context);

	state->batches += pq_getmsgint64(&buf);
	state->chunks_skipped += pq_getmsgint64(&buf);
	state->batches_unfiltered += pq_getmsgint64(&buf);
	ngroups = pq_getmsgint(&buf, 4);
	for (int a = 0; a < state->naggs; a++)
		scales[a] = pq_getmsgint(&buf, 4);
	for (int g = 0; done && g < ngroups; g++)
	{
		char	   *cursor;
		uint32		group;

		for (int k = 0; k < state->nkeys; k++)
		{
			cursor = buf.data + buf.cursor;
			values[k] = datumRestore(&cursor, &nulls[k]);
			buf.cursor = cursor - buf.data;
		}
		group = GroupOfKeys(state, values, nulls);
		for (int a = 0; a < state->naggs && done; a++)
		{
			Accumulator in;

			memcpy(&in, pq_getmsgbytes(&buf, sizeof(Accumulator)), sizeof(Accumulator));
			if (in.found)
			{
				bool		isnull;

				cursor = buf.data + buf.cursor;
				in.extreme = datumRestore(&cursor, &isnull);
				buf.cursor = cursor - buf.data;
			}
			done = Combine(state, group, a, &in, scales[a]);
		}
	}
	MemoryContextSwitchTo(old);
	return done;
}

/*
 * Runs the aggregation with parallel workers, the leader taking its share;
 * false when a participant must fall back.
 */
bool
ColumnarAggComputeInParallel(AggregateState *state)
{
	ScanState  *ss = &state->css.ss;
	Relation	rel = ss->ss_currentRelation;
	Snapshot	snapshot = ss->ps.state->es_snapshot;
	CustomScan *cscan = (CustomScan *) ss->ps.plan;
	char	   *plan = nodeToString(list_make2(cscan->custom_private, cscan->custom_exprs));
	StringInfoData values;
	ParallelContext *pcxt;
	AggregateShared *shared;
	ParallelTableScanDesc pscan;
	char	   *queues;
	shm_mq_handle **handles;
	bool		done;

	initStringInfo(&values);
	SerializeFilterValues(state, &values);
	pcxt = CreateParallelContext(EP_COLUMNSTORE_LIBRARY, "ep_columnar_aggregate_worker",
								 state->workers);
	shm_toc_estimate_chunk(&pcxt->estimator, sizeof(AggregateShared));
	shm_toc_estimate_chunk(&pcxt->estimator, strlen(plan) + 1);
	shm_toc_estimate_chunk(&pcxt->estimator, values.len + 1);
	shm_toc_estimate_chunk(&pcxt->estimator, table_parallelscan_estimate(rel, snapshot));
	shm_toc_estimate_chunk(&pcxt->estimator, (Size) PARALLEL_QUEUE_SIZE * state->workers);
	shm_toc_estimate_keys(&pcxt->estimator, 5);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
	{
		/* no dynamic shared memory: alone */
		DestroyParallelContext(pcxt);
		return ColumnarAggRunScan(state, table_beginscan(rel, snapshot, 0, NULL));
	}
	shared = shm_toc_allocate(pcxt->toc, sizeof(AggregateShared));
	shared->relid = RelationGetRelid(rel);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_SHARED, shared);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_PLAN,
				   strcpy(shm_toc_allocate(pcxt->toc, strlen(plan) + 1), plan));
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_VALUES,
				   memcpy(shm_toc_allocate(pcxt->toc, values.len + 1), values.data, values.len + 1));
	pscan = shm_toc_allocate(pcxt->toc, table_parallelscan_estimate(rel, snapshot));
	table_parallelscan_initialize(rel, pscan, snapshot);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_SCAN, pscan);
	queues = shm_toc_allocate(pcxt->toc, (Size) PARALLEL_QUEUE_SIZE * state->workers);
	for (int i = 0; i < state->workers; i++)
		shm_mq_set_receiver(shm_mq_create(queues + (Size) i * PARALLEL_QUEUE_SIZE,
										  PARALLEL_QUEUE_SIZE), MyProc);
	shm_toc_insert(pcxt->toc, PARALLEL_KEY_QUEUES, queues);

	LaunchParallelWorkers(pcxt);
	state->workers_launched = pcxt->nworkers_launched;
	handles = palloc(sizeof(shm_mq_handle *) * Max(1, pcxt->nworkers_launched));
	for (int i = 0; i < pcxt->nworkers_launched; i++)
		handles[i] = shm_mq_attach((shm_mq *) (queues + (Size) i * PARALLEL_QUEUE_SIZE),
								   pcxt->seg, pcxt->worker[i].bgwhandle);
	done = ColumnarAggRunScan(state, table_beginscan_parallel(rel, pscan));
	for (int i = 0; i < pcxt->nworkers_launched; i++)
	{
		Size		size;
		void	   *data;

		if (shm_mq_receive(handles[i], &size, &data, false) != SHM_MQ_SUCCESS)
		{
			/* a worker that failed reports its error here */
			WaitForParallelWorkersToFinish(pcxt);
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("lost connection to a parallel worker of the columnar aggregation")));
		}
		done = MergeGroups(state, data, size) && done;
	}
	WaitForParallelWorkersToFinish(pcxt);
	DestroyParallelContext(pcxt);
	return done;
}

/*
 * ep_columnar_aggregate_worker - a parallel worker of the aggregation: its
 * share of the table, its groups sent to the leader.
 */
void
ep_columnar_aggregate_worker(dsm_segment *seg, shm_toc *toc)
{
	AggregateShared *shared = shm_toc_lookup(toc, PARALLEL_KEY_SHARED, false);
	List	   *plan = stringToNode(shm_toc_lookup(toc, PARALLEL_KEY_PLAN, false));
	char	   *queues = shm_toc_lookup(toc, PARALLEL_KEY_QUEUES, false);
	shm_mq	   *queue = (shm_mq *) (queues + (Size) ParallelWorkerNumber * PARALLEL_QUEUE_SIZE);
	AggregateState *state = palloc0(sizeof(AggregateState));
	shm_mq_handle *handle;
	StringInfoData buf;
	bool		done;

	shm_mq_set_sender(queue, MyProc);
	handle = shm_mq_attach(queue, seg, NULL);
	state->css.ss.ss_currentRelation = table_open(shared->relid, AccessShareLock);
	ColumnarAggSetupState(state, linitial(plan), lsecond(plan), NULL, CurrentMemoryContext);
	ColumnarAggResetGroups(state);
	RestoreFilterValues(state, shm_toc_lookup(toc, PARALLEL_KEY_VALUES, false));
	done = ColumnarAggRunScan(state, table_beginscan_parallel(state->css.ss.ss_currentRelation,
												   shm_toc_lookup(toc, PARALLEL_KEY_SCAN, false)));
	initStringInfo(&buf);
	SerializeGroups(state, done, &buf);
	shm_mq_send(handle, buf.len, buf.data, false, true);
	if (state->delta_slot != NULL)
		ExecDropSingleTupleTableSlot(state->delta_slot);
	table_close(state->css.ss.ss_currentRelation, AccessShareLock);
}

