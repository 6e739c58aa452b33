/*-------------------------------------------------------------------------
 *
 * cagg_refresh.c
 *	  refresh_continuous_aggregate: brings the materialization of a
 *	  continuous aggregate up to date inside a window (README.md,
 *	  "Continuous aggregates", "Refresh").
 *
 *	  A refresh (1) aligns the window on whole buckets, (2) raises the
 *	  source's invalidation threshold to the window's end, committing at
 *	  once when CALLed outside a transaction block (and then flipping the
 *	  table writers copy late rows into), (3) moves the source's
 *	  invalidation log into the invalidated set of every continuous
 *	  aggregate on it, (4) recomputes, bucket-aligned, the invalidated
 *	  times inside the window by deleting their buckets from the
 *	  materialization and inserting the query's rows for them, then merges
 *	  the late rows of the window (cagg_merge.c; draining the table written
 *	  before the flip by TRUNCATE when it can), and (5)
 *	  removes the window from the invalidated set and moves the watermark
 *	  to the end of the newest materialized bucket.
 *
 *	  Invariants: a bucket is always recomputed whole, from a snapshot
 *	  taken after the threshold was raised (cagg_invalidation.c), so the
 *	  materialization of every bucket inside a refreshed window equals the
 *	  query on the raw rows, as long as no later change was logged.  Steps
 *	  (3)-(5) run in one transaction that locks the catalog rows of every
 *	  continuous aggregate on the source: refreshes of one source run one
 *	  at a time, and a crash leaves the previous materialization and the
 *	  invalidated set as they were.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/cagg_refresh.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "timestore.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(ep_refresh_continuous_aggregate);

/* A range [start, end) of internal times; the int64 limits are unbounded. */
typedef struct RefreshRange
{
	int64		start;
	int64		end;
} RefreshRange;

/* ----------------------------------------------------------------
 *		Buckets
 * ----------------------------------------------------------------
 */

/*
 * BucketStart - the start of the bucket that holds internal time t, by
 * the aggregate's own time_bucket call.  An unbounded t stays unbounded.
 */
static int64
BucketStart(const ContinuousAgg *cagg, int64 t)
{
	Oid			argtypes[1] = {cagg->time_type};
	Datum		values[1];
	int64		start;
	bool		isnull;
	int			nestlevel;
	char	   *sql;

	if (t == PG_INT64_MIN || t == PG_INT64_MAX ||
		!InternalToTime(t, cagg->time_type, &values[0]))
		return t;
	sql = psprintf("SELECT _epiphany_timestore.to_internal_time(%s)", cagg->bucket_function);
	nestlevel = CatalogEnter();
	SPI_connect();
	if (SPI_execute_with_args(sql, 1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not compute a bucket of continuous aggregate %d", cagg->id);
	start = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										&isnull));
	if (isnull)
		elog(ERROR, "the bucket function of continuous aggregate %d returned NULL", cagg->id);
	SPI_finish();
	CatalogLeave(nestlevel);
	pfree(sql);
	return start;
}

/*
 * BucketEnd - the start of the bucket after the one that starts at start.
 * No bucket is shorter than bucket_min_width, so stepping by it from start
 * lands in the same bucket or the next one, never beyond.
 */
static int64
BucketEnd(const ContinuousAgg *cagg, int64 start)
{
	int64		probe = start;

	if (start == PG_INT64_MIN || start == PG_INT64_MAX)
		return start;
	for (;;)
	{
		int64		next;

		CHECK_FOR_INTERRUPTS();
		if (probe > PG_INT64_MAX - cagg->bucket_min_width)
			return PG_INT64_MAX;
		probe += cagg->bucket_min_width;
		next = BucketStart(cagg, probe);
		if (next > start)
			return next;
	}
}

/* The largest internal time in the source, PG_INT64_MIN if it is empty. */
static int64
SourceMaxTime(const ContinuousAgg *cagg)
{
	const Hypertable *ht = HypertableGet(cagg->source_relid);
	int64		max = PG_INT64_MIN;
	bool		isnull;
	Datum		value;
	char	   *sql;

	if (ht == NULL)
		elog(ERROR, "source of continuous aggregate %d is not a hypertable", cagg->id);
	sql = psprintf("SELECT _epiphany_timestore.to_internal_time(max(%s)) FROM %s",
				   quote_identifier(get_attname(ht->relid, ht->time_attno, false)),
				   QualifiedRelationName(ht->relid));
	SPI_connect();
	if (SPI_execute(sql, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the newest time of continuous aggregate %d", cagg->id);
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		max = DatumGetInt64(value);
	SPI_finish();
	return max;
}

/* ----------------------------------------------------------------
 *		Steps
 * ----------------------------------------------------------------
 */

/*
 * Locks the catalog rows of every continuous aggregate on the source, in
 * id order, then moves the source's invalidation log, with what this
 * transaction changed so far, into their invalidated sets.
 */
static void
MoveInvalidationLog(const ContinuousAgg *cagg)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(cagg->source_hypertable_id)};

	CatalogExecute("SELECT 1 FROM _epiphany_timestore.continuous_agg"
				   " WHERE source_hypertable_id = $1 ORDER BY id FOR UPDATE",
				   1, argtypes, values, NULL, NULL);
	InvalidationFlushPending(cagg->source_hypertable_id);
	CatalogExecute("WITH moved AS (DELETE FROM _epiphany_timestore.hypertable_invalidation_log"
				   "  WHERE hypertable_id = $1 RETURNING lowest, greatest),"
				   " merged AS (SELECT range_agg(int8range("
				   "   nullif(lowest, -9223372036854775808), nullif(greatest, 9223372036854775807)))"
				   "   AS times FROM moved)"
				   " UPDATE _epiphany_timestore.continuous_agg c"
				   " SET invalidated = c.invalidated + m.times FROM merged m"
				   " WHERE c.source_hypertable_id = $1 AND m.times IS NOT NULL",
				   1, argtypes, values, NULL, NULL);
}

/* Binds an internal time as a range bound: NULL when unbounded. */
static void
BindRangeBound(int64 t, Datum *value, char *null)
{
	*value = Int64GetDatum(t);
	*null = (t == PG_INT64_MIN || t == PG_INT64_MAX) ? 'n' : ' ';
}

/*
 * The invalidated times of the aggregate inside window, widened to whole
 * buckets and merged, in time order.
 */
static List *
InvalidatedRanges(const ContinuousAgg *cagg, const RefreshRange *window)
{
	Oid			argtypes[3] = {INT4OID, INT8OID, INT8OID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *found = NIL;
	List	   *merged = NIL;
	RefreshRange *last = NULL;
	ListCell   *lc;
	int			nestlevel;
	uint64		i;

	values[0] = Int32GetDatum(cagg->id);
	BindRangeBound(window->start, &values[1], &nulls[1]);
	BindRangeBound(window->end, &values[2], &nulls[2]);
	nestlevel = CatalogEnter();
	SPI_connect();
	if (SPI_execute_with_args("SELECT coalesce(lower(r), -9223372036854775808),"
							  " coalesce(upper(r), 9223372036854775807)"
							  " FROM _epiphany_timestore.continuous_agg c,"
							  " unnest(c.invalidated * int8multirange(int8range($2, $3))) r"
							  " WHERE c.id = $1 ORDER BY 1",
							  3, argtypes, values, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the invalidations of continuous aggregate %d", cagg->id);
	for (i = 0; i < SPI_processed; i++)
	{
		MemoryContext spicxt = MemoryContextSwitchTo(callercxt);
		RefreshRange *range = palloc(sizeof(RefreshRange));
		bool		isnull;

		range->start = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
												   SPI_tuptable->tupdesc, 1, &isnull));
		range->end = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
												 SPI_tuptable->tupdesc, 2, &isnull));
		found = lappend(found, range);
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	CatalogLeave(nestlevel);

	/* window is bucket-aligned, so widened ranges stay inside it */
	foreach(lc, found)
	{
		RefreshRange *range = lfirst(lc);

		range->start = BucketStart(cagg, range->start);
		if (range->end != PG_INT64_MAX)
			range->end = BucketEnd(cagg, BucketStart(cagg, range->end - 1));
		if (last != NULL && range->start <= last->end)
			last->end = Max(last->end, range->end);
		else
		{
			merged = lappend(merged, range);
			last = range;
		}
	}
	return merged;
}

/* Appends " AND column op $n" to sql and binds the bound, unless unbounded. */
static void
AddBound(StringInfo sql, const char *column, Oid type, const char *op, int64 bound,
		 Datum *values, int *nargs)
{
	Datum		value;

	if (bound == PG_INT64_MIN || bound == PG_INT64_MAX || !InternalToTime(bound, type, &value))
		return;
	values[*nargs] = value;
	(*nargs)++;
	appendStringInfo(sql, " AND %s %s $%d", column, op, *nargs);
}

/*
 * The conditions that bound a range on the bucket column and on the
 * source's time column (either "true" when unbounded), and the parameters
 * they use.
 */
typedef struct RangeConditions
{
	StringInfoData bucket;
	StringInfoData time;
	Oid			argtypes[2];
	Datum		values[2];
	int			nargs;
} RangeConditions;

static void
RangeConditionsMake(const ContinuousAgg *cagg, const RefreshRange *range, RangeConditions *cond)
{
	const Hypertable *ht = HypertableGet(cagg->source_relid);
	const char *bucket = quote_identifier(cagg->bucket_column);
	const char *time = ht == NULL ? bucket :
		quote_identifier(get_attname(ht->relid, ht->time_attno, false));

	initStringInfo(&cond->bucket);
	initStringInfo(&cond->time);
	appendStringInfoString(&cond->bucket, "true");
	appendStringInfoString(&cond->time, "true");
	cond->argtypes[0] = cond->argtypes[1] = cagg->time_type;
	cond->nargs = 0;
	AddBound(&cond->bucket, bucket, cagg->time_type, ">=", range->start, cond->values,
			 &cond->nargs);
	AddBound(&cond->bucket, bucket, cagg->time_type, "<", range->end, cond->values,
			 &cond->nargs);
	cond->nargs = 0;
	AddBound(&cond->time, time, cagg->time_type, ">=", range->start, cond->values, &cond->nargs);
	AddBound(&cond->time, time, cagg->time_type, "<", range->end, cond->values, &cond->nargs);
}

/*
 * Runs sql, a statement on a range (cagg_merge.c) with the parameters of
 * its conditions, as the caller, who owns the aggregate.
 */
static void
RunRangeStatement(const ContinuousAgg *cagg, const char *sql, RangeConditions *cond)
{
	SPI_connect();
	if (SPI_execute_with_args(sql, cond->nargs, cond->argtypes, cond->values, NULL, false,
							  0) != SPI_OK_INSERT)
		elog(ERROR, "could not refresh continuous aggregate %d", cagg->id);
	SPI_finish();
}

/*
 * Runs a merge statement (cagg_merge.c) with merge joins disabled: the
 * planner knows nothing of the late-row tables (truncated, or never
 * analyzed), and a merge join sorts both the late groups and the
 * materialized rows on the grouping columns, where a hash join or index
 * probes, which it then chooses between, sort nothing.
 */
static void
RunMergeStatement(const ContinuousAgg *cagg, const char *sql, RangeConditions *cond)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("enable_mergejoin", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	RunRangeStatement(cagg, sql, cond);
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Removes window from the invalidated set and sets the watermark to the
 * end of the newest materialized bucket (NULL when there is none).
 */
static void
FinishRefresh(const ContinuousAgg *cagg, const RefreshRange *window)
{
	Oid			argtypes[4] = {INT4OID, INT8OID, INT8OID, INT8OID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', 'n'};
	bool		isnull;
	Datum		newest;

	SPI_connect();
	if (SPI_execute(psprintf("SELECT _epiphany_timestore.to_internal_time(max(%s)) FROM %s",
							 quote_identifier(cagg->bucket_column),
							 QualifiedRelationName(cagg->mat_relid)),
					false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the newest bucket of continuous aggregate %d", cagg->id);
	newest = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	SPI_finish();
	if (!isnull)
	{
		values[3] = Int64GetDatum(BucketEnd(cagg, DatumGetInt64(newest)));
		nulls[3] = ' ';
	}
	values[0] = Int32GetDatum(cagg->id);
	BindRangeBound(window->start, &values[1], &nulls[1]);
	BindRangeBound(window->end, &values[2], &nulls[2]);
	CatalogExecute("UPDATE _epiphany_timestore.continuous_agg"
				   " SET invalidated = invalidated - int8multirange(int8range($2, $3)),"
				   " watermark = $4 WHERE id = $1",
				   4, argtypes, values, nulls, NULL);
	/* plans of the view read the watermark as a constant (time_bounds.c) */
	CacheInvalidateRelcacheByRelid(cagg->mat_relid);
}

/*
 * ContinuousAggRefresh - refreshes the buckets of cagg that lie entirely
 * in [window_start, window_end) (internal times, the int64 limits meaning
 * unbounded): the invalidated ones, or all with force.  With nonatomic
 * (SPI connected so by the caller), commits once the threshold is raised.
 */
void
ContinuousAggRefresh(const ContinuousAgg *cagg, int64 window_start, int64 window_end,
					 bool force, bool nonatomic)
{
	RefreshRange window;
	RangeConditions cond;
	List	   *ranges;
	ListCell   *lc;
	Oid			drained = InvalidOid;
	Oid			active = InvalidOid;
	int64		start_bucket = BucketStart(cagg, window_start);

	window.start = start_bucket == window_start ? window_start : BucketEnd(cagg, start_bucket);
	if (window_end != PG_INT64_MAX)
		window.end = BucketStart(cagg, window_end);
	else
	{
		/* up to the newest row's bucket, and past every logged change */
		int64		newest = SourceMaxTime(cagg);

		window.end = InvalidationThresholdGet(cagg->source_hypertable_id);
		if (newest != PG_INT64_MIN)
			window.end = Max(window.end, BucketEnd(cagg, BucketStart(cagg, newest)));
	}
	if (window.start >= window.end)
	{
		ereport(NOTICE,
				(errmsg("continuous aggregate \"%s\" is already up-to-date",
						get_rel_name(cagg->user_view)),
				 errdetail("The refresh window holds no whole bucket.")));
		return;
	}

	InvalidationThresholdRaise(cagg->source_hypertable_id, window.end);
	/* from the commit on, writers copy late rows into the other table */
	if (nonatomic && OidIsValid(cagg->late_rows))
		LateRowsFlip(cagg);
	/* writers read the new threshold and table to copy late rows (cagg_merge.c) */
	CacheInvalidateRelcacheByRelid(cagg->source_relid);
	if (nonatomic)
		SPI_commit();

	MoveInvalidationLog(cagg);
	if (OidIsValid(cagg->late_rows))
		drained = LateRowsDrainable(cagg, nonatomic, &active);
	if (force)
		ranges = list_make1(&window);
	else
		ranges = InvalidatedRanges(cagg, &window);
	foreach(lc, ranges)
	{
		CHECK_FOR_INTERRUPTS();
		RangeConditionsMake(cagg, lfirst(lc), &cond);
		RunRangeStatement(cagg, CaggRecomputeStatement(cagg, cond.bucket.data, cond.time.data),
						  &cond);
	}
	if (OidIsValid(cagg->late_rows))
	{
		RangeConditionsMake(cagg, &window, &cond);
		RunMergeStatement(cagg, CaggMergeStatement(cagg, cond.bucket.data, cond.time.data,
												   drained, active), &cond);
		if (OidIsValid(drained))
			LateRowsTruncate(drained);
	}
	FinishRefresh(cagg, &window);
}

/* The internal time of a window argument; NULL is unbounded (bound). */
static int64
WindowArg(FunctionCallInfo fcinfo, int argno, const ContinuousAgg *cagg, int64 unbounded,
		  const char *argname)
{
	if (PG_ARGISNULL(argno))
		return unbounded;
	return TimeArgToInternal(cagg->time_type, PG_GETARG_DATUM(argno),
							 get_fn_expr_argtype(fcinfo->flinfo, argno), argname);
}

/*
 * CALL refresh_continuous_aggregate(continuous_aggregate, window_start,
 * window_end, force): needs ownership of the continuous aggregate.
 */
Datum
ep_refresh_continuous_aggregate(PG_FUNCTION_ARGS)
{
	ContinuousAgg *cagg;
	int64		start;
	int64		end;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("continuous_aggregate must not be NULL")));
	cagg = ContinuousAggGetOwned(PG_GETARG_OID(0));
	start = WindowArg(fcinfo, 1, cagg, PG_INT64_MIN, "window_start");
	end = WindowArg(fcinfo, 2, cagg, PG_INT64_MAX, "window_end");
	if (start >= end)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid refresh window"),
				 errhint("The start of the window must be before its end.")));
	ContinuousAggRefreshCalled(fcinfo, cagg, start, end, !PG_ARGISNULL(3) && PG_GETARG_BOOL(3));
	PG_RETURN_VOID();
}

/*
 * ContinuousAggRefreshCalled - ContinuousAggRefresh from a procedure: it
 * commits once the threshold is raised when the procedure was called
 * non-atomically (CALL outside a transaction block, or a scheduled job).
 */
void
ContinuousAggRefreshCalled(FunctionCallInfo fcinfo, const ContinuousAgg *cagg, int64 start,
						   int64 end, bool force)
{
	bool		nonatomic = fcinfo->context != NULL && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;

	if (nonatomic)
		SPI_connect_ext(SPI_OPT_NONATOMIC);
	ContinuousAggRefresh(cagg, start, end, force, nonatomic);
	if (nonatomic)
		SPI_finish();
}
