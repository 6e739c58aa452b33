/*-------------------------------------------------------------------------
 *
 * job_worker.c
 *	  Runs one job and keeps its statistics: loading the job's catalog row,
 *	  calling its procedure as the job's owner, recording the run, and the
 *	  next start after a success (fixed or drifting schedule) or a failure
 *	  (exponential back-off).
 *
 *	  Invariants: a scheduled run takes three steps: the scheduler marks the
 *	  start (committed before any user code runs), a job worker runs the
 *	  job and marks the end (job_scheduler.c starts one per run).  The start
 *	  mark counts the run as failed and sets a back-off next_start, and only
 *	  the end mark turns it into a success, so a run that never ends (crash,
 *	  shutdown) is counted as a failure and retried after a back-off.
 *	  Catalog rows are written as the owner of schema _epiphany_timestore,
 *	  under SECURITY_LOCAL_USERID_CHANGE and its own GUC nesting level.
 *	  User code runs as the job's owner.  A procedure runs non-atomically
 *	  (it may COMMIT) when the session is the owner's own and the call may
 *	  be: in a job worker connected as the owner, or in run_job called by
 *	  the owner with CALL outside a transaction block.  Otherwise it runs in
 *	  one transaction, as the owner under SECURITY_LOCAL_USERID_CHANGE and
 *	  a GUC nesting level that undoes its settings.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/job_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "pgstat.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "timestore.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

/* What the start mark leaves in last_error until the end mark replaces it. */
#define JOB_INTERRUPTED_MESSAGE \
	"job did not finish: its process stopped during the run"

/* Column numbers of the query in JobLoad. */
enum
{
	JOB_COL_APPLICATION_NAME = 1,
	JOB_COL_SCHEDULE_INTERVAL,
	JOB_COL_MAX_RUNTIME,
	JOB_COL_MAX_RETRIES,
	JOB_COL_RETRY_PERIOD,
	JOB_COL_PROC_SCHEMA,
	JOB_COL_PROC_NAME,
	JOB_COL_OWNER,
	JOB_COL_SCHEDULED,
	JOB_COL_FIXED_SCHEDULE,
	JOB_COL_INITIAL_START,
	JOB_COL_CONFIG,
	JOB_COL_CHECK_SCHEMA,
	JOB_COL_CHECK_NAME,
	JOB_COL_TIMEZONE,
	JOB_COL_HAS_STAT,
	JOB_COL_NEXT_START,
	JOB_COL_CONSECUTIVE_FAILURES
};

#define JOB_SELECT \
	"SELECT j.application_name::text, j.schedule_interval, j.max_runtime," \
	" j.max_retries, j.retry_period, j.proc_schema::text, j.proc_name::text," \
	" j.owner::oid, j.scheduled, j.fixed_schedule, j.initial_start, j.config," \
	" j.check_schema::text, j.check_name::text, j.timezone," \
	" s.job_id IS NOT NULL, s.next_start, coalesce(s.consecutive_failures, 0)" \
	" FROM _epiphany_timestore.bgw_job j"

static double IntervalApproxUsecs(const Interval *interval);
static TimestampTz JobShift(const EpJob *job, TimestampTz origin,
							const Interval *step, int64 count);
static void JobMarkStart(const EpJob *job, TimestampTz start);
static void JobMarkEnd(const EpJob *job, TimestampTz finish, ErrorData *edata);
static void JobLogRun(const EpJob *job, TimestampTz finish, ErrorData *edata);
static bool JobExecuteGuarded(const EpJob *job, bool nonatomic, MemoryContext errcxt,
							  ErrorData **edata);

/* ----------------------------------------------------------------
 *		Catalog access
 * ----------------------------------------------------------------
 */

/*
 * CatalogEnter - our catalog statements run with search_path set to
 * pg_catalog, pg_temp until CatalogLeave: they run as a superuser (the
 * scheduler, or the catalog's owner), and a search_path chosen by a user
 * (or set on the database) must not let them resolve an operator or a
 * function in a schema that user controls.  Returns the GUC nesting level
 * to pass to CatalogLeave.
 */
int
CatalogEnter(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	return nestlevel;
}

/* Restores the settings CatalogEnter changed. */
void
CatalogLeave(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/* The owner of schema _epiphany_timestore, who owns the catalog. */
Oid
CatalogOwner(void)
{
	HeapTuple	tuple;
	Oid			owner;

	tuple = SearchSysCache1(NAMESPACEOID,
							ObjectIdGetDatum(get_namespace_oid("_epiphany_timestore",
															   false)));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for schema \"_epiphany_timestore\"");
	owner = ((Form_pg_namespace) GETSTRUCT(tuple))->nspowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * CatalogExecute - runs one statement on the extension's catalog (jobs,
 * hypertables, chunks) through SPI, as the owner of schema
 * _epiphany_timestore (so that users who may manage a job or a hypertable
 * need no privileges on the tables).  Returns the number of rows
 * processed; when first_value is not NULL and a row came back, stores the
 * first column of the first row there (by-value types only).
 */
uint64
CatalogExecute(const char *sql, int nargs, Oid *argtypes, Datum *values,
				  const char *nulls, Datum *first_value)
{
	Oid			save_userid;
	int			save_sec;
	uint64		processed;
	int			nestlevel;
	int			rc;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(CatalogOwner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	nestlevel = CatalogEnter();

	SPI_connect();
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "catalog statement failed: %s", SPI_result_code_string(rc));
	processed = SPI_processed;
	if (first_value != NULL && processed > 0 && SPI_tuptable != NULL)
	{
		bool		isnull;

		*first_value = SPI_getbinval(SPI_tuptable->vals[0],
									 SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull)
			*first_value = (Datum) 0;
	}
	SPI_finish();

	CatalogLeave(nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec);
	return processed;
}

/*
 * The catalog reads prepared so far, by their SQL text, kept for the
 * backend's life: they run on every plan of a hypertable query and on
 * every new chunk an INSERT meets, where parsing and planning them again
 * cost more than running them.  The plan cache revalidates them when the
 * catalog changes (a dropped and re-created extension among others).
 */
typedef struct CatalogReadPlan
{
	char	   *sql;
	SPIPlanPtr	plan;
} CatalogReadPlan;

static List *CatalogReadPlans = NIL;	/* in TopMemoryContext */

/* The kept plan of a catalog read, prepared on first use. */
static SPIPlanPtr
CatalogReadPrepared(const char *sql, int nargs, Oid *argtypes)
{
	CatalogReadPlan *entry;
	MemoryContext oldcxt;
	SPIPlanPtr	plan;
	ListCell   *lc;

	foreach(lc, CatalogReadPlans)
	{
		entry = lfirst(lc);
		if (strcmp(entry->sql, sql) == 0)
			return entry->plan;
	}
	/* a generic plan: the catalog's indexes serve every parameter */
	plan = SPI_prepare_cursor(sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "could not prepare the catalog read: %s", sql);
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	entry = palloc(sizeof(CatalogReadPlan));
	entry->sql = pstrdup(sql);
	entry->plan = plan;
	CatalogReadPlans = lappend(CatalogReadPlans, entry);
	MemoryContextSwitchTo(oldcxt);
	return plan;
}

/*
 * CatalogReadLatest - runs a read of the extension's catalog with the
 * latest snapshot, as PostgreSQL reads its system catalogs, so that the
 * answer does not depend on the caller's snapshot (planning runs under
 * whatever snapshot is active; a REPEATABLE READ transaction must still
 * see chunks committed since it started).  SPI must be connected; the
 * rows are in SPI_tuptable.
 */
void
CatalogReadLatest(const char *sql, int nargs, Oid *argtypes, Datum *values,
				  const char *nulls)
{
	if (SPI_execute_snapshot(CatalogReadPrepared(sql, nargs, argtypes), values, nulls,
							 GetLatestSnapshot(), InvalidSnapshot, true, false,
							 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the catalog: %s", sql);
}

static char *
ColumnText(HeapTuple tuple, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		value = SPI_getbinval(tuple, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(value);
}

/*
 * JobLoad - reads job job_id and the scheduling fields of its stats row
 * into a new EpJob allocated in the caller's memory context; NULL if there
 * is no such job.  With lock_for_run, only a job that has a stats row is
 * found, and that row is locked FOR UPDATE until the end of the transaction.
 */
EpJob *
JobLoad(int32 job_id, bool lock_for_run)
{
	MemoryContext callercxt = CurrentMemoryContext;
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(job_id)};
	EpJob	   *job = NULL;
	const char *sql;
	int			nestlevel;

	sql = lock_for_run ?
		JOB_SELECT " JOIN _epiphany_timestore.bgw_job_stat s ON s.job_id = j.id"
		" WHERE j.id = $1 FOR UPDATE OF s" :
		JOB_SELECT " LEFT JOIN _epiphany_timestore.bgw_job_stat s ON s.job_id = j.id"
		" WHERE j.id = $1";

	nestlevel = CatalogEnter();
	SPI_connect();
	if (SPI_execute_with_args(sql, 1, argtypes, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read job %d", job_id);
	if (SPI_processed > 0)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		value;

		MemoryContextSwitchTo(callercxt);
		job = palloc0(sizeof(EpJob));
		job->id = job_id;
		job->application_name = ColumnText(tuple, desc, JOB_COL_APPLICATION_NAME);
		job->schedule_interval = *DatumGetIntervalP(SPI_getbinval(tuple, desc, JOB_COL_SCHEDULE_INTERVAL, &isnull));
		job->max_runtime = *DatumGetIntervalP(SPI_getbinval(tuple, desc, JOB_COL_MAX_RUNTIME, &isnull));
		job->max_retries = DatumGetInt32(SPI_getbinval(tuple, desc, JOB_COL_MAX_RETRIES, &isnull));
		job->retry_period = *DatumGetIntervalP(SPI_getbinval(tuple, desc, JOB_COL_RETRY_PERIOD, &isnull));
		job->proc_schema = ColumnText(tuple, desc, JOB_COL_PROC_SCHEMA);
		job->proc_name = ColumnText(tuple, desc, JOB_COL_PROC_NAME);
		job->owner = DatumGetObjectId(SPI_getbinval(tuple, desc, JOB_COL_OWNER, &isnull));
		job->scheduled = DatumGetBool(SPI_getbinval(tuple, desc, JOB_COL_SCHEDULED, &isnull));
		job->fixed_schedule = DatumGetBool(SPI_getbinval(tuple, desc, JOB_COL_FIXED_SCHEDULE, &isnull));
		value = SPI_getbinval(tuple, desc, JOB_COL_INITIAL_START, &isnull);
		job->has_initial_start = !isnull;
		job->initial_start = isnull ? 0 : DatumGetTimestampTz(value);
		value = SPI_getbinval(tuple, desc, JOB_COL_CONFIG, &isnull);
		job->config = isnull ? NULL : DatumGetJsonbPCopy(value);
		job->check_schema = ColumnText(tuple, desc, JOB_COL_CHECK_SCHEMA);
		job->check_name = ColumnText(tuple, desc, JOB_COL_CHECK_NAME);
		job->timezone = ColumnText(tuple, desc, JOB_COL_TIMEZONE);
		job->has_stat = DatumGetBool(SPI_getbinval(tuple, desc, JOB_COL_HAS_STAT, &isnull));
		value = SPI_getbinval(tuple, desc, JOB_COL_NEXT_START, &isnull);
		job->next_start = isnull ? DT_NOBEGIN : DatumGetTimestampTz(value);
		job->consecutive_failures = DatumGetInt32(SPI_getbinval(tuple, desc, JOB_COL_CONSECUTIVE_FAILURES, &isnull));
	}
	SPI_finish();
	CatalogLeave(nestlevel);
	return job;
}

/*
 * JobLookupRoutine - the Oid of the function or procedure schema.name
 * taking exactly argtypes, or InvalidOid.  (LookupFuncName alone finds
 * functions only.)
 */
Oid
JobLookupRoutine(const char *schema, const char *name, int nargs, const Oid *argtypes)
{
	ObjectWithArgs *routine = makeNode(ObjectWithArgs);
	int			i;

	routine->objname = list_make2(makeString(pstrdup(schema)), makeString(pstrdup(name)));
	for (i = 0; i < nargs; i++)
		routine->objargs = lappend(routine->objargs, makeTypeNameFromOid(argtypes[i], -1));
	return LookupFuncWithArgs(OBJECT_ROUTINE, routine, true);
}

/* ----------------------------------------------------------------
 *		Next start
 * ----------------------------------------------------------------
 */

/* An interval's length in microseconds, a month counting as 30 days. */
static double
IntervalApproxUsecs(const Interval *interval)
{
	return (double) interval->month * DAYS_PER_MONTH * USECS_PER_DAY +
		(double) interval->day * USECS_PER_DAY + (double) interval->time;
}

/*
 * JobShift - origin + count * step, computed on the wall clock of the job's
 * time zone (so that day and month steps keep the local time across DST
 * changes), or of UTC when it has none: the result must not depend on the
 * TimeZone of the process that computes it (scheduler or run_job caller).
 */
static TimestampTz
JobShift(const EpJob *job, TimestampTz origin, const Interval *step, int64 count)
{
	Datum		shift;
	Datum		zone;
	Datum		local;

	shift = DirectFunctionCall2(interval_mul, IntervalPGetDatum(step),
								Float8GetDatum((float8) count));
	zone = CStringGetTextDatum(job->timezone ? job->timezone : "UTC");
	local = DirectFunctionCall2(timestamptz_zone, zone, TimestampTzGetDatum(origin));
	local = DirectFunctionCall2(timestamp_pl_interval, local, shift);
	return DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone, zone, local));
}

/*
 * JobNextStartOnSuccess - the start after a run that ended at finish.  A
 * fixed schedule starts at the first initial_start + k * schedule_interval
 * (k >= 0) strictly after finish; a drifting one at finish + interval.
 */
TimestampTz
JobNextStartOnSuccess(const EpJob *job, TimestampTz finish)
{
	const Interval *step = &job->schedule_interval;
	double		length = IntervalApproxUsecs(step);
	int64		k;

	if (!job->fixed_schedule || !job->has_initial_start)
		return JobShift(job, finish, step, 1);
	if (job->initial_start > finish)
		return job->initial_start;

	/*
	 * Estimate k from the approximate length (exact for steps without days
	 * or months), then correct it: slots grow with k, so step down while the
	 * previous slot is still after finish and up while this one is not.
	 */
	Assert(length > 0);
	k = (int64) floor((double) (finish - job->initial_start) / length) + 1;
	while (k > 1 && JobShift(job, job->initial_start, step, k - 1) > finish)
		k--;
	while (JobShift(job, job->initial_start, step, k) <= finish)
	{
		CHECK_FOR_INTERRUPTS();
		k++;
	}
	return JobShift(job, job->initial_start, step, k);
}

/*
 * JobNextStartOnFailure - the start after the failures-th consecutive
 * failed run, which ended at finish: finish + retry_period * 2^(failures-1),
 * the exponent capped at EP_JOB_MAX_FAILURES_MULTIPLIER and the delay at
 * EP_JOB_MAX_INTERVALS_BACKOFF schedule intervals (months count 30 days).
 */
TimestampTz
JobNextStartOnFailure(const EpJob *job, TimestampTz finish, int failures)
{
	int			exponent = Min(Max(failures, 1), EP_JOB_MAX_FAILURES_MULTIPLIER) - 1;
	double		delay = ldexp(IntervalApproxUsecs(&job->retry_period), exponent);
	double		cap = EP_JOB_MAX_INTERVALS_BACKOFF *
		IntervalApproxUsecs(&job->schedule_interval);

	delay = Min(delay, cap);
	if (delay >= (double) (END_TIMESTAMP - finish))
		return DT_NOEND;
	return finish + (int64) delay;
}

/* ----------------------------------------------------------------
 *		Running a job
 * ----------------------------------------------------------------
 */

/*
 * The job's arguments (id, config) as parameters $1 and $2, in the current
 * memory context.
 */
static ParamListInfo
JobParams(const EpJob *job)
{
	ParamListInfo params = makeParamList(2);

	params->numParams = 2;
	params->params[0].value = Int32GetDatum(job->id);
	params->params[0].isnull = false;
	params->params[0].pflags = PARAM_FLAG_CONST;
	params->params[0].ptype = INT4OID;
	params->params[1].value = job->config ? JsonbPGetDatum(job->config) : (Datum) 0;
	params->params[1].isnull = job->config == NULL;
	params->params[1].pflags = PARAM_FLAG_CONST;
	params->params[1].ptype = JSONBOID;
	return params;
}

/*
 * Runs CALL sql non-atomically, so that the procedure may COMMIT: through
 * SPI under the caller's portal when there is one (run_job called by
 * CALL), else as a top-level statement in a portal of its own, as
 * exec_simple_query runs one (a job worker).  The parse tree and plan are
 * made in the caller's memory context, which must outlive the procedure's
 * transactions.
 */
static void
JobCallNonatomic(const char *sql, ParamListInfo params)
{
	Oid			argtypes[2] = {INT4OID, JSONBOID};
	RawStmt    *parsetree;
	List	   *plans;
	Portal		portal;
	DestReceiver *dest;
	QueryCompletion qc;

	if (ActivePortal != NULL)
	{
		SPIExecuteOptions options;

		memset(&options, 0, sizeof(options));
		options.params = params;
		options.allow_nonatomic = true;
		SPI_connect_ext(SPI_OPT_NONATOMIC);
		if (SPI_execute_extended(sql, &options) < 0)
			elog(ERROR, "could not run %s", sql);
		SPI_finish();
		return;
	}

	PushActiveSnapshot(GetTransactionSnapshot());
	parsetree = linitial_node(RawStmt, pg_parse_query(sql));
	plans = pg_plan_queries(pg_analyze_and_rewrite_fixedparams(parsetree, sql, argtypes, 2,
															   NULL),
							sql, CURSOR_OPT_PARALLEL_OK, params);
	PopActiveSnapshot();

	portal = CreatePortal("", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, NULL, sql, CMDTAG_CALL, plans, NULL);
	PortalStart(portal, params, 0, InvalidSnapshot);
	dest = CreateDestReceiver(DestNone);
	(void) PortalRun(portal, FETCH_ALL, true, true, dest, dest, &qc);
	dest->rDestroy(dest);
	PortalDrop(portal, false);
}

/*
 * JobExecute - calls the job's procedure as CALL proc(id, config), or its
 * function as SELECT func(id, config).  With nonatomic, a procedure whose
 * owner is the current user runs non-atomically (JobCallNonatomic): it may
 * COMMIT, and its settings stay, as after a CALL.  Otherwise the routine
 * runs in the current transaction as the job's owner, and the settings it
 * changes are undone on return; an error propagates (the caller's abort
 * restores the user and the settings).
 */
void
JobExecute(const EpJob *job, bool nonatomic)
{
	Oid			argtypes[2] = {INT4OID, JSONBOID};
	Oid			procoid;
	Oid			save_userid;
	int			save_sec;
	int			save_nestlevel;
	char	   *sql;
	bool		is_procedure;
	SPIExecuteOptions options;

	procoid = JobLookupRoutine(job->proc_schema, job->proc_name, 2, argtypes);
	if (!OidIsValid(procoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function or procedure %s(integer, jsonb) of job %d does not exist",
						quote_qualified_identifier(job->proc_schema, job->proc_name),
						job->id)));
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(job->owner)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("owner of job %d does not exist", job->id)));

	is_procedure = get_func_prokind(procoid) == PROKIND_PROCEDURE;
	sql = psprintf("%s %s($1, $2)", is_procedure ? "CALL" : "SELECT",
				   quote_qualified_identifier(job->proc_schema, job->proc_name));
	if (nonatomic && is_procedure && GetUserId() == job->owner &&
		!InSecurityRestrictedOperation())
	{
		JobCallNonatomic(sql, JobParams(job));
		return;
	}

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(job->owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	save_nestlevel = NewGUCNestLevel();

	memset(&options, 0, sizeof(options));
	options.params = JobParams(job);
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	if (SPI_execute_extended(sql, &options) < 0)
		elog(ERROR, "could not run job %d", job->id);
	SPI_finish();
	PopActiveSnapshot();

	AtEOXact_GUC(true, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec);
}

/*
 * JobRunNow - run_job: runs the job in the caller's session (non-atomically
 * when nonatomic, see JobExecute) and, when it succeeds, records the run in
 * its stats row (creating the row if a restore left none).  A failure
 * propagates to the caller and records nothing, since the caller's
 * transaction is lost anyway.
 */
void
JobRunNow(const EpJob *job, bool nonatomic)
{
	Oid			argtypes[4] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[4];
	TimestampTz start = GetCurrentTimestamp();
	TimestampTz finish;

	JobExecute(job, nonatomic);
	finish = GetCurrentTimestamp();

	values[0] = Int32GetDatum(job->id);
	values[1] = TimestampTzGetDatum(start);
	values[2] = TimestampTzGetDatum(finish);
	values[3] = TimestampTzGetDatum(JobNextStartOnSuccess(job, finish));
	CatalogExecute("INSERT INTO _epiphany_timestore.bgw_job_stat AS s"
					  " (job_id, next_start, last_start, last_finish,"
					  "  last_successful_finish, last_run_success, total_runs,"
					  "  total_duration, total_successes)"
					  " SELECT $1, $4, $2, $3, $3, true, 1, $3 - $2, 1"
					  " WHERE EXISTS (SELECT FROM _epiphany_timestore.bgw_job WHERE id = $1)"
					  " ON CONFLICT (job_id) DO UPDATE SET"
					  " next_start = $4, last_start = $2, last_finish = $3,"
					  " last_successful_finish = $3, last_run_success = true,"
					  " total_runs = s.total_runs + 1,"
					  " total_duration = s.total_duration + ($3 - $2),"
					  " total_successes = s.total_successes + 1,"
					  " consecutive_failures = 0, last_error = NULL,"
					  " last_error_sqlstate = NULL",
					  4, argtypes, values, NULL, NULL);
	JobLogRun(job, finish, NULL);
}

/*
 * JobMarkStart - counts a run that starts now as failed until JobMarkEnd
 * says otherwise, and sets next_start to the back-off after one more
 * failure, so that a run that never ends is retried later, not at once.
 */
static void
JobMarkStart(const EpJob *job, TimestampTz start)
{
	Oid			argtypes[4] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID};
	Datum		values[4];

	values[0] = Int32GetDatum(job->id);
	values[1] = TimestampTzGetDatum(start);
	values[2] = TimestampTzGetDatum(JobNextStartOnFailure(job, start,
														  job->consecutive_failures + 1));
	values[3] = CStringGetTextDatum(JOB_INTERRUPTED_MESSAGE);
	CatalogExecute("UPDATE _epiphany_timestore.bgw_job_stat SET"
					  " last_start = $2, next_start = $3, last_run_success = false,"
					  " total_runs = total_runs + 1,"
					  " total_failures = total_failures + 1,"
					  " consecutive_failures = consecutive_failures + 1,"
					  " last_error = $4, last_error_sqlstate = NULL"
					  " WHERE job_id = $1",
					  4, argtypes, values, NULL, NULL);
}

/*
 * JobLogRun - adds a run that ended at finish to the job history: a
 * failure (edata), or a success when epiphany.timeseries_job_execution_logging
 * is on; its start is the stats row's.  Rows older than a month go.
 */
static void
JobLogRun(const EpJob *job, TimestampTz finish, ErrorData *edata)
{
	Oid			argtypes[10] = {INT4OID, OIDOID, BOOLOID, INT4OID, TIMESTAMPTZOID,
	TEXTOID, TEXTOID, JSONBOID, TEXTOID, TEXTOID};
	Datum		values[10];
	char		nulls[10] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

	if (edata == NULL && !JobExecutionLogging)
		return;
	values[0] = Int32GetDatum(job->id);
	values[1] = ObjectIdGetDatum(job->owner);
	values[2] = BoolGetDatum(edata == NULL);
	values[3] = Int32GetDatum(MyProcPid);
	values[4] = TimestampTzGetDatum(finish);
	values[5] = CStringGetTextDatum(job->proc_schema);
	values[6] = CStringGetTextDatum(job->proc_name);
	values[7] = job->config ? JsonbPGetDatum(job->config) : (Datum) 0;
	nulls[7] = job->config ? ' ' : 'n';
	nulls[8] = nulls[9] = 'n';
	if (edata != NULL)
	{
		values[8] = CStringGetTextDatum(unpack_sql_state(edata->sqlerrcode));
		values[9] = CStringGetTextDatum(edata->message ? edata->message : "unknown error");
		nulls[8] = nulls[9] = ' ';
	}
	CatalogExecute("WITH old AS (DELETE FROM _epiphany_timestore.bgw_job_history"
				   "             WHERE finish_time < $5 - interval '1 month')"
				   " INSERT INTO _epiphany_timestore.bgw_job_history"
				   " (job_id, owner, succeeded, pid, start_time, finish_time, proc_schema,"
				   "  proc_name, config, sqlerrcode, err_message)"
				   " SELECT $1, $2, $3, $4,"
				   "  (SELECT last_start FROM _epiphany_timestore.bgw_job_stat WHERE job_id = $1),"
				   "  $5, $6, $7, $8, $9, $10",
				   10, argtypes, values, nulls, NULL);
}

/*
 * JobMarkEnd - records how the run started by JobMarkStart ended: edata is
 * NULL on success, else the error.  A job that failed more than its
 * max_retries times in a row (when that is not -1) is unscheduled.
 */
static void
JobMarkEnd(const EpJob *job, TimestampTz finish, ErrorData *edata)
{
	Oid			argtypes[5] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int			failures = job->consecutive_failures + 1;

	values[0] = Int32GetDatum(job->id);
	values[1] = TimestampTzGetDatum(finish);
	if (edata == NULL)
	{
		values[2] = TimestampTzGetDatum(JobNextStartOnSuccess(job, finish));
		CatalogExecute("UPDATE _epiphany_timestore.bgw_job_stat SET"
						  " last_finish = $2, last_successful_finish = $2,"
						  " next_start = $3, last_run_success = true,"
						  " total_duration = total_duration + ($2 - last_start),"
						  " total_successes = total_successes + 1,"
						  " total_failures = total_failures - 1,"
						  " consecutive_failures = 0, last_error = NULL"
						  " WHERE job_id = $1",
						  3, argtypes, values, nulls, NULL);
		JobLogRun(job, finish, NULL);
		return;
	}
	JobLogRun(job, finish, edata);

	values[2] = TimestampTzGetDatum(JobNextStartOnFailure(job, finish, failures));
	values[3] = CStringGetTextDatum(edata->message ? edata->message : "unknown error");
	values[4] = CStringGetTextDatum(unpack_sql_state(edata->sqlerrcode));
	CatalogExecute("UPDATE _epiphany_timestore.bgw_job_stat SET"
					  " last_finish = $2, next_start = $3, last_run_success = false,"
					  " total_duration = total_duration + ($2 - last_start),"
					  " last_error = $4, last_error_sqlstate = $5"
					  " WHERE job_id = $1",
					  5, argtypes, values, nulls, NULL);

	if (job->max_retries >= 0 && failures > job->max_retries)
	{
		CatalogExecute("UPDATE _epiphany_timestore.bgw_job SET scheduled = false"
						  " WHERE id = $1",
						  1, argtypes, values, nulls, NULL);
		ereport(LOG,
				(errmsg("job %d failed %d times in a row and was unscheduled",
						job->id, failures),
				 errhint("Fix the job, then call alter_job(%d, scheduled => true).",
						 job->id)));
	}
}

/*
 * JobExecuteGuarded - runs the job in a transaction of its own (or, when
 * it runs non-atomically, in the transactions its procedure makes), with
 * statement_timeout armed at max_runtime, and commits it.  Returns true on
 * success; on error, logs it, copies it into errcxt (*edata), aborts the
 * transaction and returns false.
 *
 * This is the one place that catches an error to carry on: a job's failure
 * is data for its statistics.  The transaction is aborted before anything
 * else runs.
 */
static bool
JobExecuteGuarded(const EpJob *job, bool nonatomic, MemoryContext errcxt, ErrorData **edata)
{
	double		runtime_ms = IntervalApproxUsecs(&job->max_runtime) / 1000.0;
	bool		ok = true;

	StartTransactionCommand();
	MemoryContextSwitchTo(errcxt);
	PG_TRY();
	{
		if (runtime_ms >= 1)
			enable_timeout_after(STATEMENT_TIMEOUT, (int) Min(runtime_ms, INT_MAX));
		JobExecute(job, nonatomic);
		disable_timeout(STATEMENT_TIMEOUT, false);
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		HOLD_INTERRUPTS();
		disable_timeout(STATEMENT_TIMEOUT, false);
		MemoryContextSwitchTo(errcxt);
		*edata = CopyErrorData();
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		/* A timeout that fired as the job ended must not cancel us later. */
		QueryCancelPending = false;
		RESUME_INTERRUPTS();
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(errcxt);
	return ok;
}

/*
 * JobStartScheduled - the scheduler's side of a run of job job_id: if the
 * job is still scheduled and due, marks its start (committed) and returns
 * its owner and whether the owner may log in (which a job worker connected
 * as the owner needs); false when the job is not to run.  Must be called
 * outside a transaction.
 */
bool
JobStartScheduled(int32 job_id, Oid *owner, bool *owner_can_login)
{
	MemoryContext callercxt = CurrentMemoryContext;
	EpJob	   *job;
	TimestampTz start;
	bool		started = false;

	Assert(!IsTransactionState());
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(callercxt);
	job = JobLoad(job_id, true);
	start = GetCurrentTimestamp();
	if (job != NULL && job->scheduled && job->next_start <= start)
	{
		HeapTuple	role = SearchSysCache1(AUTHOID, ObjectIdGetDatum(job->owner));

		JobMarkStart(job, start);
		*owner = job->owner;
		*owner_can_login = HeapTupleIsValid(role) &&
			((Form_pg_authid) GETSTRUCT(role))->rolcanlogin;
		if (HeapTupleIsValid(role))
			ReleaseSysCache(role);
		started = true;
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(callercxt);
	return started;
}

/*
 * The job of a run whose start is marked, or NULL if it was deleted since;
 * its consecutive failures as before the start mark, which counted this
 * run already (JobMarkEnd counts it once more).  In a transaction.
 */
static EpJob *
JobLoadStarted(int32 job_id)
{
	EpJob	   *job = JobLoad(job_id, false);

	if (job != NULL)
		job->consecutive_failures--;
	return job;
}

/*
 * JobRunStarted - a job worker's run of job job_id, whose start the
 * scheduler has marked: runs it (non-atomically when the worker is
 * connected as the job's owner) and marks the end.  Must be called outside
 * a transaction; allocates in the current memory context.  A job deleted
 * meanwhile is not run.
 */
void
JobRunStarted(int32 job_id, bool as_owner)
{
	MemoryContext jobcxt = CurrentMemoryContext;
	EpJob	   *job;
	ErrorData  *edata = NULL;

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(jobcxt);
	job = JobLoadStarted(job_id);
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(jobcxt);
	if (job == NULL)
		return;

	pgstat_report_appname(job->application_name);
	pgstat_report_activity(STATE_RUNNING, job->application_name);
	JobExecuteGuarded(job, as_owner, jobcxt, &edata);
	pgstat_report_activity(STATE_IDLE, NULL);

	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	JobMarkEnd(job, GetCurrentTimestamp(), edata);
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(jobcxt);
}

/*
 * JobFailedToStart - ends the run of job job_id that the scheduler marked
 * but could not start a worker for: a failure with that reason, retried
 * after the back-off.  Must be called outside a transaction.
 */
void
JobFailedToStart(int32 job_id)
{
	MemoryContext callercxt = CurrentMemoryContext;
	EpJob	   *job;
	ErrorData	edata;

	memset(&edata, 0, sizeof(edata));
	edata.message = "could not start a background worker for the job";
	edata.detail = NULL;
	edata.sqlerrcode = ERRCODE_CONFIGURATION_LIMIT_EXCEEDED;
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(callercxt);
	job = JobLoadStarted(job_id);
	if (job != NULL)
		JobMarkEnd(job, GetCurrentTimestamp(), &edata);
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(callercxt);
}
