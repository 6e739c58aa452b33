/*-------------------------------------------------------------------------
 *
 * cagg_policy.c
 *	  Refresh policies of continuous aggregates: add_continuous_aggregate_policy
 *	  makes a job that refreshes the window [now - start_offset,
 *	  now - end_offset) on a schedule (TimescaleDB 2.x signature; the
 *	  offsets are intervals, or integers for integer time, and NULL means
 *	  unbounded).  remove_continuous_aggregate_policy is SQL.
 *
 *	  Invariant: a continuous aggregate has at most one refresh policy; its
 *	  job is tied to the materialization hypertable, so dropping the
 *	  continuous aggregate deletes the job.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/cagg_policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "timestore.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(ep_add_continuous_aggregate_policy);
PG_FUNCTION_INFO_V1(ep_policy_refresh_continuous_aggregate);

#define POLICY_PROC "policy_refresh_continuous_aggregate"

/*
 * The text of an offset argument, as the job's config keeps it: an
 * interval, or an integer for an integer time column; NULL when NULL.
 */
static char *
OffsetSetting(const ContinuousAgg *cagg, FunctionCallInfo fcinfo, int argno,
			  const char *argname)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, argno);
	Datum		value = PG_GETARG_DATUM(argno);

	if (PG_ARGISNULL(argno))
		return NULL;
	if (TimeTypeIsInteger(cagg->time_type))
	{
		if (type == UNKNOWNOID)
			return psprintf(INT64_FORMAT,
							DatumGetInt64(DirectFunctionCall1(int8in, value)));
		if (!TimeTypeIsInteger(type))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid type of %s: %s", argname, format_type_be(type)),
					 errhint("Give an integer for a continuous aggregate with integer buckets.")));
		return psprintf(INT64_FORMAT, TimeToInternal(value, type));
	}
	if (type == UNKNOWNOID)
		value = DirectFunctionCall3(interval_in, value, ObjectIdGetDatum(InvalidOid),
									Int32GetDatum(-1));
	else if (type != INTERVALOID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type of %s: %s", argname, format_type_be(type)),
				 errhint("Give an interval.")));
	return DatumGetCString(DirectFunctionCall1(interval_out, value));
}

/* The job id of the refresh policy of cagg, or 0. */
static int32
PolicyJob(const ContinuousAgg *cagg)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(cagg->mat_hypertable_id)};
	Datum		job = (Datum) 0;

	CatalogExecute("SELECT id FROM _epiphany_timestore.bgw_job WHERE hypertable_id = $1"
				   " AND proc_schema = '_epiphany_timestore' AND proc_name = '" POLICY_PROC "'",
				   1, argtypes, values, NULL, &job);
	return DatumGetInt32(job);
}

/*
 * add_continuous_aggregate_policy(continuous_aggregate, start_offset,
 * end_offset, schedule_interval, if_not_exists, initial_start, timezone)
 * returns the job id; needs ownership of the continuous aggregate.
 */
Datum
ep_add_continuous_aggregate_policy(PG_FUNCTION_ARGS)
{
	ContinuousAgg *cagg;
	char	   *start_offset;
	char	   *end_offset;
	int32		existing;
	Oid			argtypes[7] = {INT4OID, TEXTOID, TEXTOID, INTERVALOID, TIMESTAMPTZOID,
		TEXTOID, REGCLASSOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	bool		isnull;
	int32		job;
	char	   *sql;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("continuous_aggregate and schedule_interval must not be NULL")));
	cagg = ContinuousAggGetOwned(PG_GETARG_OID(0));
	start_offset = OffsetSetting(cagg, fcinfo, 1, "start_offset");
	end_offset = OffsetSetting(cagg, fcinfo, 2, "end_offset");

	existing = PolicyJob(cagg);
	if (existing != 0)
	{
		if (PG_ARGISNULL(4) || !PG_GETARG_BOOL(4))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("continuous aggregate policy already exists for \"%s\"",
							get_rel_name(cagg->user_view))));
		ereport(NOTICE,
				(errmsg("continuous aggregate policy already exists for \"%s\", skipping",
						get_rel_name(cagg->user_view))));
		PG_RETURN_INT32(existing);
	}

	values[0] = Int32GetDatum(cagg->mat_hypertable_id);
	values[1] = start_offset ? CStringGetTextDatum(start_offset) : (Datum) 0;
	nulls[1] = start_offset ? ' ' : 'n';
	values[2] = end_offset ? CStringGetTextDatum(end_offset) : (Datum) 0;
	nulls[2] = end_offset ? ' ' : 'n';
	values[3] = PG_GETARG_DATUM(3);
	values[4] = PG_ARGISNULL(5) ? (Datum) 0 : PG_GETARG_DATUM(5);
	nulls[4] = PG_ARGISNULL(5) ? 'n' : ' ';
	values[5] = PG_ARGISNULL(6) ? (Datum) 0 : PG_GETARG_DATUM(6);
	nulls[5] = PG_ARGISNULL(6) ? 'n' : ' ';
	values[6] = ObjectIdGetDatum(cagg->mat_relid);
	sql = psprintf("WITH job AS (SELECT %s.add_job('_epiphany_timestore." POLICY_PROC "'::regproc,"
				   "  $4, config => jsonb_build_object('mat_hypertable_id', $1,"
				   "  'start_offset', $2, 'end_offset', $3), initial_start => $5,"
				   "  fixed_schedule => $5 IS NOT NULL, timezone => $6) AS id)"
				   " SELECT id, _epiphany_timestore.job_set_hypertable(id, $7,"
				   "  format('Refresh Continuous Aggregate Policy [%%s]', id)) FROM job",
				   quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid))));
	SPI_connect();
	if (SPI_execute_with_args(sql, 7, argtypes, values, nulls, false, 0) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not add the refresh policy");
	job = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	PG_RETURN_INT32(job);
}

/* "now" on the internal line of the source: now(), or its integer_now_func(). */
static int64
PolicyNow(const ContinuousAgg *cagg)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(cagg->source_hypertable_id)};
	Datum		func = (Datum) 0;
	int64		now;
	bool		isnull;

	if (!TimeTypeIsInteger(cagg->time_type))
		return TimeToInternal(TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
							  TIMESTAMPTZOID);
	CatalogExecute("SELECT integer_now_func FROM _epiphany_timestore.hypertable WHERE id = $1",
				   1, argtypes, values, NULL, &func);
	if (!OidIsValid(DatumGetObjectId(func)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("integer_now function not set for the hypertable of continuous aggregate \"%s\"",
						get_rel_name(cagg->user_view)),
				 errhint("Call set_integer_now_func on the hypertable.")));
	SPI_connect();
	if (SPI_execute(psprintf("SELECT %s()::bigint",
							 quote_qualified_identifier(get_namespace_name(get_func_namespace(DatumGetObjectId(func))),
														get_func_name(DatumGetObjectId(func)))),
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not call the integer_now function");
	now = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return now;
}

/* now minus an offset of the config; unbounded when the offset is absent. */
static int64
WindowBound(const ContinuousAgg *cagg, Jsonb *config, const char *key, int64 now,
			int64 unbounded)
{
	Oid			argtypes[2] = {JSONBOID, TEXTOID};
	Datum		values[2] = {JsonbPGetDatum(config), CStringGetTextDatum(key)};
	Datum		offset = (Datum) 0;
	int64		bound;

	SPI_connect();
	if (SPI_execute_with_args(TimeTypeIsInteger(cagg->time_type) ?
							  "SELECT ($1->>$2)::bigint" : "SELECT ($1->>$2)::interval",
							  2, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the refresh policy's config");
	{
		bool		isnull;

		offset = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull)
		{
			SPI_finish();
			return unbounded;
		}
		if (!TimeTypeIsInteger(cagg->time_type))
			offset = PointerGetDatum(SPI_datumTransfer(offset, false, sizeof(Interval)));
	}
	SPI_finish();
	if (TimeTypeIsInteger(cagg->time_type))
		return pg_sub_s64_overflow(now, DatumGetInt64(offset), &bound) ? unbounded : bound;
	return TimeArgToInternal(cagg->time_type, offset, INTERVALOID, key);
}

/* The job of a refresh policy: _epiphany_timestore.policy_refresh_continuous_aggregate. */
Datum
ep_policy_refresh_continuous_aggregate(PG_FUNCTION_ARGS)
{
	Jsonb	   *config = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	Oid			argtypes[1] = {JSONBOID};
	Datum		values[1];
	Datum		mat_id = (Datum) 0;
	ContinuousAgg *cagg = NULL;
	int64		now;

	if (config != NULL)
	{
		values[0] = JsonbPGetDatum(config);
		CatalogExecute("SELECT ($1->>'mat_hypertable_id')::integer", 1, argtypes, values,
					   NULL, &mat_id);
		cagg = ContinuousAggFindByMatHypertable(DatumGetInt32(mat_id));
	}
	if (cagg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("continuous aggregate of refresh policy %d does not exist",
						PG_GETARG_INT32(0))));
	now = PolicyNow(cagg);
	ContinuousAggRefreshCalled(fcinfo, cagg,
							   WindowBound(cagg, config, "start_offset", now, PG_INT64_MIN),
							   WindowBound(cagg, config, "end_offset", now, PG_INT64_MAX),
							   false);
	PG_RETURN_VOID();
}
