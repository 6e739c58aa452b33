/*-------------------------------------------------------------------------
 *
 * job_api.c
 *	  The SQL functions of the jobs API, with TimescaleDB's names, signatures
 *	  and defaults: add_job, alter_job, delete_job and the procedure run_job.
 *
 *	  Invariants: every job has a stats row from add_job on (a restore may
 *	  leave none; the scheduler then creates it); a job is managed by roles
 *	  that have the privileges of its owner; a job's procedure takes
 *	  (integer, jsonb) and its owner may execute it when it is added.
 *	  Catalog writes go through CatalogExecute (as the catalog's owner);
 *	  any change of bgw_job (ours, a restore's COPY, a manual UPDATE) wakes
 *	  the database's scheduler when the transaction commits, through the
 *	  statement trigger ep_timestore_job_changed.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/job_api.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "timestore.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(ep_add_job);
PG_FUNCTION_INFO_V1(ep_alter_job);
PG_FUNCTION_INFO_V1(ep_delete_job);
PG_FUNCTION_INFO_V1(ep_run_job);
PG_FUNCTION_INFO_V1(ep_timestore_wake_scheduler);
PG_FUNCTION_INFO_V1(ep_timestore_job_changed);
PG_FUNCTION_INFO_V1(ep_job_set_hypertable);

/* Argument numbers of alter_job. */
enum
{
	ALTER_ARG_JOB_ID = 0,
	ALTER_ARG_SCHEDULE_INTERVAL,
	ALTER_ARG_MAX_RUNTIME,
	ALTER_ARG_MAX_RETRIES,
	ALTER_ARG_RETRY_PERIOD,
	ALTER_ARG_SCHEDULED,
	ALTER_ARG_CONFIG,
	ALTER_ARG_NEXT_START,
	ALTER_ARG_IF_EXISTS,
	ALTER_ARG_CHECK_CONFIG,
	ALTER_ARG_FIXED_SCHEDULE,
	ALTER_ARG_INITIAL_START,
	ALTER_ARG_TIMEZONE
};

#define ALTER_JOB_RESULT_COLUMNS 12

static void UpdateJobRow(const EpJob *job);

/*
 * ValidateInterval - errors out unless the interval is positive (or, with
 * allow_zero, not negative).  Months count 30 days, as in interval
 * comparison.
 */
static void
ValidateInterval(const Interval *interval, const char *name, bool allow_zero)
{
	Interval	zero = {0};
	int			cmp;

	cmp = DatumGetInt32(DirectFunctionCall2(interval_cmp,
											IntervalPGetDatum(interval),
											IntervalPGetDatum(&zero)));
	if (cmp < 0 || (cmp == 0 && !allow_zero))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be %s zero", name,
						allow_zero ? "greater than or equal to" : "greater than")));
}

/* Errors out unless the zone is one timezone() knows. */
static void
ValidateTimezone(const char *timezone)
{
	if (timezone == NULL)
		return;
	DirectFunctionCall2(timestamptz_zone, CStringGetTextDatum(timezone),
						TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()));
}

/*
 * ValidateRoutine - proc must be a function or procedure taking exactly
 * the argument types given, executable by the current user.  Stores its
 * schema and name.
 */
static void
ValidateRoutine(Oid proc, int nargs, const Oid *argtypes, const char *signature,
				char **schema, char **name)
{
	HeapTuple	tuple;
	Form_pg_proc form;
	bool		matches;

	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(proc));
	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function or procedure with OID %u does not exist", proc)));
	form = (Form_pg_proc) GETSTRUCT(tuple);
	*schema = get_namespace_name(form->pronamespace);
	*name = pstrdup(NameStr(form->proname));
	matches = (form->prokind == PROKIND_FUNCTION || form->prokind == PROKIND_PROCEDURE) &&
		form->pronargs == nargs &&
		memcmp(form->proargtypes.values, argtypes, nargs * sizeof(Oid)) == 0;
	ReleaseSysCache(tuple);

	if (!matches)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("function or procedure \"%s\" must take %s",
						quote_qualified_identifier(*schema, *name), signature)));
	if (pg_proc_aclcheck(proc, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function \"%s\"", *name),
				 errhint("Job owner must have EXECUTE privilege on the function.")));
}

/*
 * RunConfigCheck - calls the check function (or procedure) on the config,
 * as the current user; it rejects a config by raising an error.
 */
static void
RunConfigCheck(const char *schema, const char *name, Jsonb *config)
{
	Oid			argtypes[1] = {JSONBOID};
	Datum		values[1] = {config ? JsonbPGetDatum(config) : (Datum) 0};
	char		nulls[1] = {config ? ' ' : 'n'};
	Oid			procoid;
	char	   *sql;

	procoid = JobLookupRoutine(schema, name, 1, argtypes);
	if (!OidIsValid(procoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function or procedure %s(jsonb) does not exist",
						quote_qualified_identifier(schema, name))));
	sql = psprintf("%s %s($1)",
				   get_func_prokind(procoid) == PROKIND_PROCEDURE ? "CALL" : "SELECT",
				   quote_qualified_identifier(schema, name));
	SPI_connect();
	if (SPI_execute_with_args(sql, 1, argtypes, values, nulls, false, 0) < 0)
		elog(ERROR, "could not run the config check %s", sql);
	SPI_finish();
}

/* Finds job job_id, or errors out (NULL with a notice when missing_ok). */
static EpJob *
FindJob(FunctionCallInfo fcinfo, bool missing_ok)
{
	EpJob	   *job;
	int32		job_id;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("job ID cannot be NULL")));
	job_id = PG_GETARG_INT32(0);
	job = JobLoad(job_id, false);
	if (job == NULL && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("job %d not found", job_id)));
	if (job == NULL)
		ereport(NOTICE,
				(errmsg("job %d not found, skipping", job_id)));
	return job;
}

/* Errors out unless the current user has the privileges of the job's owner. */
static void
CheckJobPermission(const EpJob *job, const char *action)
{
	if (!has_privs_of_role(GetUserId(), job->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("insufficient permissions to %s job %d", action, job->id),
				 errdetail("Only members of the job owner's role \"%s\" may change or run it.",
						   GetUserNameFromId(job->owner, false))));
}

/* Sets the job's next start in its stats row, creating the row if needed. */
static void
SetNextStart(int32 job_id, TimestampTz next_start)
{
	Oid			argtypes[2] = {INT4OID, TIMESTAMPTZOID};
	Datum		values[2] = {Int32GetDatum(job_id), TimestampTzGetDatum(next_start)};

	CatalogExecute("INSERT INTO _epiphany_timestore.bgw_job_stat (job_id, next_start)"
					  " VALUES ($1, $2)"
					  " ON CONFLICT (job_id) DO UPDATE SET next_start = $2",
					  2, argtypes, values, NULL, NULL);
}

/*
 * InsertJobRow - inserts the catalog row of a new job (id, application_name,
 * the procedure, the owner and the limits); UpdateJobRow writes the rest.
 */
static void
InsertJobRow(const EpJob *job)
{
	Oid			argtypes[9] = {INT4OID, TEXTOID, INTERVALOID, INTERVALOID, INT4OID,
	INTERVALOID, TEXTOID, TEXTOID, OIDOID};
	Datum		values[9];

	values[0] = Int32GetDatum(job->id);
	values[1] = CStringGetTextDatum(job->application_name);
	values[2] = IntervalPGetDatum(&job->schedule_interval);
	values[3] = IntervalPGetDatum(&job->max_runtime);
	values[4] = Int32GetDatum(job->max_retries);
	values[5] = IntervalPGetDatum(&job->retry_period);
	values[6] = CStringGetTextDatum(job->proc_schema);
	values[7] = CStringGetTextDatum(job->proc_name);
	values[8] = ObjectIdGetDatum(job->owner);
	CatalogExecute("INSERT INTO _epiphany_timestore.bgw_job (id, application_name,"
					  " schedule_interval, max_runtime, max_retries, retry_period,"
					  " proc_schema, proc_name, owner)"
					  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::regrole)",
					  9, argtypes, values, NULL, NULL);
}

/*
 * add_job(proc regproc, schedule_interval interval, config jsonb,
 *		   initial_start timestamptz, scheduled boolean, check_config regproc,
 *		   fixed_schedule boolean, timezone text) RETURNS integer
 *
 * The job's owner is the current user.  Without initial_start the job runs
 * at once, and a fixed schedule is aligned on the time of the call.
 */
Datum
ep_add_job(PG_FUNCTION_ARGS)
{
	Oid			jobargs[2] = {INT4OID, JSONBOID};
	Oid			checkargs[1] = {JSONBOID};
	EpJob	   *job = palloc0(sizeof(EpJob));
	Datum		id_datum = (Datum) 0;
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	PreventCommandIfReadOnly("add_job()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("function or procedure cannot be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schedule interval cannot be NULL")));
	job->schedule_interval = *PG_GETARG_INTERVAL_P(1);
	ValidateInterval(&job->schedule_interval, "schedule interval", false);
	ValidateRoutine(PG_GETARG_OID(0), 2, jobargs, "(integer, jsonb)",
					&job->proc_schema, &job->proc_name);
	job->config = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	job->scheduled = PG_ARGISNULL(4) ? true : PG_GETARG_BOOL(4);
	if (!PG_ARGISNULL(5) && OidIsValid(PG_GETARG_OID(5)))
		ValidateRoutine(PG_GETARG_OID(5), 1, checkargs, "(jsonb)",
						&job->check_schema, &job->check_name);
	job->fixed_schedule = PG_ARGISNULL(6) ? true : PG_GETARG_BOOL(6);
	job->timezone = PG_ARGISNULL(7) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(7));
	ValidateTimezone(job->timezone);
	/* a fixed schedule needs an origin: the time of the call by default */
	job->has_initial_start = !PG_ARGISNULL(3) || job->fixed_schedule;
	job->initial_start = PG_ARGISNULL(3) ? now : PG_GETARG_TIMESTAMPTZ(3);
	if (job->check_name != NULL)
		RunConfigCheck(job->check_schema, job->check_name, job->config);

	/* TimescaleDB's defaults: no runtime limit, retried for ever */
	job->max_retries = EP_JOB_DEFAULT_MAX_RETRIES;
	job->retry_period.time = EP_JOB_DEFAULT_RETRY_PERIOD;
	job->owner = GetUserId();
	CatalogExecute("SELECT nextval('_epiphany_timestore.bgw_job_id_seq')::integer",
					  0, NULL, NULL, NULL, &id_datum);
	job->id = DatumGetInt32(id_datum);
	job->application_name = psprintf("%s [%d]", EP_JOB_APPLICATION_NAME, job->id);

	InsertJobRow(job);
	UpdateJobRow(job);
	SetNextStart(job->id, PG_ARGISNULL(3) ? now : PG_GETARG_TIMESTAMPTZ(3));
	PG_RETURN_INT32(job->id);
}

/* Applies alter_job's non-NULL arguments to job (validated). */
static void
ApplyAlterArguments(FunctionCallInfo fcinfo, EpJob *job)
{
	if (!PG_ARGISNULL(ALTER_ARG_SCHEDULE_INTERVAL))
	{
		job->schedule_interval = *PG_GETARG_INTERVAL_P(ALTER_ARG_SCHEDULE_INTERVAL);
		ValidateInterval(&job->schedule_interval, "schedule interval", false);
	}
	if (!PG_ARGISNULL(ALTER_ARG_MAX_RUNTIME))
	{
		job->max_runtime = *PG_GETARG_INTERVAL_P(ALTER_ARG_MAX_RUNTIME);
		ValidateInterval(&job->max_runtime, "max runtime", true);
	}
	if (!PG_ARGISNULL(ALTER_ARG_MAX_RETRIES))
	{
		job->max_retries = PG_GETARG_INT32(ALTER_ARG_MAX_RETRIES);
		if (job->max_retries < -1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max retries must be -1 (no limit) or greater than or equal to zero")));
	}
	if (!PG_ARGISNULL(ALTER_ARG_RETRY_PERIOD))
	{
		job->retry_period = *PG_GETARG_INTERVAL_P(ALTER_ARG_RETRY_PERIOD);
		ValidateInterval(&job->retry_period, "retry period", false);
	}
	if (!PG_ARGISNULL(ALTER_ARG_SCHEDULED))
		job->scheduled = PG_GETARG_BOOL(ALTER_ARG_SCHEDULED);
	if (!PG_ARGISNULL(ALTER_ARG_CONFIG))
		job->config = PG_GETARG_JSONB_P(ALTER_ARG_CONFIG);
	if (!PG_ARGISNULL(ALTER_ARG_CHECK_CONFIG))
	{
		Oid			check = PG_GETARG_OID(ALTER_ARG_CHECK_CONFIG);
		Oid			checkargs[1] = {JSONBOID};

		/* check_config => 0 (or '-') removes the check */
		job->check_schema = job->check_name = NULL;
		if (OidIsValid(check))
			ValidateRoutine(check, 1, checkargs, "(jsonb)",
							&job->check_schema, &job->check_name);
	}
	if (!PG_ARGISNULL(ALTER_ARG_FIXED_SCHEDULE))
		job->fixed_schedule = PG_GETARG_BOOL(ALTER_ARG_FIXED_SCHEDULE);
	if (!PG_ARGISNULL(ALTER_ARG_INITIAL_START))
	{
		job->initial_start = PG_GETARG_TIMESTAMPTZ(ALTER_ARG_INITIAL_START);
		job->has_initial_start = true;
	}
	if (job->fixed_schedule && !job->has_initial_start)
	{
		job->initial_start = GetCurrentTransactionStartTimestamp();
		job->has_initial_start = true;
	}
	if (!PG_ARGISNULL(ALTER_ARG_TIMEZONE))
	{
		job->timezone = text_to_cstring(PG_GETARG_TEXT_PP(ALTER_ARG_TIMEZONE));
		ValidateTimezone(job->timezone);
	}
}

/* Writes the job's catalog row back. */
static void
UpdateJobRow(const EpJob *job)
{
	Oid			argtypes[12] = {INT4OID, INTERVALOID, INTERVALOID, INT4OID,
		INTERVALOID, BOOLOID, JSONBOID, TEXTOID, TEXTOID, BOOLOID,
	TIMESTAMPTZOID, TEXTOID};
	Datum		values[12];
	char		nulls[12];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(job->id);
	values[1] = IntervalPGetDatum(&job->schedule_interval);
	values[2] = IntervalPGetDatum(&job->max_runtime);
	values[3] = Int32GetDatum(job->max_retries);
	values[4] = IntervalPGetDatum(&job->retry_period);
	values[5] = BoolGetDatum(job->scheduled);
	values[6] = job->config ? JsonbPGetDatum(job->config) : (Datum) 0;
	nulls[6] = job->config ? ' ' : 'n';
	values[7] = job->check_schema ? CStringGetTextDatum(job->check_schema) : (Datum) 0;
	nulls[7] = job->check_schema ? ' ' : 'n';
	values[8] = job->check_name ? CStringGetTextDatum(job->check_name) : (Datum) 0;
	nulls[8] = job->check_name ? ' ' : 'n';
	values[9] = BoolGetDatum(job->fixed_schedule);
	values[10] = TimestampTzGetDatum(job->initial_start);
	nulls[10] = job->has_initial_start ? ' ' : 'n';
	values[11] = job->timezone ? CStringGetTextDatum(job->timezone) : (Datum) 0;
	nulls[11] = job->timezone ? ' ' : 'n';
	CatalogExecute("UPDATE _epiphany_timestore.bgw_job SET"
					  " schedule_interval = $2, max_runtime = $3, max_retries = $4,"
					  " retry_period = $5, scheduled = $6, config = $7,"
					  " check_schema = $8, check_name = $9, fixed_schedule = $10,"
					  " initial_start = $11, timezone = $12"
					  " WHERE id = $1",
					  12, argtypes, values, nulls, NULL);
}

/* The record alter_job returns, as TimescaleDB's. */
static Datum
AlterJobResult(TupleDesc tupdesc, const EpJob *job)
{
	Datum		values[ALTER_JOB_RESULT_COLUMNS];
	bool		nulls[ALTER_JOB_RESULT_COLUMNS] = {0};

	values[0] = Int32GetDatum(job->id);
	values[1] = IntervalPGetDatum(&job->schedule_interval);
	values[2] = IntervalPGetDatum(&job->max_runtime);
	values[3] = Int32GetDatum(job->max_retries);
	values[4] = IntervalPGetDatum(&job->retry_period);
	values[5] = BoolGetDatum(job->scheduled);
	values[6] = job->config ? JsonbPGetDatum(job->config) : (Datum) 0;
	nulls[6] = job->config == NULL;
	values[7] = TimestampTzGetDatum(job->next_start);
	nulls[7] = !job->has_stat;
	values[8] = job->check_name ?
		CStringGetTextDatum(quote_qualified_identifier(job->check_schema, job->check_name)) :
		(Datum) 0;
	nulls[8] = job->check_name == NULL;
	values[9] = BoolGetDatum(job->fixed_schedule);
	values[10] = TimestampTzGetDatum(job->initial_start);
	nulls[10] = !job->has_initial_start;
	values[11] = job->timezone ? CStringGetTextDatum(job->timezone) : (Datum) 0;
	nulls[11] = job->timezone == NULL;
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

/*
 * alter_job(job_id, schedule_interval, max_runtime, max_retries,
 *			 retry_period, scheduled, config, next_start, if_exists,
 *			 check_config, fixed_schedule, initial_start, timezone)
 *
 * Changes the non-NULL arguments and returns the job's settings.  A new
 * initial_start also becomes the next start unless next_start is given.
 */
Datum
ep_alter_job(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	EpJob	   *job;
	bool		if_exists = !PG_ARGISNULL(ALTER_ARG_IF_EXISTS) &&
		PG_GETARG_BOOL(ALTER_ARG_IF_EXISTS);

	PreventCommandIfReadOnly("alter_job()");
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	job = FindJob(fcinfo, if_exists);
	if (job == NULL)
		PG_RETURN_NULL();
	CheckJobPermission(job, "alter");

	ApplyAlterArguments(fcinfo, job);
	if (job->check_name != NULL &&
		(!PG_ARGISNULL(ALTER_ARG_CONFIG) || !PG_ARGISNULL(ALTER_ARG_CHECK_CONFIG)))
		RunConfigCheck(job->check_schema, job->check_name, job->config);
	UpdateJobRow(job);

	if (!PG_ARGISNULL(ALTER_ARG_NEXT_START))
		SetNextStart(job->id, PG_GETARG_TIMESTAMPTZ(ALTER_ARG_NEXT_START));
	else if (!PG_ARGISNULL(ALTER_ARG_INITIAL_START))
		SetNextStart(job->id, job->initial_start);

	job = JobLoad(job->id, false);
	PG_RETURN_DATUM(AlterJobResult(tupdesc, job));
}

/* delete_job(job_id integer) RETURNS void; its statistics go with it. */
Datum
ep_delete_job(PG_FUNCTION_ARGS)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1];
	EpJob	   *job;

	PreventCommandIfReadOnly("delete_job()");
	job = FindJob(fcinfo, false);
	CheckJobPermission(job, "delete");
	values[0] = Int32GetDatum(job->id);
	CatalogExecute("DELETE FROM _epiphany_timestore.bgw_job WHERE id = $1",
					  1, argtypes, values, NULL, NULL);
	PG_RETURN_VOID();
}

/*
 * PROCEDURE run_job(job_id integer): runs the job now, in the calling
 * session and transaction, as its owner; a success is recorded in the
 * job's statistics, an error is raised to the caller.
 */
Datum
ep_run_job(PG_FUNCTION_ARGS)
{
	EpJob	   *job;

	PreventCommandIfReadOnly("run_job()");
	job = FindJob(fcinfo, false);
	CheckJobPermission(job, "run");
	/* a CALL outside a transaction block lets the job's procedure COMMIT */
	JobRunNow(job, fcinfo->context != NULL && IsA(fcinfo->context, CallContext) &&
			  !((CallContext *) fcinfo->context)->atomic);
	PG_RETURN_VOID();
}

/*
 * Called by the install script: once CREATE EXTENSION commits, the launcher
 * starts this database's scheduler without waiting for its next scan.
 */
Datum
ep_timestore_wake_scheduler(PG_FUNCTION_ARGS)
{
	JobSchedulerWakeAtCommit();
	PG_RETURN_VOID();
}

/*
 * Statement trigger on _epiphany_timestore.bgw_job: once the transaction
 * commits, the database's scheduler re-reads its jobs.
 */
Datum
ep_timestore_job_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "ep_timestore_job_changed must be called as a trigger");
	JobSchedulerWakeAtCommit();
	return PointerGetDatum(NULL);
}

/*
 * job_set_hypertable(job_id, relation, application_name) - ties a policy
 * job to the hypertable it works on (timescaledb_information.jobs shows it)
 * and names it.  Needs the rights to alter the job and ownership of the
 * hypertable.
 */
Datum
ep_job_set_hypertable(PG_FUNCTION_ARGS)
{
	EpJob	   *job = FindJob(fcinfo, false);
	Oid			relid;
	Oid			argtypes[3] = {INT4OID, OIDOID, TEXTOID};
	Datum		values[3];

	CheckJobPermission(job, "alter");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation and application_name must not be NULL")));
	relid = PG_GETARG_OID(1);
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
	values[0] = Int32GetDatum(job->id);
	values[1] = ObjectIdGetDatum(HypertableGetChecked(relid)->relid);
	values[2] = PG_GETARG_DATUM(2);
	CatalogExecute("UPDATE _epiphany_timestore.bgw_job SET hypertable_id ="
				   " (SELECT id FROM _epiphany_timestore.hypertable WHERE relid = $2),"
				   " application_name = $3 WHERE id = $1", 3, argtypes, values, NULL, NULL);
	PG_RETURN_VOID();
}
