/*-------------------------------------------------------------------------
 *
 * cagg_invalidation.c
 *	  Records which times of a hypertable changed, for the continuous
 *	  aggregates defined on it (README.md, "Continuous aggregates"), and
 *	  keeps its invalidation threshold.
 *
 *	  A row trigger on every chunk of a source hypertable (and a TRUNCATE
 *	  trigger on the hypertable) tracks, per transaction, the smallest and
 *	  largest time inserted, updated or deleted.  Before commit the range
 *	  goes to _epiphany_timestore.hypertable_invalidation_log, cut at the
 *	  hypertable's invalidation threshold: changes at or past the threshold
 *	  need no record, since no refresh has materialized those times yet.
 *
 *	  Invariant: every committed change below the threshold is logged, or
 *	  is visible to the refresh that raised the threshold past it.  A
 *	  committing writer reads the threshold under a lock that it holds until
 *	  its commit; raising the threshold takes a lock that conflicts with it,
 *	  so a raise waits for writers that read the old value, and the refresh
 *	  materializes with a snapshot taken after the raise.  A writer that
 *	  finds the lock taken (a refresh is under way) does not wait: it logs
 *	  its whole range, which the next refresh recomputes.  Writers never
 *	  block each other.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/cagg_invalidation.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "timestore.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(ep_cagg_invalidation_trigger);

/* The times one transaction changed in one hypertable, inclusive. */
typedef struct PendingInvalidation
{
	int32		hypertable_id;
	AttrNumber	time_attno;
	Oid			time_type;
	int64		lowest;
	int64		greatest;
} PendingInvalidation;

/* This transaction's, in TopTransactionContext. */
static List *PendingInvalidations = NIL;

/*
 * The lock that orders writers and threshold raises: a lock on the object
 * (invalidation_threshold, hypertable id), held to the end of the
 * transaction.  Without wait, returns false rather than wait for it.
 */
static bool
LockThreshold(int32 hypertable_id, LOCKMODE mode, bool wait)
{
	Oid			catalog = get_relname_relid("invalidation_threshold",
											get_namespace_oid("_epiphany_timestore", false));
	LOCKTAG		tag;

	if (!OidIsValid(catalog))
		elog(ERROR, "catalog table _epiphany_timestore.invalidation_threshold is missing");
	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, catalog, (Oid) hypertable_id, 0);
	return LockAcquire(&tag, mode, false, !wait) != LOCKACQUIRE_NOT_AVAIL;
}

/*
 * InvalidationThresholdGet - the threshold of a hypertable as committed
 * now (PG_INT64_MIN when none was set), whatever the caller's snapshot.
 */
int64
InvalidationThresholdGet(int32 hypertable_id)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(hypertable_id)};
	int64		threshold = PG_INT64_MIN;
	int			nestlevel = CatalogEnter();

	SPI_connect();
	CatalogReadLatest("SELECT threshold FROM _epiphany_timestore.invalidation_threshold"
					  " WHERE hypertable_id = $1", 1, argtypes, values, NULL);
	if (SPI_processed > 0)
	{
		bool		isnull;

		threshold = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();
	CatalogLeave(nestlevel);
	return threshold;
}

/*
 * InvalidationThresholdRaise - moves the threshold of a hypertable up to
 * threshold (never down).  Waits for the writers that read the old value;
 * the lock taken is held to the end of the caller's transaction.
 */
void
InvalidationThresholdRaise(int32 hypertable_id, int64 threshold)
{
	Oid			argtypes[2] = {INT4OID, INT8OID};
	Datum		values[2] = {Int32GetDatum(hypertable_id), Int64GetDatum(threshold)};

	(void) LockThreshold(hypertable_id, ShareLock, true);
	CatalogExecute("INSERT INTO _epiphany_timestore.invalidation_threshold AS t"
				   " (hypertable_id, threshold) VALUES ($1, $2)"
				   " ON CONFLICT (hypertable_id) DO UPDATE"
				   " SET threshold = greatest(t.threshold, excluded.threshold)",
				   2, argtypes, values, NULL, NULL);
}

/* ----------------------------------------------------------------
 *		The trigger
 * ----------------------------------------------------------------
 */

/* The pending range of hypertable_id, made on its first change. */
static PendingInvalidation *
PendingFor(int32 hypertable_id)
{
	PendingInvalidation *pending;
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(hypertable_id)};
	const Hypertable *ht = NULL;
	MemoryContext oldcxt;
	ListCell   *lc;
	int			nestlevel;

	foreach(lc, PendingInvalidations)
	{
		pending = lfirst(lc);
		if (pending->hypertable_id == hypertable_id)
			return pending;
	}

	nestlevel = CatalogEnter();
	SPI_connect();
	CatalogReadLatest("SELECT relid FROM _epiphany_timestore.hypertable WHERE id = $1",
					  1, argtypes, values, NULL);
	if (SPI_processed > 0)
	{
		bool		isnull;

		ht = HypertableGet(DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 1,
														  &isnull)));
	}
	SPI_finish();
	CatalogLeave(nestlevel);
	if (ht == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("hypertable %d of an invalidation trigger does not exist",
						hypertable_id)));

	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	pending = palloc(sizeof(PendingInvalidation));
	pending->hypertable_id = hypertable_id;
	pending->time_attno = ht->time_attno;
	pending->time_type = ht->time_type;
	pending->lowest = PG_INT64_MAX;
	pending->greatest = PG_INT64_MIN;
	PendingInvalidations = lappend(PendingInvalidations, pending);
	MemoryContextSwitchTo(oldcxt);
	return pending;
}

static void
PendingAddRow(PendingInvalidation *pending, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		value = slot_getattr(slot, pending->time_attno, &isnull);
	int64		internal;

	if (isnull)
		return;
	internal = TimeToInternalOrClamp(value, pending->time_type);
	pending->lowest = Min(pending->lowest, internal);
	pending->greatest = Max(pending->greatest, internal);
}

/*
 * _epiphany_timestore.cagg_invalidation_trigger(hypertable_id): AFTER ROW
 * INSERT, UPDATE or DELETE on a chunk, or AFTER TRUNCATE on the hypertable
 * (which invalidates every time).
 */
Datum
ep_cagg_invalidation_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	PendingInvalidation *pending;
	TriggerEvent event;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		trigdata->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("cagg_invalidation_trigger must fire AFTER, with a hypertable id")));
	event = trigdata->tg_event;
	pending = PendingFor(pg_strtoint32(trigdata->tg_trigger->tgargs[0]));

	if (TRIGGER_FIRED_BY_TRUNCATE(event))
	{
		pending->lowest = PG_INT64_MIN;
		pending->greatest = PG_INT64_MAX;
	}
	else if (TRIGGER_FIRED_FOR_ROW(event))
	{
		PendingAddRow(pending, trigdata->tg_trigslot);
		if (TRIGGER_FIRED_BY_UPDATE(event))
			PendingAddRow(pending, trigdata->tg_newslot);
	}
	return PointerGetDatum(NULL);
}

/*
 * InvalidationAddRange - records that this transaction changed the times
 * [lowest, greatest] of a hypertable (the INSERT and COPY paths).
 */
void
InvalidationAddRange(int32 hypertable_id, int64 lowest, int64 greatest)
{
	PendingInvalidation *pending = PendingFor(hypertable_id);

	pending->lowest = Min(pending->lowest, lowest);
	pending->greatest = Max(pending->greatest, greatest);
}

/* Whether trigger is the invalidation trigger. */
static bool
IsInvalidationTrigger(const Trigger *trigger)
{
	const char *symbol = LibraryFunctionSymbol(trigger->tgfoid);

	return symbol != NULL && strcmp(symbol, "ep_cagg_invalidation_trigger") == 0 &&
		TRIGGER_FOR_ROW(trigger->tgtype) && trigger->tgnargs == 1;
}

/*
 * InvalidationTriggerStrip - takes the invalidation trigger out of a copy
 * of a chunk's trigger descriptor, for the INSERT and COPY paths, which
 * record the times they route themselves (InvalidationAddRange): an AFTER
 * ROW trigger costs every row an event.  Kept when a BEFORE ROW INSERT
 * trigger could still change a row's time.  Returns the hypertable id of
 * the trigger taken out, or 0.
 */
int32
InvalidationTriggerStrip(TriggerDesc *trigdesc)
{
	int32		hypertable_id = 0;
	int			i;
	int			j = 0;

	if (trigdesc == NULL || trigdesc->trig_insert_before_row)
		return 0;
	trigdesc->trig_insert_after_row = false;
	for (i = 0; i < trigdesc->numtriggers; i++)
	{
		Trigger    *trigger = &trigdesc->triggers[i];

		if (IsInvalidationTrigger(trigger))
		{
			hypertable_id = pg_strtoint32(trigger->tgargs[0]);
			continue;
		}
		if (TRIGGER_FOR_ROW(trigger->tgtype) && TRIGGER_FOR_AFTER(trigger->tgtype) &&
			TRIGGER_FOR_INSERT(trigger->tgtype))
			trigdesc->trig_insert_after_row = true;
		trigdesc->triggers[j++] = *trigger;
	}
	trigdesc->numtriggers = j;
	return hypertable_id;
}

/* ----------------------------------------------------------------
 *		At commit
 * ----------------------------------------------------------------
 */

/*
 * Logs the part of pending below the threshold; all of it while a refresh
 * is raising the threshold (that refresh may not see this transaction's
 * rows, and writers do not wait for refreshes).
 */
static void
PendingFlush(const PendingInvalidation *pending)
{
	Oid			argtypes[3] = {INT4OID, INT8OID, INT8OID};
	Datum		values[3];
	int64		threshold = PG_INT64_MAX;
	int64		end;

	if (pending->lowest > pending->greatest)
		return;
	if (LockThreshold(pending->hypertable_id, RowExclusiveLock, false))
		threshold = InvalidationThresholdGet(pending->hypertable_id);
	if (pending->lowest >= threshold)
		return;
	end = pending->greatest == PG_INT64_MAX ? PG_INT64_MAX : pending->greatest + 1;
	values[0] = Int32GetDatum(pending->hypertable_id);
	values[1] = Int64GetDatum(pending->lowest);
	values[2] = Int64GetDatum(Min(end, threshold));
	CatalogExecute("INSERT INTO _epiphany_timestore.hypertable_invalidation_log"
				   " (hypertable_id, lowest, greatest) VALUES ($1, $2, $3)",
				   3, argtypes, values, NULL, NULL);
}

/*
 * InvalidationFlushPending - logs now what this transaction changed in the
 * hypertable, so that a refresh in the same transaction sees it.
 */
void
InvalidationFlushPending(int32 hypertable_id)
{
	ListCell   *lc;

	foreach(lc, PendingInvalidations)
	{
		PendingInvalidation *pending = lfirst(lc);

		if (pending->hypertable_id != hypertable_id)
			continue;
		PendingFlush(pending);
		pending->lowest = PG_INT64_MAX;
		pending->greatest = PG_INT64_MIN;
	}
}

static void
InvalidationXactCallback(XactEvent event, void *arg)
{
	ListCell   *lc;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (PendingInvalidations == NIL)
				break;
			/* the portals, and their snapshots, are closed by now */
			PushActiveSnapshot(GetTransactionSnapshot());
			foreach(lc, PendingInvalidations)
				PendingFlush(lfirst(lc));
			PopActiveSnapshot();
			PendingInvalidations = NIL;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
			PendingInvalidations = NIL;
			break;
		default:
			break;
	}
}

/* Called by _PG_init. */
void
CaggInvalidationInit(void)
{
	RegisterXactCallback(InvalidationXactCallback, NULL);
}
