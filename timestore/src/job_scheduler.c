/*-------------------------------------------------------------------------
 *
 * job_scheduler.c
 *	  The job processes: one launcher (a static background worker), one
 *	  scheduler (a dynamic background worker) per database that has the
 *	  extension, and one job worker (a dynamic background worker) per run of
 *	  a job.  The launcher lists the databases every few seconds and starts
 *	  missing schedulers; a scheduler marks the start of each due job and
 *	  starts a job worker for it, up to epiphany.timeseries_max_job_workers
 *	  at once, and sleeps until the next job is due or a worker ends.  A job
 *	  worker connects as the job's owner when that role may log in (so that
 *	  a procedure may COMMIT, with the owner's own privileges and no way
 *	  back to the superuser's), else as the bootstrap superuser that runs
 *	  the job as its owner in one transaction (job_worker.c).
 *
 *	  Invariants: the launcher starts only after recovery has finished
 *	  (BgWorkerStart_RecoveryFinished), so a standby runs no job until it is
 *	  promoted; at most one scheduler per database, since only the launcher
 *	  starts them and it keeps one handle per database; a scheduler that
 *	  finds no extension reports it in its shared slot and exits, and the
 *	  launcher retries that database with a growing back-off; a scheduler
 *	  that exits for any other reason is restarted after a short back-off.
 *	  A job runs in at most one worker at a time; a scheduler that exits
 *	  terminates its job workers (DROP DATABASE must not find them).
 *	  Everything shared with other processes goes through job_slots.c.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/job_scheduler.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"
#include "epiphany/background_worker.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_database.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "timestore.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

/* The launcher's scan period, and its back-off bounds for a database. */
#define EP_LAUNCHER_NAP_MS				5000
#define EP_LAUNCHER_MIN_BACKOFF_MS		1000
#define EP_LAUNCHER_MAX_BACKOFF_MS		(5 * 60 * 1000)
/* A scheduler re-reads its jobs at least this often. */
#define EP_SCHEDULER_MAX_NAP_MS			(60 * 1000)
/* Seconds the postmaster waits before restarting a crashed launcher. */
#define EP_LAUNCHER_RESTART_SECONDS		10

/* backend_type in pg_stat_activity; a scheduler's is also its application_name */
#define EP_LAUNCHER_TYPE	"epiphany_timestore launcher"
#define EP_SCHEDULER_TYPE	EP_JOB_SCHEDULER_APPLICATION_NAME
#define EP_JOB_WORKER_TYPE	"epiphany_timestore job"

/* What a scheduler tells the job worker it starts (bgw_extra). */
typedef struct JobWorkerArgs
{
	Oid			dboid;
	Oid			owner;
	bool		as_owner;		/* connect as the owner */
} JobWorkerArgs;

/* A job worker a scheduler has started. */
typedef struct RunningJob
{
	int32		job_id;
	BackgroundWorkerHandle *handle;
} RunningJob;

/* The scheduler's running job workers (TopMemoryContext). */
static List *RunningJobs = NIL;

/* The launcher's private view of one database. */
typedef struct LauncherDatabase
{
	Oid			dboid;			/* hash key */
	BackgroundWorkerHandle *handle; /* its scheduler, NULL if none started */
	TimestampTz next_attempt;	/* do not start one before this */
	int			backoff_ms;		/* the last delay applied, 0 if none */
	bool		seen;			/* still in pg_database (this scan) */
} LauncherDatabase;

PGDLLEXPORT void ep_timestore_launcher_main(Datum main_arg);
PGDLLEXPORT void ep_timestore_scheduler_main(Datum main_arg);
PGDLLEXPORT void ep_timestore_job_main(Datum main_arg);

/* epiphany.timeseries_scheduler: off stops every scheduler. */
static bool JobSchedulerEnabled = true;

/* epiphany.timeseries_max_job_workers: jobs of one database run at once. */
static int	JobWorkersMax = 4;

/* epiphany.timeseries_job_execution_logging: successful runs go to job_history too. */
bool		JobExecutionLogging = false;

/*
 * JobSchedulerDefineSettings - defines the job settings; called
 * by _PG_init in every process that loads the library.
 */
void
JobSchedulerDefineSettings(void)
{
	DefineCustomBoolVariable("epiphany.timeseries_scheduler",
							 "Runs the scheduled jobs of epiphany_timestore.",
							 "When off, each database's scheduler starts no new run and exits once "
							 "its running jobs have ended; jobs stay in the catalog.",
							 &JobSchedulerEnabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("epiphany.timeseries_job_execution_logging",
							 "Records successful runs of jobs in timescaledb_information.job_history.",
							 "Failed runs are always recorded; rows are kept for a month.",
							 &JobExecutionLogging,
							 false,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("epiphany.timeseries_max_job_workers",
							"Jobs of one database that run at the same time.",
							"Each running job takes a background worker (max_worker_processes).",
							&JobWorkersMax,
							4, 1, 64,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
}

/*
 * JobSchedulerInit - called by _PG_init while shared_preload_libraries is
 * processed: sets up the shared slots (job_slots.c) and registers the
 * launcher.
 */
void
JobSchedulerInit(void)
{
	BackgroundWorker worker;

	JobSlotsInit();

	EpDescribeWorker(&worker, EP_TIMESTORE_LIBRARY, "ep_timestore_launcher_main",
					 EP_LAUNCHER_TYPE, (Datum) 0);
	worker.bgw_restart_time = EP_LAUNCHER_RESTART_SECONDS;
	RegisterBackgroundWorker(&worker);
}

/* ----------------------------------------------------------------
 *		Launcher
 * ----------------------------------------------------------------
 */

static void
LauncherDetach(int code, Datum arg)
{
	JobSlotsSetLauncherLatch(NULL);
}

/*
 * ListDatabases - the Oids of the databases a scheduler may serve: those
 * that accept connections and are not templates (a scheduler connected to a
 * template would make CREATE DATABASE from it fail).  The list is allocated
 * in the caller's memory context.
 */
static List *
ListDatabases(void)
{
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *result = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;

	StartTransactionCommand();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);
		MemoryContext oldcxt;

		if (!db->datallowconn || db->datistemplate)
			continue;
		oldcxt = MemoryContextSwitchTo(callercxt);
		result = lappend_oid(result, db->oid);
		MemoryContextSwitchTo(oldcxt);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	MemoryContextSwitchTo(callercxt);
	return result;
}

/* Starts a scheduler for db; false if no background worker slot was free. */
static bool
StartScheduler(LauncherDatabase *db)
{
	BackgroundWorker worker;
	MemoryContext oldcxt;
	bool		started;

	EpDescribeWorker(&worker, EP_TIMESTORE_LIBRARY, "ep_timestore_scheduler_main",
					 EP_SCHEDULER_TYPE, ObjectIdGetDatum(db->dboid));
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	worker.bgw_notify_pid = MyProcPid;
	snprintf(worker.bgw_name, BGW_MAXLEN, EP_SCHEDULER_TYPE " for database %u",
			 db->dboid);

	/* the handle outlives the scan: keep it in the launcher's top context */
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	started = RegisterDynamicBackgroundWorker(&worker, &db->handle);
	MemoryContextSwitchTo(oldcxt);
	return started;
}

/*
 * SchedulerStopped - after db's scheduler exited: a scheduler that found no
 * extension is retried with a back-off doubling up to
 * EP_LAUNCHER_MAX_BACKOFF_MS; any other exit (crash, error, stopped by an
 * administrator) is retried after EP_LAUNCHER_MIN_BACKOFF_MS, doubling
 * while it keeps exiting before the launcher has seen it run.
 */
static void
SchedulerStopped(LauncherDatabase *db, TimestampTz now)
{
	bool		no_extension = JobSlotTakeExit(db->dboid, now);

	pfree(db->handle);
	db->handle = NULL;
	db->backoff_ms = db->backoff_ms == 0 ?
		(no_extension ? EP_LAUNCHER_NAP_MS : EP_LAUNCHER_MIN_BACKOFF_MS) :
		Min(db->backoff_ms * 2, EP_LAUNCHER_MAX_BACKOFF_MS);
	db->next_attempt = TimestampTzPlusMilliseconds(now, db->backoff_ms);
}

/*
 * LauncherVisit - brings db's scheduler in line: notes that it stopped,
 * starts it when due.  Returns how long the launcher may sleep for db.
 */
static long
LauncherVisit(LauncherDatabase *db, TimestampTz now)
{
	if (db->handle != NULL)
	{
		pid_t		pid;

		if (GetBackgroundWorkerPid(db->handle, &pid) != BGWH_STOPPED)
		{
			/* running (or about to): its earlier failures are forgiven */
			db->backoff_ms = 0;
			JobSlotTakeStartRequest(db->dboid);
			return EP_LAUNCHER_NAP_MS;
		}
		SchedulerStopped(db, now);
	}
	if (!JobSchedulerEnabled)
		return EP_LAUNCHER_NAP_MS;
	if (JobSlotTakeStartRequest(db->dboid))
		db->next_attempt = now;
	db->next_attempt = Max(db->next_attempt, JobSlotPausedUntil(db->dboid));
	if (db->next_attempt > now)
		return (long) Min((db->next_attempt - now) / 1000 + 1, EP_LAUNCHER_NAP_MS);
	if (!StartScheduler(db))
	{
		ereport(LOG,
				(errmsg("could not start the job scheduler for database %u: no background worker slot free",
						db->dboid),
				 errhint("Raise max_worker_processes.")));
		db->handle = NULL;
		db->next_attempt = TimestampTzPlusMilliseconds(now, EP_LAUNCHER_NAP_MS);
	}
	return EP_LAUNCHER_NAP_MS;
}

/*
 * LauncherScan - one pass over pg_database; forgets databases that are
 * gone.  Returns the time to sleep, in milliseconds.
 */
static long
LauncherScan(HTAB *databases)
{
	TimestampTz now = GetCurrentTimestamp();
	long		nap = EP_LAUNCHER_NAP_MS;
	HASH_SEQ_STATUS status;
	LauncherDatabase *db;
	List	   *dboids = ListDatabases();
	ListCell   *lc;

	JobSlotsFreeStale(dboids, now);
	foreach(lc, dboids)
	{
		Oid			dboid = lfirst_oid(lc);
		bool		found;

		db = hash_search(databases, &dboid, HASH_ENTER, &found);
		if (!found)
		{
			db->handle = NULL;
			db->next_attempt = now;
			db->backoff_ms = 0;
		}
		db->seen = true;
		nap = Min(nap, LauncherVisit(db, now));
	}

	hash_seq_init(&status, databases);
	while ((db = hash_seq_search(&status)) != NULL)
	{
		pid_t		pid;

		if (!db->seen && (db->handle == NULL ||
						  GetBackgroundWorkerPid(db->handle, &pid) == BGWH_STOPPED))
			hash_search(databases, &db->dboid, HASH_REMOVE, NULL);
		else
			db->seen = false;
	}
	return nap;
}

/*
 * ep_timestore_launcher_main - entry point of the launcher.  Connected to
 * no database (it reads only the shared catalog pg_database); woken by its
 * timeout, by backends that changed jobs, and by the postmaster when one of
 * its schedulers starts or stops (bgw_notify_pid).
 */
void
ep_timestore_launcher_main(Datum main_arg)
{
	MemoryContext loopcxt;
	HASHCTL		ctl;
	HTAB	   *databases;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname(EP_LAUNCHER_TYPE);

	JobSlotsSetLauncherLatch(MyLatch);
	on_shmem_exit(LauncherDetach, (Datum) 0);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(LauncherDatabase);
	databases = hash_create("timestore launcher databases", 64, &ctl,
							HASH_ELEM | HASH_BLOBS);
	loopcxt = AllocSetContextCreate(TopMemoryContext, "timestore launcher scan",
									ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		long		nap = EP_LAUNCHER_NAP_MS;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		/* Cannot happen under BgWorkerStart_RecoveryFinished; be safe. */
		if (!RecoveryInProgress())
		{
			MemoryContextSwitchTo(loopcxt);
			nap = LauncherScan(databases);
			MemoryContextSwitchTo(TopMemoryContext);
			MemoryContextReset(loopcxt);
		}

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Max(nap, 1), PG_WAIT_EXTENSION);
	}
}

/* ----------------------------------------------------------------
 *		Scheduler
 * ----------------------------------------------------------------
 */

/*
 * LoadDueJobs - in one transaction: checks that the extension is installed
 * (false if not), gives every job without a stats row one (after a
 * restore), and lists the scheduled jobs due now, earliest first, in
 * *due; *nap_ms is the time until the earliest job that is not due.
 */
static bool
LoadDueJobs(List **due, long *nap_ms)
{
	MemoryContext callercxt = CurrentMemoryContext;
	bool		installed;
	uint64		i;

	*due = NIL;
	*nap_ms = EP_SCHEDULER_MAX_NAP_MS;
	/* not read-only: the SELECT must see the stats rows the INSERT made */
	StartTransactionCommand();
	installed = OidIsValid(get_extension_oid(EP_TIMESTORE_EXTENSION, true));
	if (installed)
	{
		int			nestlevel = CatalogEnter();

		PushActiveSnapshot(GetTransactionSnapshot());
		SPI_connect();
		if (SPI_execute("INSERT INTO _epiphany_timestore.bgw_job_stat (job_id, next_start)"
						" SELECT j.id, coalesce(j.initial_start, now())"
						" FROM _epiphany_timestore.bgw_job j"
						" WHERE NOT EXISTS (SELECT FROM _epiphany_timestore.bgw_job_stat s"
						"                    WHERE s.job_id = j.id)"
						" ON CONFLICT (job_id) DO NOTHING", false, 0) < 0 ||
			SPI_execute("SELECT s.job_id, s.next_start <= clock_timestamp(),"
						" (extract(epoch FROM s.next_start - clock_timestamp()) * 1000)::float8"
						" FROM _epiphany_timestore.bgw_job j"
						" JOIN _epiphany_timestore.bgw_job_stat s ON s.job_id = j.id"
						" WHERE j.scheduled ORDER BY s.next_start, s.job_id",
						false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the job catalog");
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			int32		job_id = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
			bool		is_due = DatumGetBool(SPI_getbinval(tuple, desc, 2, &isnull));
			double		wait_ms = DatumGetFloat8(SPI_getbinval(tuple, desc, 3, &isnull));

			if (is_due)
			{
				MemoryContext oldcxt = MemoryContextSwitchTo(callercxt);

				*due = lappend_int(*due, job_id);
				MemoryContextSwitchTo(oldcxt);
			}
			else if (wait_ms < *nap_ms)
				*nap_ms = (long) wait_ms + 1;
		}
		SPI_finish();
		PopActiveSnapshot();
		CatalogLeave(nestlevel);
	}
	CommitTransactionCommand();
	MemoryContextSwitchTo(callercxt);
	return installed;
}

/* Whether job_id runs in one of the scheduler's job workers. */
static bool
JobIsRunning(int32 job_id)
{
	ListCell   *lc;

	foreach(lc, RunningJobs)
		if (((RunningJob *) lfirst(lc))->job_id == job_id)
			return true;
	return false;
}

/* Forgets the job workers that have stopped. */
static void
ReapJobWorkers(void)
{
	ListCell   *lc;

	foreach(lc, RunningJobs)
	{
		RunningJob *running = lfirst(lc);
		pid_t		pid;

		if (GetBackgroundWorkerPid(running->handle, &pid) == BGWH_STOPPED)
		{
			RunningJobs = foreach_delete_current(RunningJobs, lc);
			pfree(running->handle);
			pfree(running);
		}
	}
}

/* At the scheduler's exit: its job workers stop too. */
static void
TerminateJobWorkers(int code, Datum arg)
{
	ListCell   *lc;

	foreach(lc, RunningJobs)
		TerminateBackgroundWorker(((RunningJob *) lfirst(lc))->handle);
}

/*
 * Starts a job worker for a run of job_id whose start is marked; false if
 * none could be registered.
 */
static bool
StartJobWorker(int32 job_id, Oid owner, bool owner_can_login)
{
	BackgroundWorker worker;
	JobWorkerArgs args;
	BackgroundWorkerHandle *handle;
	RunningJob *running;
	MemoryContext oldcxt;

	EpDescribeWorker(&worker, EP_TIMESTORE_LIBRARY, "ep_timestore_job_main",
					 EP_JOB_WORKER_TYPE, Int32GetDatum(job_id));
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	worker.bgw_notify_pid = MyProcPid;
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s %d", EP_JOB_WORKER_TYPE, job_id);
	args.dboid = MyDatabaseId;
	args.owner = owner;
	args.as_owner = owner_can_login;
	memcpy(worker.bgw_extra, &args, sizeof(args));

	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		MemoryContextSwitchTo(oldcxt);
		return false;
	}
	running = palloc(sizeof(RunningJob));
	running->job_id = job_id;
	running->handle = handle;
	RunningJobs = lappend(RunningJobs, running);
	MemoryContextSwitchTo(oldcxt);
	return true;
}

/*
 * Starts the due jobs that are not running, while workers are free; a job
 * whose worker could not start has its run ended as a failure.
 */
static void
StartDueJobs(List *due)
{
	ListCell   *lc;

	foreach(lc, due)
	{
		int32		job_id = lfirst_int(lc);
		Oid			owner;
		bool		owner_can_login;

		CHECK_FOR_INTERRUPTS();
		if (list_length(RunningJobs) >= JobWorkersMax)
			break;
		if (JobIsRunning(job_id) || !JobStartScheduled(job_id, &owner, &owner_can_login))
			continue;
		if (!StartJobWorker(job_id, owner, owner_can_login))
		{
			ereport(WARNING,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("could not start a background worker for job %d", job_id),
					 errhint("Raise max_worker_processes.")));
			JobFailedToStart(job_id);
		}
	}
}

/*
 * ep_timestore_scheduler_main - entry point of a database's scheduler
 * (main_arg: the database Oid).  Starts due jobs in job workers and
 * sleeps until the next is due, a worker ends, or a backend wakes it.
 * SIGTERM stops it, and its job workers (whose start marks then count
 * their runs as failed); with epiphany.timeseries_scheduler = off it
 * starts no new run and exits once its running jobs have ended.
 */
void
ep_timestore_scheduler_main(Datum main_arg)
{
	MemoryContext loopcxt;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(main_arg), InvalidOid, 0);
	pgstat_report_appname(EP_JOB_SCHEDULER_APPLICATION_NAME);
	if (!JobSlotAttach())
		proc_exit(0);
	before_shmem_exit(TerminateJobWorkers, (Datum) 0);

	loopcxt = AllocSetContextCreate(TopMemoryContext, "timestore scheduler loop",
									ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		List	   *due;
		long		nap_ms;

		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MemoryContextSwitchTo(loopcxt);
		ReapJobWorkers();
		if (!JobSchedulerEnabled)
		{
			/* switched off: no new run; leave once the running ones have ended */
			if (RunningJobs == NIL)
				proc_exit(0);
			nap_ms = EP_SCHEDULER_MAX_NAP_MS;
		}
		else
		{
			if (!LoadDueJobs(&due, &nap_ms))
			{
				JobSlotReportNoExtension();
				proc_exit(0);
			}
			StartDueJobs(due);
		}
		MemoryContextSwitchTo(TopMemoryContext);
		MemoryContextReset(loopcxt);

		/* a worker that ends sets the latch (bgw_notify_pid) */
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Max(nap_ms, 1), PG_WAIT_EXTENSION);
	}
}

/*
 * ep_timestore_job_main - entry point of a job worker (main_arg: the job
 * id; bgw_extra: JobWorkerArgs): runs the job whose start its scheduler
 * marked, and exits.
 */
void
ep_timestore_job_main(Datum main_arg)
{
	JobWorkerArgs args;

	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(args.dboid,
											  args.as_owner ? args.owner : InvalidOid, 0);
	MemoryContextSwitchTo(AllocSetContextCreate(TopMemoryContext, "timestore job",
												ALLOCSET_DEFAULT_SIZES));
	JobRunStarted(DatumGetInt32(main_arg), args.as_owner);
	proc_exit(0);
}
