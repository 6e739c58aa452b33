/*-------------------------------------------------------------------------
 *
 * columnar_automerge.c
 *	  The automatic merge.  A transaction that wrote rows to the delta store
 *	  of a columnar table adds them, as it commits, to the table's count of
 *	  rows written since its last automatic merge; once that count reaches
 *	  epiphany.columnar_merge_delta_rows, it asks for a merge of the table
 *	  and starts its database's merge worker (a dynamic background worker)
 *	  unless one runs.  The worker merges the tables asked for, as each table's owner,
 *	  one row group (row_group_rows rows) per transaction, so that writers
 *	  wait for one batch at most; then it VACUUMs the table, which gives the
 *	  delta store's space back; it exits when no table is left.  Each
 *	  table's merges and last status stay in shared memory for
 *	  epiphany.columnar_merge_stats() and epiphany.stats.
 *
 *	  Invariants: all shared state lives under one LWLock; a database has at
 *	  most one worker (a second one that starts finds the first attached and
 *	  exits); a worker detaches, under the lock, only when it finds no table
 *	  of its database waiting, so a request made after that starts a new
 *	  worker; a failed merge aborts its transaction, which leaves its rows in
 *	  the delta store, and is recorded with its message and retried after a
 *	  growing back-off.  Counts start from zero when the server starts, so
 *	  a delta store holds at most about twice the threshold before a merge.  Only a library loaded by shared_preload_libraries
 *	  has the shared state; without it nothing merges by itself.  Workers
 *	  start only once recovery has finished, so a standby never merges.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_automerge.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"
#include "epiphany/background_worker.h"
#include "epiphany/database_commands.h"
#include "epiphany/utility_hook.h"

#include <signal.h>

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "columnar.h"
#include "commands/extension.h"
#include "commands/vacuum.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

/* Tables and databases the shared state can follow at once. */
#define MERGE_TABLE_SLOTS			1024
#define MERGE_DATABASE_SLOTS		64
/* Columnar tables one transaction may write and still be counted. */
#define MERGE_NOTED_MAX				32
/* How long a merge batch waits for its table lock (lock_timeout). */
#define MERGE_LOCK_TIMEOUT			"1s"
/* A database's worker is started at most this often. */
#define MERGE_START_INTERVAL_MS		1000
/* A started worker that has not attached counts as running this long. */
#define MERGE_START_GRACE_MS		(10 * 1000)
/* Back-off after a failed merge: doubles per failure, up to the maximum. */
#define MERGE_MIN_BACKOFF_MS		(10 * 1000)
#define MERGE_MAX_BACKOFF_MS		(60 * 60 * 1000)
/* No worker for a database this long after DROP DATABASE & co. stopped it. */
#define MERGE_PAUSE_MS				(10 * 1000)
#define MERGE_ERROR_LEN				256

#define MERGE_WORKER_TYPE			"epiphany_columnstore merge"
#define MERGE_LOCK_TRANCHE			"epiphany_columnstore merge"

typedef enum MergeState
{
	MERGE_IDLE = 0,
	MERGE_PENDING,				/* asked for; its database's worker will take it */
	MERGE_RUNNING				/* a worker merges it */
} MergeState;

/* One table's automatic merges, as every process sees them. */
typedef struct MergeTable
{
	Oid			dboid;			/* InvalidOid: the slot is free */
	Oid			relid;
	MergeState	state;
	bool		merge_due;		/* asked for by rows written (else only a
								 * compaction, asked for by VACUUM) */
	pg_atomic_uint64 rows_written;	/* delta rows since the last merge began */
	uint64		rows_at_start;	/* rows_written when the running merge began */
	int			consecutive_failures;
	TimestampTz retry_after;	/* no request before this (back-off) */
	TimestampTz requested;
	TimestampTz last_start;
	TimestampTz last_end;
	int64		merges;			/* merges that succeeded since start-up */
	int64		rows_merged;
	int64		rows_compacted; /* moved out of sparse row groups */
	int64		row_groups_dropped;
	int64		failures;
	bool		last_failed;
	char		last_error[MERGE_ERROR_LEN];
} MergeTable;

/* One database's merge worker. */
typedef struct MergeDatabase
{
	Oid			dboid;			/* InvalidOid: the slot is free */
	pid_t		pid;			/* its attached worker, 0 if none */
	TimestampTz start_requested;	/* when a worker that has not attached yet
								 * was started for it, else 0 */
	TimestampTz paused_until;	/* start no worker before this */
} MergeDatabase;

typedef struct MergeShared
{
	LWLock	   *lock;			/* protects everything below */
	MergeDatabase databases[MERGE_DATABASE_SLOTS];
	MergeTable	tables[MERGE_TABLE_SLOTS];
} MergeShared;

PGDLLEXPORT void ep_columnar_merge_worker_main(Datum main_arg);

PG_FUNCTION_INFO_V1(ep_columnar_merge_stats);

static MergeShared *Merges = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* epiphany.columnar_auto_merge */
static bool AutoMergeEnabled = true;

/* epiphany.columnar_merge_delta_rows */
static int	MergeDeltaRows = 150000;

/* epiphany.columnar_max_merge_workers */
static int	MergeWorkersMax = 2;

/*
 * This transaction's columnar tables with delta writes, and their rows, or
 * that VACUUM found worth compacting.
 */
static Oid	NotedTables[MERGE_NOTED_MAX];
static uint64 NotedRows[MERGE_NOTED_MAX];
static bool NotedCompaction[MERGE_NOTED_MAX];
static int	NotedCount = 0;

/* ----------------------------------------------------------------
 *		Shared state
 * ----------------------------------------------------------------
 */

static void
MergeShmemRequest(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(MergeShared)));
	RequestNamedLWLockTranche(MERGE_LOCK_TRANCHE, 1);
}

static void
MergeShmemStartup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	Merges = ShmemInitStruct("epiphany_columnstore merges", sizeof(MergeShared), &found);
	if (!found)
	{
		memset(Merges, 0, sizeof(MergeShared));
		Merges->lock = &(GetNamedLWLockTranche(MERGE_LOCK_TRANCHE))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * FindTable - the slot of (dboid, relid); with claim, a free slot or the
 * idle slot least recently merged is taken for it when it has none.  NULL
 * when there is none to take.  Caller holds the lock (exclusive to claim).
 */
static MergeTable *
FindTable(Oid dboid, Oid relid, bool claim)
{
	MergeTable *victim = NULL;

	for (int i = 0; i < MERGE_TABLE_SLOTS; i++)
	{
		MergeTable *table = &Merges->tables[i];

		if (table->dboid == dboid && table->relid == relid)
			return table;
		if (table->dboid == InvalidOid)
		{
			if (victim == NULL || victim->dboid != InvalidOid)
				victim = table;
		}
		else if (table->state == MERGE_IDLE &&
				 (victim == NULL ||
				  (victim->dboid != InvalidOid && table->last_end < victim->last_end)))
			victim = table;
	}
	if (!claim || victim == NULL)
		return NULL;
	memset(victim, 0, sizeof(MergeTable));
	victim->dboid = dboid;
	victim->relid = relid;
	pg_atomic_init_u64(&victim->rows_written, 0);
	return victim;
}

/* The slot of dboid, claimed (a free one) when claim; caller holds the lock. */
static MergeDatabase *
FindDatabase(Oid dboid, bool claim)
{
	MergeDatabase *unused = NULL;
	TimestampTz now = GetCurrentTimestamp();

	for (int i = 0; i < MERGE_DATABASE_SLOTS; i++)
	{
		MergeDatabase *db = &Merges->databases[i];

		if (db->dboid == dboid)
			return db;
		/* a slot without worker, start or pause in progress may be reused */
		if (unused == NULL &&
			(db->dboid == InvalidOid ||
			 (db->pid == 0 && db->paused_until < now &&
			  TimestampDifferenceExceeds(db->start_requested, now, MERGE_START_GRACE_MS))))
			unused = db;
	}
	if (!claim || unused == NULL)
		return NULL;
	memset(unused, 0, sizeof(MergeDatabase));
	unused->dboid = dboid;
	return unused;
}

/* Whether db has a table waiting for a merge; caller holds the lock. */
static bool
DatabaseHasPending(Oid dboid)
{
	for (int i = 0; i < MERGE_TABLE_SLOTS; i++)
	{
		if (Merges->tables[i].dboid == dboid && Merges->tables[i].state == MERGE_PENDING)
			return true;
	}
	return false;
}

/*
 * ClaimWorkerStart - whether a worker should be started for db now: none is
 * attached or starting, the database is not paused and the cluster's
 * workers are fewer than epiphany.columnar_max_merge_workers.  Notes the
 * start.  Caller holds the lock exclusively.
 */
static bool
ClaimWorkerStart(MergeDatabase *db, TimestampTz now)
{
	int			running = 0;

	if (db->pid != 0 || db->paused_until > now ||
		!TimestampDifferenceExceeds(db->start_requested, now, MERGE_START_INTERVAL_MS))
		return false;
	for (int i = 0; i < MERGE_DATABASE_SLOTS; i++)
	{
		MergeDatabase *other = &Merges->databases[i];

		if (other->dboid != InvalidOid &&
			(other->pid != 0 ||
			 !TimestampDifferenceExceeds(other->start_requested, now, MERGE_START_GRACE_MS)))
			running++;
	}
	if (running >= MergeWorkersMax)
		return false;
	db->start_requested = now;
	return true;
}

/*
 * StartWorker - registers a merge worker for dboid.  Raises no error (it
 * runs in a commit callback); a full worker table is logged.
 */
static void
StartWorker(Oid dboid)
{
	BackgroundWorker worker;

	EpDescribeWorker(&worker, EP_COLUMNSTORE_LIBRARY, "ep_columnar_merge_worker_main",
					 MERGE_WORKER_TYPE, ObjectIdGetDatum(dboid));
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_name, BGW_MAXLEN, MERGE_WORKER_TYPE " for database %u", dboid);
	if (!RegisterDynamicBackgroundWorker(&worker, NULL))
		ereport(LOG,
				(errmsg("could not start the columnar merge worker for database %u: no background worker slot free",
						dboid),
				 errhint("Raise max_worker_processes.")));
}

/* ----------------------------------------------------------------
 *		Backends: asking for merges
 * ----------------------------------------------------------------
 */

/* Notes rows written to relid, or a compaction to ask for, at commit. */
static void
NoteTable(Oid relid, uint64 rows, bool compaction)
{
	int			i;

	for (i = 0; i < NotedCount && NotedTables[i] != relid; i++)
		;
	if (i == MERGE_NOTED_MAX)
		return;
	if (i == NotedCount)
	{
		NotedTables[NotedCount] = relid;
		NotedRows[NotedCount] = 0;
		NotedCompaction[NotedCount++] = false;
	}
	NotedRows[i] += rows;
	NotedCompaction[i] |= compaction;
}

/* Whether this backend asks for merges and compactions of rel. */
static bool
AutoMergeApplies(Relation rel)
{
	return Merges != NULL && AutoMergeEnabled &&
		rel->rd_rel->relpersistence != RELPERSISTENCE_TEMP;
}

/*
 * ColumnarNoteDeltaWrite - "rows" rows went into rel's delta store in this
 * transaction: count them when it commits.
 */
void
ColumnarNoteDeltaWrite(Relation rel, uint64 rows)
{
	if (AutoMergeApplies(rel))
		NoteTable(RelationGetRelid(rel), rows, false);
}

/*
 * ColumnarNoteCompaction - called by VACUUM: when rel has row groups to
 * drop or rewrite, asks the merge worker to compact it once VACUUM
 * commits (VACUUM's own transaction must write nothing: see
 * columnar_compact.c).  Not when the worker is busy with rel already: it
 * compacts after its VACUUM.
 */
void
ColumnarNoteCompaction(Relation rel)
{
	MergeTable *table;
	bool		busy;

	if (!AutoMergeApplies(rel))
		return;
	LWLockAcquire(Merges->lock, LW_SHARED);
	table = FindTable(MyDatabaseId, RelationGetRelid(rel), false);
	busy = table != NULL && table->state != MERGE_IDLE;
	LWLockRelease(Merges->lock);
	if (!busy && ColumnarNeedsCompaction(rel))
		NoteTable(RelationGetRelid(rel), 0, true);
}

/*
 * CountNotedRows - adds the noted rows to their tables' counts under the
 * shared lock; returns whether one of them has no slot yet, is due for a
 * merge (enough rows, none asked for or running, no back-off) or a
 * compaction, or waits for a worker (whose start may have failed: no
 * background worker slot free).
 */
static bool
CountNotedRows(TimestampTz now)
{
	bool		needs_exclusive = false;

	LWLockAcquire(Merges->lock, LW_SHARED);
	for (int i = 0; i < NotedCount; i++)
	{
		MergeTable *table = FindTable(MyDatabaseId, NotedTables[i], false);
		uint64		written;

		if (table == NULL || NotedCompaction[i])
		{
			needs_exclusive = true;
			continue;
		}
		written = pg_atomic_add_fetch_u64(&table->rows_written, NotedRows[i]);
		NotedRows[i] = 0;
		if ((written >= (uint64) MergeDeltaRows && table->state == MERGE_IDLE &&
			 table->retry_after <= now) || table->state == MERGE_PENDING)
			needs_exclusive = true;
	}
	LWLockRelease(Merges->lock);
	return needs_exclusive;
}

/*
 * RequestDueMerges - once committed: counts the rows written, asks for the
 * merges and compactions that are due and starts the database's worker if
 * one of its tables waits for it.
 */
static void
RequestDueMerges(void)
{
	TimestampTz now = GetCurrentTimestamp();
	MergeDatabase *db;
	bool		pending = false;
	bool		start = false;

	if (!CountNotedRows(now))
		return;
	LWLockAcquire(Merges->lock, LW_EXCLUSIVE);
	for (int i = 0; i < NotedCount; i++)
	{
		MergeTable *table = FindTable(MyDatabaseId, NotedTables[i],
									  NotedRows[i] > 0 || NotedCompaction[i]);
		bool		merge_due;

		if (table == NULL)
			continue;
		pg_atomic_fetch_add_u64(&table->rows_written, NotedRows[i]);
		merge_due = pg_atomic_read_u64(&table->rows_written) >= (uint64) MergeDeltaRows;
		if ((merge_due || NotedCompaction[i]) &&
			table->state == MERGE_IDLE && table->retry_after <= now)
		{
			table->state = MERGE_PENDING;
			table->merge_due = merge_due;
			table->requested = now;
		}
		pending = pending || table->state == MERGE_PENDING;
	}
	if (pending && (db = FindDatabase(MyDatabaseId, true)) != NULL)
		start = ClaimWorkerStart(db, now);
	LWLockRelease(Merges->lock);
	if (start)
		StartWorker(MyDatabaseId);
}

static void
AutoMergeXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
			if (NotedCount > 0)
				RequestDueMerges();
			NotedCount = 0;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			NotedCount = 0;
			break;
		default:
			break;
	}
}

/*
 * DROP DATABASE and the other commands that need the database to have no
 * other connection: stop its merge worker (the batch it runs rolls back),
 * start none for a while, and forget its requests (the next commit that
 * finds a table due asks again).  The command then waits for the worker to
 * exit as it waits for any other session.
 */
static void
PauseMerges(Oid dboid)
{
	MergeDatabase *db;
	pid_t		pid = 0;

	if (Merges == NULL || !OidIsValid(dboid))
		return;
	LWLockAcquire(Merges->lock, LW_EXCLUSIVE);
	db = FindDatabase(dboid, true);
	if (db != NULL)
	{
		db->paused_until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), MERGE_PAUSE_MS);
		pid = db->pid;
	}
	for (int i = 0; i < MERGE_TABLE_SLOTS; i++)
	{
		if (Merges->tables[i].dboid == dboid && Merges->tables[i].state == MERGE_PENDING)
			Merges->tables[i].state = MERGE_IDLE;
	}
	LWLockRelease(Merges->lock);
	if (pid != 0)
		kill(pid, SIGTERM);
}

static void
AutoMergeProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
						ProcessUtilityContext context, ParamListInfo params,
						QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	PauseMerges(EpDatabaseNeedingSoleAccess(pstmt->utilityStmt));
	EpProcessUtilityNext(prev_ProcessUtility, pstmt, queryString, readOnlyTree, context, params,
						 queryEnv, dest, qc);
}

/* ----------------------------------------------------------------
 *		The merge worker
 * ----------------------------------------------------------------
 */

/*
 * AttachWorker - makes this process its database's worker; false when
 * another one is attached or the database is paused.
 */
static bool
AttachWorker(void)
{
	MergeDatabase *db;
	bool		attached = false;

	LWLockAcquire(Merges->lock, LW_EXCLUSIVE);
	db = FindDatabase(MyDatabaseId, true);
	if (db != NULL && db->pid == 0 && db->paused_until <= GetCurrentTimestamp())
	{
		db->pid = MyProcPid;
		db->start_requested = 0;	/* started: the next may start at once */
		attached = true;
	}
	LWLockRelease(Merges->lock);
	return attached;
}

/*
 * NextTable - marks the next table of this database waiting for a merge
 * as running and returns it, with whether its delta store is to be merged
 * (else it waits for a compaction only); when none waits, detaches the
 * worker and returns InvalidOid.
 */
static Oid
NextTable(bool *merge_due)
{
	MergeTable *next = NULL;
	MergeDatabase *db;

	LWLockAcquire(Merges->lock, LW_EXCLUSIVE);
	for (int i = 0; i < MERGE_TABLE_SLOTS; i++)
	{
		MergeTable *table = &Merges->tables[i];

		if (table->dboid == MyDatabaseId && table->state == MERGE_PENDING &&
			(next == NULL || table->requested < next->requested))
			next = table;
	}
	if (next != NULL)
	{
		next->state = MERGE_RUNNING;
		next->last_start = GetCurrentTimestamp();
		next->rows_at_start = pg_atomic_read_u64(&next->rows_written);
		*merge_due = next->merge_due;
		next->merge_due = false;
	}
	else if ((db = FindDatabase(MyDatabaseId, false)) != NULL && db->pid == MyProcPid)
		db->pid = 0;
	LWLockRelease(Merges->lock);
	return next != NULL ? next->relid : InvalidOid;
}

/* What the worker did to one table. */
typedef struct MergeOutcome
{
	bool		gone;			/* no longer a columnar table */
	bool		merged;			/* its delta store was merged */
	int64		rows_merged;
	ColumnarCompactResult compacted;
	const char *error;			/* the error that stopped it, or NULL */
} MergeOutcome;

/*
 * RecordMerge - the worker is done with relid: forgets a table that is
 * gone, else counts what it did, or the failure.  The rows written since
 * the merge began count towards the next one.
 */
static void
RecordMerge(Oid relid, const MergeOutcome *outcome)
{
	TimestampTz now = GetCurrentTimestamp();
	MergeTable *table;

	LWLockAcquire(Merges->lock, LW_EXCLUSIVE);
	table = FindTable(MyDatabaseId, relid, false);
	if (table != NULL && outcome->gone && outcome->error == NULL)
		memset(table, 0, sizeof(MergeTable));
	else if (table != NULL)
	{
		table->state = MERGE_IDLE;
		table->last_end = now;
		table->last_failed = (outcome->error != NULL);
		table->last_error[0] = '\0';
		table->rows_compacted += outcome->compacted.rows_moved;
		table->row_groups_dropped += outcome->compacted.row_groups_dropped;
		if (outcome->error != NULL)
		{
			int64		backoff = (int64) MERGE_MIN_BACKOFF_MS <<
				Min(table->consecutive_failures, 20);

			table->failures++;
			table->consecutive_failures++;
			table->retry_after = TimestampTzPlusMilliseconds(now, Min(backoff, MERGE_MAX_BACKOFF_MS));
			strlcpy(table->last_error, outcome->error, MERGE_ERROR_LEN);
		}
		else
		{
			table->consecutive_failures = 0;
			if (outcome->merged)
			{
				table->merges++;
				table->rows_merged += outcome->rows_merged;
				pg_atomic_fetch_sub_u64(&table->rows_written, table->rows_at_start);
			}
		}
	}
	LWLockRelease(Merges->lock);
}

/*
 * A worker that exits by a signal (DROP DATABASE, pg_terminate_backend,
 * shutdown) in the middle of a merge: its batch rolled back; the table's
 * merge is recorded as interrupted.
 */
static void
DetachWorker(int code, Datum arg)
{
	MergeDatabase *db;
	bool		attached;

	LWLockAcquire(Merges->lock, LW_EXCLUSIVE);
	db = FindDatabase(MyDatabaseId, false);
	attached = (db != NULL && db->pid == MyProcPid);
	if (attached)
		db->pid = 0;
	LWLockRelease(Merges->lock);
	/* the running merges of the database are this worker's */
	for (int i = 0; attached && i < MERGE_TABLE_SLOTS; i++)
	{
		MergeTable *table = &Merges->tables[i];

		MergeOutcome interrupted = {.error = "interrupted: the merge worker was stopped"};

		if (table->dboid == MyDatabaseId && table->state == MERGE_RUNNING)
			RecordMerge(table->relid, &interrupted);
	}
}

/* Work done on one table, in RunAsOwner. */
typedef void (*OwnerWork) (Oid relid, void *arg);

/*
 * RunAsOwner - in a transaction of its own, once relid is locked in
 * "lockmode" (waited for at most MERGE_LOCK_TIMEOUT), runs work(relid, arg)
 * as relid's owner with the restrictions VACUUM and ANALYZE apply; false,
 * with nothing run, when relid is no longer a columnar table (dropped, or
 * turned into a heap).
 */
static bool
RunAsOwner(Oid relid, LOCKMODE lockmode, OwnerWork work, void *arg)
{
	HeapTuple	tuple = NULL;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	LockRelationOid(relid, lockmode);
	if (ColumnarRelidIsColumnar(relid))
		tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
	{
		PopActiveSnapshot();
		CommitTransactionCommand();
		return false;
	}
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	work(relid, arg);
	AtEOXact_GUC(false, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);

	PopActiveSnapshot();
	CommitTransactionCommand();
	return true;
}

/* One merge batch: what it may move, what it moved. */
typedef struct MergeBatch
{
	int64		limit;
	int64		moved;
} MergeBatch;

static void
MergeOneBatch(Oid relid, void *arg)
{
	MergeBatch *batch = (MergeBatch *) arg;
	ColumnarOptions options;

	ColumnarGetOptions(relid, &options);
	batch->limit = options.row_group_rows;
	batch->moved = ColumnarMergeTable(relid, batch->limit);
}

/*
 * MergeInBatches - merges relid's delta store one row group per
 * transaction, until a batch finds fewer rows; false when the table is
 * gone.
 */
static bool
MergeInBatches(Oid relid, int64 *rows)
{
	MergeBatch	batch;

	*rows = 0;
	do
	{
		CHECK_FOR_INTERRUPTS();
		if (!RunAsOwner(relid, ExclusiveLock, MergeOneBatch, &batch))
			return false;
		*rows += batch.moved;
	} while (batch.moved >= batch.limit);
	return true;
}

static void
CompactOnce(Oid relid, void *arg)
{
	ColumnarCompactResult *total = (ColumnarCompactResult *) arg;
	ColumnarCompactResult result;

	ColumnarCompactTable(relid, &result);
	total->rows_moved += result.rows_moved;
	total->row_groups_dropped += result.row_groups_dropped;
}

/*
 * VacuumTable - VACUUM relid (skipped if another VACUUM holds it): the
 * merged rows' space in the delta store becomes free, trailing empty pages
 * go back to the file system, and the index entries of deleted row-group
 * rows go.
 */
static void
VacuumTable(Oid relid)
{
	/*
	 * The statement must outlive the transaction: VACUUM commits it, runs
	 * in transactions of its own and names the relation from the statement
	 * when it skips a locked one (a dangling name crashed the worker).
	 */
	MemoryContext context = AllocSetContextCreate(TopMemoryContext, "columnar vacuum request",
												  ALLOCSET_SMALL_SIZES);
	MemoryContext old;
	VacuumStmt *stmt;
	char	   *relname;

	StartTransactionCommand();
	old = MemoryContextSwitchTo(context);
	stmt = makeNode(VacuumStmt);
	relname = get_rel_name(relid);
	if (relname != NULL)
	{
		RangeVar   *rv = makeRangeVar(get_namespace_name(get_rel_namespace(relid)),
									  relname, -1);

		stmt->options = list_make1(makeDefElem("skip_locked", NULL, -1));
		stmt->rels = list_make1(makeVacuumRelation(rv, relid, NIL));
		stmt->is_vacuumcmd = true;
	}
	MemoryContextSwitchTo(old);
	if (relname != NULL)
		ExecVacuum(make_parsestate(NULL), stmt, true);
	CommitTransactionCommand();
	MemoryContextDelete(context);
}

/*
 * MaintainTable - merges relid's delta store when that is due, VACUUMs it,
 * then compacts it; when the compaction moved rows, VACUUM removes their
 * old index entries and a second compaction drops the emptied row groups
 * (unless an older snapshot still needs them: a later VACUUM asks again).
 */
static void
MaintainTable(Oid relid, bool merge_due, MergeOutcome *outcome)
{
	if (merge_due)
	{
		outcome->gone = !MergeInBatches(relid, &outcome->rows_merged);
		outcome->merged = !outcome->gone;
	}
	if (outcome->gone)
		return;
	VacuumTable(relid);
	outcome->gone = !RunAsOwner(relid, ShareUpdateExclusiveLock, CompactOnce,
								&outcome->compacted);
	if (!outcome->gone && outcome->compacted.rows_moved > 0)
	{
		VacuumTable(relid);
		(void) RunAsOwner(relid, ShareUpdateExclusiveLock, CompactOnce, &outcome->compacted);
	}
}

/* Maintains relid (MaintainTable) and records the outcome, errors included. */
static void
MaintainAndRecord(Oid relid, bool merge_due, MemoryContext cxt)
{
	MergeOutcome outcome = {0};

	pgstat_report_activity(STATE_RUNNING, merge_due ? "columnar merge" : "columnar compaction");
	PG_TRY();
	{
		MaintainTable(relid, merge_due, &outcome);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		outcome.error = edata->message;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	pgstat_report_stat(true);
	RecordMerge(relid, &outcome);
	MemoryContextReset(cxt);
}

/*
 * StartWaitingWorker - when this worker leaves, another database may have
 * tables waiting and no worker (the cluster's limit stopped it): start one.
 */
static void
StartWaitingWorker(void)
{
	TimestampTz now = GetCurrentTimestamp();
	Oid			dboid = InvalidOid;

	LWLockAcquire(Merges->lock, LW_EXCLUSIVE);
	for (int i = 0; i < MERGE_DATABASE_SLOTS && dboid == InvalidOid; i++)
	{
		MergeDatabase *db = &Merges->databases[i];

		if (db->dboid != InvalidOid && db->dboid != MyDatabaseId &&
			DatabaseHasPending(db->dboid) && ClaimWorkerStart(db, now))
			dboid = db->dboid;
	}
	LWLockRelease(Merges->lock);
	if (OidIsValid(dboid))
		StartWorker(dboid);
}

/*
 * ep_columnar_merge_worker_main - entry point of a database's merge
 * worker; connected as the bootstrap superuser, it merges each table as
 * the table's owner.
 */
void
ep_columnar_merge_worker_main(Datum main_arg)
{
	MemoryContext cxt;
	Oid			relid;
	bool		merge_due;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(main_arg), InvalidOid, 0);
	pgstat_report_appname(MERGE_WORKER_TYPE);
	if (Merges == NULL)
		proc_exit(0);
	on_shmem_exit(DetachWorker, (Datum) 0);
	if (!AttachWorker())
		proc_exit(0);
	SetConfigOption("lock_timeout", MERGE_LOCK_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);

	cxt = AllocSetContextCreate(TopMemoryContext, "columnar merge worker",
								ALLOCSET_DEFAULT_SIZES);
	while ((relid = NextTable(&merge_due)) != InvalidOid)
	{
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MaintainAndRecord(relid, merge_due, cxt);
	}
	StartWaitingWorker();
	proc_exit(0);
}

/* ----------------------------------------------------------------
 *		Statistics and set-up
 * ----------------------------------------------------------------
 */

static const char *
MergeStateName(MergeState state)
{
	switch (state)
	{
		case MERGE_PENDING:
			return "pending";
		case MERGE_RUNNING:
			return "running";
		default:
			return "idle";
	}
}

/* The result row of one table; the error only for its owner and pg_read_all_stats. */
static void
PutStatsRow(Tuplestorestate *store, TupleDesc tupdesc, MergeTable *table)
{
	Datum		values[13];
	bool		nulls[13] = {0};
	bool		may_see_error = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS) ||
		pg_class_ownercheck(table->relid, GetUserId());

	values[0] = ObjectIdGetDatum(table->relid);
	values[1] = CStringGetTextDatum(MergeStateName(table->state));
	values[2] = Int64GetDatum((int64) pg_atomic_read_u64(&table->rows_written));
	values[3] = Int64GetDatum(table->merges);
	values[4] = Int64GetDatum(table->rows_merged);
	values[5] = Int64GetDatum(table->rows_compacted);
	values[6] = Int64GetDatum(table->row_groups_dropped);
	values[7] = Int64GetDatum(table->failures);
	values[8] = TimestampTzGetDatum(table->requested);
	nulls[8] = table->requested == 0;
	values[9] = TimestampTzGetDatum(table->last_start);
	nulls[9] = table->last_start == 0;
	values[10] = TimestampTzGetDatum(table->last_end);
	nulls[10] = table->last_end == 0;
	values[11] = BoolGetDatum(table->last_failed);
	nulls[11] = table->last_end == 0;
	values[12] = CStringGetTextDatum(table->last_error);
	nulls[12] = !table->last_failed || !may_see_error;
	tuplestore_putvalues(store, tupdesc, values, nulls);
}

/*
 * epiphany.columnar_merge_stats() -> setof (relid, state, rows_written,
 * merges, rows_merged, rows_compacted, row_groups_dropped, failures,
 * last_request, last_start, last_end, last_failed, last_error): the
 * automatic merges and compactions of this database's tables since the
 * server started, with the delta rows written since the last merge
 * (tables without delta writes or compactions since then have no row).
 */
Datum
ep_columnar_merge_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MergeTable *copy;
	int			count = 0;

	InitMaterializedSRF(fcinfo, 0);
	if (Merges == NULL)
		PG_RETURN_VOID();
	copy = palloc(sizeof(MergeTable) * MERGE_TABLE_SLOTS);
	LWLockAcquire(Merges->lock, LW_SHARED);
	for (int i = 0; i < MERGE_TABLE_SLOTS; i++)
	{
		if (Merges->tables[i].dboid == MyDatabaseId)
			copy[count++] = Merges->tables[i];
	}
	LWLockRelease(Merges->lock);
	for (int i = 0; i < count; i++)
	{
		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(copy[i].relid)))
			PutStatsRow(rsinfo->setResult, rsinfo->setDesc, &copy[i]);
	}
	pfree(copy);
	PG_RETURN_VOID();
}

/*
 * ColumnarInstallAutoMerge - defines the settings; while
 * shared_preload_libraries is processed, also reserves the shared state and
 * installs the hooks.  Called once from _PG_init.
 */
void
ColumnarInstallAutoMerge(void)
{
	DefineCustomBoolVariable("epiphany.columnar_auto_merge",
							 "Merges the delta store of a columnar table once epiphany.columnar_merge_delta_rows rows went into it.",
							 "The transaction that wrote the last of them asks, as it commits, for a merge by the database's merge worker.",
							 &AutoMergeEnabled, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("epiphany.columnar_merge_delta_rows",
							"Rows written to a columnar table's delta store that start an automatic merge.",
							"Counted from the beginning of the table's last automatic merge.",
							&MergeDeltaRows, 150000, 1, INT_MAX, PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("epiphany.columnar_max_merge_workers",
							"Columnar merge workers that run at the same time, one per database at most.",
							"Each takes a background worker (max_worker_processes).",
							&MergeWorkersMax, 2, 1, MERGE_DATABASE_SLOTS, PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = MergeShmemRequest;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = MergeShmemStartup;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = AutoMergeProcessUtility;
	RegisterXactCallback(AutoMergeXactCallback, NULL);
}
