/*-------------------------------------------------------------------------
 *
 * job_slots.c
 *	  The shared state between backends, the launcher and the schedulers:
 *	  one slot per database (its scheduler's pid and latch, a start request,
 *	  the "no extension" report, a pause), the wake-up of a database's
 *	  scheduler when a transaction that changed jobs commits, and the
 *	  ProcessUtility hook that pauses a database's scheduler before a command
 *	  that needs the database free of other connections (DROP DATABASE...).
 *
 *	  Invariants: every field lives under EpSchedulerShared.mutex, a spinlock
 *	  held only for short copies (no allocation, no error, no system call but
 *	  in the callers, after release); a slot with a pid belongs to a running
 *	  scheduler and only that scheduler clears it (on exit); the launcher
 *	  frees slots that have no scheduler, no start request and no pause.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/job_slots.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"
#include "epiphany/database_commands.h"
#include "epiphany/utility_hook.h"

#include <signal.h>

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/utility.h"
#include "timestore.h"
#include "utils/timestamp.h"

/*
 * How long a database gets no scheduler after a command that needs it to
 * have no other connection (DROP DATABASE, ...) stopped it.
 */
#define EP_SCHEDULER_PAUSE_MS			(10 * 1000)

/* One database's scheduler as seen by every process. */
typedef struct EpSchedulerSlot
{
	Oid			dboid;			/* InvalidOid: the slot is free */
	pid_t		pid;			/* its running scheduler, else 0 */
	Latch	   *latch;			/* that scheduler's latch, else NULL */
	bool		start_requested;	/* start a scheduler now (launcher) */
	bool		no_extension;	/* the last scheduler found no extension */
	TimestampTz paused_until;	/* start no scheduler before this */
} EpSchedulerSlot;

typedef struct EpSchedulerShared
{
	slock_t		mutex;			/* protects everything below */
	Latch	   *launcher_latch; /* NULL while no launcher runs */
	int			nslots;
	EpSchedulerSlot slots[FLEXIBLE_ARRAY_MEMBER];
} EpSchedulerShared;

static EpSchedulerShared *SchedulerShared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static bool wake_at_commit = false;
static EpSchedulerSlot *MySchedulerSlot = NULL;

/* ----------------------------------------------------------------
 *		Shared memory
 * ----------------------------------------------------------------
 */

static int
SchedulerSlotCount(void)
{
	/* every scheduler needs a slot, and so may each pending start request */
	return 2 * max_worker_processes;
}

static Size
SchedulerShmemSize(void)
{
	return add_size(offsetof(EpSchedulerShared, slots),
					mul_size(SchedulerSlotCount(), sizeof(EpSchedulerSlot)));
}

static void
SchedulerShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(SchedulerShmemSize());
}

static void
SchedulerShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	SchedulerShared = ShmemInitStruct("epiphany_timestore schedulers",
									  SchedulerShmemSize(), &found);
	if (!found)
	{
		memset(SchedulerShared, 0, SchedulerShmemSize());
		SpinLockInit(&SchedulerShared->mutex);
		SchedulerShared->nslots = SchedulerSlotCount();
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * FindSlot - the slot of database dboid, or with claim a free one taken for
 * it; NULL if none.  Caller holds the mutex.
 */
static EpSchedulerSlot *
FindSlot(Oid dboid, bool claim)
{
	EpSchedulerSlot *free_slot = NULL;
	int			i;

	for (i = 0; i < SchedulerShared->nslots; i++)
	{
		EpSchedulerSlot *slot = &SchedulerShared->slots[i];

		if (slot->dboid == dboid)
			return slot;
		if (slot->dboid == InvalidOid && free_slot == NULL)
			free_slot = slot;
	}
	if (claim && free_slot != NULL)
	{
		memset(free_slot, 0, sizeof(EpSchedulerSlot));
		free_slot->dboid = dboid;
		return free_slot;
	}
	return NULL;
}

/* ----------------------------------------------------------------
 *		Backends: wake-ups and pauses
 * ----------------------------------------------------------------
 */

/*
 * WakeScheduler - wakes the scheduler of database dboid, or, when it has
 * none, asks the launcher to start one now.  Never raises an error (it runs
 * in a commit callback).
 */
static void
WakeScheduler(Oid dboid)
{
	EpSchedulerSlot *slot;
	Latch	   *latch = NULL;

	if (SchedulerShared == NULL)
		return;
	SpinLockAcquire(&SchedulerShared->mutex);
	slot = FindSlot(dboid, true);
	if (slot != NULL && slot->pid != 0)
		latch = slot->latch;
	else
	{
		if (slot != NULL)
			slot->start_requested = true;
		latch = SchedulerShared->launcher_latch;
	}
	SpinLockRelease(&SchedulerShared->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

static void
WakeAtCommitCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
			if (wake_at_commit)
				WakeScheduler(MyDatabaseId);
			wake_at_commit = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			wake_at_commit = false;
			break;
		default:
			break;
	}
}

/*
 * JobSchedulerWakeAtCommit - when the current transaction commits, wake
 * this database's scheduler (or have the launcher start one) so that it
 * sees the job changes made in it.
 */
void
JobSchedulerWakeAtCommit(void)
{
	wake_at_commit = true;
}

/*
 * PauseScheduler - stops the scheduler of database dboid, if it has one,
 * and keeps the launcher from starting another for EP_SCHEDULER_PAUSE_MS.
 * The command that asked for it waits for the scheduler to exit, as it
 * waits for any other session (CountOtherDBBackends).
 */
static void
PauseScheduler(Oid dboid)
{
	EpSchedulerSlot *slot;
	pid_t		pid = 0;
	TimestampTz until;

	if (SchedulerShared == NULL || !OidIsValid(dboid))
		return;
	until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), EP_SCHEDULER_PAUSE_MS);
	SpinLockAcquire(&SchedulerShared->mutex);
	slot = FindSlot(dboid, true);
	if (slot != NULL)
	{
		slot->paused_until = until;
		pid = slot->pid;
	}
	SpinLockRelease(&SchedulerShared->mutex);
	if (pid != 0)
		kill(pid, SIGTERM);
}

/*
 * A database with a scheduler always has one more connection, which would
 * make DROP DATABASE and the other commands above fail: pause its
 * scheduler first.
 */
static void
SchedulerProcessUtility(PlannedStmt *pstmt, const char *queryString,
						bool readOnlyTree, ProcessUtilityContext context,
						ParamListInfo params, QueryEnvironment *queryEnv,
						DestReceiver *dest, QueryCompletion *qc)
{
	PauseScheduler(EpDatabaseNeedingSoleAccess(pstmt->utilityStmt));
	EpProcessUtilityNext(prev_ProcessUtility, pstmt, queryString, readOnlyTree, context, params,
						 queryEnv, dest, qc);
}

/*
 * JobSlotsInit - called by _PG_init while shared_preload_libraries is
 * processed: reserves the slots and installs the hooks and the commit
 * callback.
 */
void
JobSlotsInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = SchedulerShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = SchedulerShmemStartup;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = SchedulerProcessUtility;
	RegisterXactCallback(WakeAtCommitCallback, NULL);
}

/* ----------------------------------------------------------------
 *		Launcher side
 * ----------------------------------------------------------------
 */

/* Publishes the launcher's latch (NULL when it exits). */
void
JobSlotsSetLauncherLatch(Latch *latch)
{
	SpinLockAcquire(&SchedulerShared->mutex);
	SchedulerShared->launcher_latch = latch;
	SpinLockRelease(&SchedulerShared->mutex);
}

/*
 * JobSlotTakeExit - after database dboid's scheduler exited: whether it
 * reported that the extension is missing (the report is cleared); frees the
 * slot unless a start request or a pause must be kept.
 */
bool
JobSlotTakeExit(Oid dboid, TimestampTz now)
{
	EpSchedulerSlot *slot;
	bool		no_extension = false;

	SpinLockAcquire(&SchedulerShared->mutex);
	slot = FindSlot(dboid, false);
	if (slot != NULL && slot->pid == 0)
	{
		no_extension = slot->no_extension;
		slot->no_extension = false;
		if (!slot->start_requested && slot->paused_until <= now)
			slot->dboid = InvalidOid;
	}
	SpinLockRelease(&SchedulerShared->mutex);
	return no_extension;
}

/* True (and the request cleared) if a backend asked to start db's scheduler. */
bool
JobSlotTakeStartRequest(Oid dboid)
{
	EpSchedulerSlot *slot;
	bool		requested = false;

	SpinLockAcquire(&SchedulerShared->mutex);
	slot = FindSlot(dboid, false);
	if (slot != NULL && slot->start_requested)
	{
		requested = true;
		slot->start_requested = false;
	}
	SpinLockRelease(&SchedulerShared->mutex);
	return requested;
}

/* The end of database dboid's pause, or 0. */
TimestampTz
JobSlotPausedUntil(Oid dboid)
{
	EpSchedulerSlot *slot;
	TimestampTz until = 0;

	SpinLockAcquire(&SchedulerShared->mutex);
	slot = FindSlot(dboid, false);
	if (slot != NULL)
		until = slot->paused_until;
	SpinLockRelease(&SchedulerShared->mutex);
	return until;
}

/*
 * JobSlotsFreeStale - frees the slots of databases that are not in dboids
 * (dropped, or templates where CREATE EXTENSION asked for a scheduler) and
 * have no scheduler and no running pause, so that slots are not used up.
 */
void
JobSlotsFreeStale(List *dboids, TimestampTz now)
{
	Oid		   *slot_dboids = palloc_array(Oid, SchedulerShared->nslots);
	int			i;

	/* membership is tested outside the spinlock, on a copy */
	SpinLockAcquire(&SchedulerShared->mutex);
	for (i = 0; i < SchedulerShared->nslots; i++)
		slot_dboids[i] = SchedulerShared->slots[i].dboid;
	SpinLockRelease(&SchedulerShared->mutex);
	for (i = 0; i < SchedulerShared->nslots; i++)
	{
		if (list_member_oid(dboids, slot_dboids[i]))
			slot_dboids[i] = InvalidOid;
	}

	SpinLockAcquire(&SchedulerShared->mutex);
	for (i = 0; i < SchedulerShared->nslots; i++)
	{
		EpSchedulerSlot *slot = &SchedulerShared->slots[i];

		if (slot_dboids[i] != InvalidOid && slot->dboid == slot_dboids[i] &&
			slot->pid == 0 && slot->paused_until <= now)
			slot->dboid = InvalidOid;
	}
	SpinLockRelease(&SchedulerShared->mutex);
	pfree(slot_dboids);
}

/* ----------------------------------------------------------------
 *		Scheduler side
 * ----------------------------------------------------------------
 */

static void
SchedulerDetach(int code, Datum arg)
{
	SpinLockAcquire(&SchedulerShared->mutex);
	MySchedulerSlot->pid = 0;
	MySchedulerSlot->latch = NULL;
	SpinLockRelease(&SchedulerShared->mutex);
}

/*
 * JobSlotAttach - publishes this scheduler (pid, latch) in its database's
 * slot and clears the slot on exit.  Returns false, attaching nothing, if
 * the database is paused (the scheduler was started just before a DROP
 * DATABASE or the like); errors out if no slot is free.
 */
bool
JobSlotAttach(void)
{
	TimestampTz now = GetCurrentTimestamp();
	bool		paused = false;

	SpinLockAcquire(&SchedulerShared->mutex);
	MySchedulerSlot = FindSlot(MyDatabaseId, true);
	if (MySchedulerSlot != NULL && MySchedulerSlot->paused_until > now)
		paused = true;
	else if (MySchedulerSlot != NULL)
	{
		MySchedulerSlot->pid = MyProcPid;
		MySchedulerSlot->latch = MyLatch;
		MySchedulerSlot->no_extension = false;
	}
	SpinLockRelease(&SchedulerShared->mutex);
	if (MySchedulerSlot == NULL)
		ereport(FATAL,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("no free job scheduler slot for database %u", MyDatabaseId)));
	if (paused)
		return false;
	on_shmem_exit(SchedulerDetach, (Datum) 0);
	return true;
}

/* Tells the launcher that this database has no extension. */
void
JobSlotReportNoExtension(void)
{
	SpinLockAcquire(&SchedulerShared->mutex);
	MySchedulerSlot->no_extension = true;
	SpinLockRelease(&SchedulerShared->mutex);
}
