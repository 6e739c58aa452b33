/*-------------------------------------------------------------------------
 *
 * hypertable.c
 *	  What the time store knows about a hypertable: its catalog row, cached
 *	  per backend, and the conversions between a time column's values and
 *	  "internal times" (the bigint line chunk ranges are drawn on).  Also
 *	  the SQL functions that write the hypertable catalog.
 *
 *	  Invariants: HypertableGet answers from the catalog as of the last
 *	  processed invalidation; every change of _epiphany_timestore.hypertable
 *	  invalidates the relcache entry of the table it names (the row trigger
 *	  ep_hypertable_changed), which drops our cache entry, so a plan or an
 *	  INSERT never routes with a stale description.  Internal times are
 *	  exact: two values compare as their internal times do.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/hypertable.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "timestore.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(ep_hypertable_changed);
PG_FUNCTION_INFO_V1(ep_hypertable_insert_blocker);
PG_FUNCTION_INFO_V1(ep_hypertable_register);
PG_FUNCTION_INFO_V1(ep_set_chunk_time_interval);
PG_FUNCTION_INFO_V1(ep_set_integer_now_func);
PG_FUNCTION_INFO_V1(ep_chunk_interval_internal);
PG_FUNCTION_INFO_V1(ep_to_internal_time);
PG_FUNCTION_INFO_V1(ep_internal_time_to_text);
PG_FUNCTION_INFO_V1(ep_internal_time_to_timestamptz);

/* Default chunk intervals: 7 days for time types, as TimescaleDB. */
#define DEFAULT_CHUNK_INTERVAL_USECS	(7 * USECS_PER_DAY)
#define DEFAULT_CHUNK_INTERVAL_INTEGER	INT64CONST(1000000)
#define DEFAULT_CHUNK_INTERVAL_SMALLINT	INT64CONST(1000)

/* One cached answer: relid is a hypertable (valid) or is not. */
typedef struct HypertableCacheEntry
{
	Oid			relid;			/* hash key */
	bool		is_hypertable;
	Hypertable	hypertable;
} HypertableCacheEntry;

static HTAB *HypertableCache = NULL;

/* epiphany.timeseries_retention_policy: "" or an interval. */
static char *DefaultRetentionPolicy = NULL;

/* ----------------------------------------------------------------
 *		Internal times
 * ----------------------------------------------------------------
 */

/* Whether type is one a hypertable can be partitioned on. */
bool
TimeTypeIsSupported(Oid type)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return true;
		default:
			return false;
	}
}

/* Whether type is an integer type (its chunk interval is a plain number). */
bool
TimeTypeIsInteger(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID;
}

/*
 * TimeToInternal - the internal time of value, a non-NULL value of type
 * (a supported time type).  Infinite dates and timestamps have none: they
 * are refused, since no chunk range could be written for them.
 */
int64
TimeToInternal(Datum value, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
			return DatumGetInt32(value);
		case INT8OID:
			return DatumGetInt64(value);
		case DATEOID:
			if (DATE_NOT_FINITE(DatumGetDateADT(value)))
				ereport(ERROR,
						(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						 errmsg("an infinite date cannot be stored in a hypertable"),
						 errhint("Store a finite date in the time column.")));
			return DatumGetDateADT(value);
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			if (TIMESTAMP_NOT_FINITE(DatumGetTimestamp(value)))
				ereport(ERROR,
						(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						 errmsg("an infinite timestamp cannot be stored in a hypertable"),
						 errhint("Store a finite timestamp in the time column.")));
			return DatumGetTimestamp(value);
		default:
			elog(ERROR, "unsupported time type %u", type);
	}
	pg_unreachable();
}

/*
 * TimeToInternalOrClamp - like TimeToInternal, but an infinite date or
 * timestamp is the end of the internal line: for bounds, not for rows.
 */
int64
TimeToInternalOrClamp(Datum value, Oid type)
{
	if (type == DATEOID && DATE_NOT_FINITE(DatumGetDateADT(value)))
		return DATE_IS_NOBEGIN(DatumGetDateADT(value)) ? PG_INT64_MIN : PG_INT64_MAX;
	if ((type == TIMESTAMPOID || type == TIMESTAMPTZOID) &&
		TIMESTAMP_NOT_FINITE(DatumGetTimestamp(value)))
		return TIMESTAMP_IS_NOBEGIN(DatumGetTimestamp(value)) ? PG_INT64_MIN : PG_INT64_MAX;
	return TimeToInternal(value, type);
}

/*
 * InternalToTime - the value of type whose internal time is internal, if
 * the type can hold it as a finite value; false otherwise.
 */
bool
InternalToTime(int64 internal, Oid type, Datum *value)
{
	switch (type)
	{
		case INT2OID:
			if (internal < PG_INT16_MIN || internal > PG_INT16_MAX)
				return false;
			*value = Int16GetDatum((int16) internal);
			return true;
		case INT4OID:
			if (internal < PG_INT32_MIN || internal > PG_INT32_MAX)
				return false;
			*value = Int32GetDatum((int32) internal);
			return true;
		case INT8OID:
			*value = Int64GetDatum(internal);
			return true;
		case DATEOID:
			if (internal < PG_INT32_MIN || internal > PG_INT32_MAX ||
				!IS_VALID_DATE((DateADT) internal))
				return false;
			*value = DateADTGetDatum((DateADT) internal);
			return true;
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			if (!IS_VALID_TIMESTAMP(internal))
				return false;
			*value = TimestampGetDatum(internal);
			return true;
		default:
			elog(ERROR, "unsupported time type %u", type);
	}
	pg_unreachable();
}

/* The schema-qualified, quoted name of a relation, for SQL text. */
char *
QualifiedRelationName(Oid relid)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

/*
 * TimeOrigin - the internal time chunk ranges are aligned on: the Unix
 * epoch for dates and timestamps (so that chunks start where TimescaleDB's
 * do, 7-day chunks on Thursdays), zero for integers.
 */
int64
TimeOrigin(Oid type)
{
	if (type == DATEOID)
		return UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE;
	if (type == TIMESTAMPOID || type == TIMESTAMPTZOID)
		return (int64) (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY;
	return 0;
}

/*
 * The internal time of a value of a time column, for SQL: the catalog's
 * ranges compared with user input.
 */
Datum
ep_to_internal_time(PG_FUNCTION_ARGS)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 0);

	if (!TimeTypeIsSupported(type))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s is not a time type", format_type_be(type))));
	PG_RETURN_INT64(TimeToInternal(PG_GETARG_DATUM(0), type));
}

/* An internal time as text of the type, or NULL outside its range. */
Datum
ep_internal_time_to_text(PG_FUNCTION_ARGS)
{
	Oid			type = PG_GETARG_OID(1);
	Datum		value;
	Oid			output;
	bool		varlena;

	if (!TimeTypeIsSupported(type) ||
		!InternalToTime(PG_GETARG_INT64(0), type, &value))
		PG_RETURN_NULL();
	getTypeOutputInfo(type, &output, &varlena);
	PG_RETURN_TEXT_P(cstring_to_text(OidOutputFunctionCall(output, value)));
}

/*
 * An internal time of a date or timestamp column as timestamptz (dates and
 * timestamps read as UTC midnight / UTC wall-clock, as the information views
 * of TimescaleDB show them); NULL for integer types and out of range.
 */
Datum
ep_internal_time_to_timestamptz(PG_FUNCTION_ARGS)
{
	int64		internal = PG_GETARG_INT64(0);
	Oid			type = PG_GETARG_OID(1);
	Datum		value;

	if (TimeTypeIsInteger(type) || !TimeTypeIsSupported(type) ||
		!InternalToTime(internal, type, &value))
		PG_RETURN_NULL();
	if (type == DATEOID)
	{
		int128		usecs = (int128) DatumGetDateADT(value) * USECS_PER_DAY;

		if (usecs < MIN_TIMESTAMP || usecs >= END_TIMESTAMP)
			PG_RETURN_NULL();
		PG_RETURN_TIMESTAMPTZ((TimestampTz) usecs);
	}
	PG_RETURN_TIMESTAMPTZ(DatumGetTimestamp(value));
}

/*
 * ChunkIntervalInternal - the chunk interval in internal units of a column
 * of time_type, given as a value of value_type (an interval, or an integer:
 * microseconds for time types, as TimescaleDB), or the default when isnull.
 * Months count as 30 days, as TimescaleDB does.
 */
int64
ChunkIntervalInternal(Oid time_type, Datum value, Oid value_type, bool isnull)
{
	int64		result;
	int64		limit = PG_INT64_MAX;

	if (isnull)
	{
		if (time_type == DATEOID)
			return DEFAULT_CHUNK_INTERVAL_USECS / USECS_PER_DAY;
		if (time_type == INT2OID)
			return DEFAULT_CHUNK_INTERVAL_SMALLINT;
		if (TimeTypeIsInteger(time_type))
			return DEFAULT_CHUNK_INTERVAL_INTEGER;
		return DEFAULT_CHUNK_INTERVAL_USECS;
	}

	if (value_type == INTERVALOID)
	{
		Interval   *interval = DatumGetIntervalP(value);
		int128		usecs;

		if (TimeTypeIsInteger(time_type))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid interval type for %s dimension",
							format_type_be(time_type)),
					 errhint("Use an integer interval for a column of an integer type.")));
		usecs = (int128) interval->time +
			((int128) interval->month * DAYS_PER_MONTH + interval->day) * USECS_PER_DAY;
		if (usecs > PG_INT64_MAX || usecs < PG_INT64_MIN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("chunk interval is out of range")));
		result = (int64) usecs;
	}
	else if (value_type == INT2OID)
		result = DatumGetInt16(value);
	else if (value_type == INT4OID)
		result = DatumGetInt32(value);
	else if (value_type == INT8OID)
		result = DatumGetInt64(value);
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid interval type %s for %s dimension",
						format_type_be(value_type), format_type_be(time_type)),
				 errhint("Use an interval, or an integer number of %s.",
						 TimeTypeIsInteger(time_type) ? "units" : "microseconds")));

	if (result <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid chunk interval: must be greater than zero")));
	if (time_type == INT2OID)
		limit = PG_INT16_MAX;
	else if (time_type == INT4OID)
		limit = PG_INT32_MAX;
	if (result > limit)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid chunk interval: must not exceed %lld for a %s column",
						(long long) limit, format_type_be(time_type))));
	if (time_type == DATEOID)
	{
		if (result % USECS_PER_DAY != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid chunk interval for a date column: must be whole days")));
		result /= USECS_PER_DAY;
	}
	return result;
}

Datum
ep_chunk_interval_internal(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("time column does not exist")));
	PG_RETURN_INT64(ChunkIntervalInternal(PG_GETARG_OID(0), PG_GETARG_DATUM(1),
										  get_fn_expr_argtype(fcinfo->flinfo, 1),
										  PG_ARGISNULL(1)));
}

/* ----------------------------------------------------------------
 *		The catalog cache
 * ----------------------------------------------------------------
 */

/* A relcache invalidation of relid removes its entry; of every relation, all. */
static void
RelidCacheInvalidate(Datum arg, Oid relid)
{
	HTAB	   *cache = (HTAB *) DatumGetPointer(arg);
	HASH_SEQ_STATUS status;
	Oid		   *entry;

	if (OidIsValid(relid))
	{
		hash_search(cache, &relid, HASH_REMOVE, NULL);
		return;
	}
	hash_seq_init(&status, cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		hash_search(cache, entry, HASH_REMOVE, NULL);
}

/*
 * RelidCacheCreate - a backend-lifetime hash of entries of entrysize bytes
 * keyed by a relation's OID (their first field), whose entry goes when the
 * relation's relcache entry is invalidated.
 */
HTAB *
RelidCacheCreate(const char *name, Size entrysize)
{
	HASHCTL		ctl;
	HTAB	   *cache;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = entrysize;
	ctl.hcxt = TopMemoryContext;
	cache = hash_create(name, 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	CacheRegisterRelcacheCallback(RelidCacheInvalidate, PointerGetDatum(cache));
	return cache;
}

/* Whether text reads as an interval, without raising an error. */
static bool
IntervalTextIsValid(const char *text)
{
	char		workbuf[256];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nfields;
	int			dtype;
	struct pg_itm_in itm;
	char	   *copy = pstrdup(text);

	if (ParseDateTime(text, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nfields) == 0 &&
		DecodeInterval(field, ftype, nfields, INTERVAL_FULL_RANGE, &dtype, &itm) == 0)
		return dtype == DTK_DELTA;
	return DecodeISO8601Interval(copy, &dtype, &itm) == 0 && dtype == DTK_DELTA;
}

/* epiphany.timeseries_retention_policy is empty, "none" or an interval. */
static bool
CheckRetentionPolicy(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || **newval == '\0' || pg_strcasecmp(*newval, "none") == 0 ||
		IntervalTextIsValid(*newval))
		return true;
	GUC_check_errdetail("\"%s\" is not an interval.", *newval);
	GUC_check_errhint("Use an interval such as '90 days', or 'none'.");
	return false;
}

/*
 * Defines epiphany.timeseries_retention_policy, read by the default
 * retention job (README.md, "Retention").
 */
void
HypertableDefineSettings(void)
{
	DefineCustomStringVariable("epiphany.timeseries_retention_policy",
							   "Drops chunks older than this from hypertables without a retention policy of their own.",
							   "An interval such as '90 days'; empty or 'none' keeps every chunk.",
							   &DefaultRetentionPolicy, "",
							   PGC_SUSET, 0, CheckRetentionPolicy, NULL, NULL);
}

/* Called by _PG_init. */
void
HypertableCacheInit(void)
{
	HypertableCache = RelidCacheCreate("epiphany_timestore hypertables",
									   sizeof(HypertableCacheEntry));
}

/* Fills the hash dimension of ht from its catalog columns (column NULL: none). */
static void
HashDimensionLoad(Hypertable *ht, Datum column, bool isnull, Datum partitions)
{
	int32		typmod;

	ht->hash_partitions = 0;
	ht->hash_attno = InvalidAttrNumber;
	ht->hash_finfo = NULL;
	if (isnull)
		return;
	ht->hash_attno = get_attnum(ht->relid, NameStr(*DatumGetName(column)));
	if (ht->hash_attno == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("hash column \"%s\" of hypertable \"%s\" is missing",
						NameStr(*DatumGetName(column)), get_rel_name(ht->relid))));
	ht->hash_partitions = DatumGetInt16(partitions);
	get_atttypetypmodcoll(ht->relid, ht->hash_attno, &ht->hash_type, &typmod,
						  &ht->hash_collation);
	ht->hash_finfo = PartitionHashFunction(ht->hash_type);
	if (ht->hash_finfo == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("hash column \"%s\" of hypertable \"%s\" has no hash function",
						NameStr(*DatumGetName(column)), get_rel_name(ht->relid))));
}

/*
 * Reads relid's catalog row into *ht; false when relid is no hypertable.
 * With the latest snapshot, as system catalogs are read: planning runs
 * under the caller's snapshot, which may predate a create_hypertable
 * earlier in the same function.
 */
static bool
HypertableLoad(Oid relid, Hypertable *ht)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	bool		found = false;
	int			nestlevel;

	nestlevel = CatalogEnter();
	SPI_connect();
	CatalogReadLatest("SELECT id, time_column, time_type, chunk_interval,"
					  " hash_column, hash_partitions"
					  " FROM _epiphany_timestore.hypertable WHERE relid = $1",
					  1, argtypes, values, NULL);
	if (SPI_processed > 0)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *column;

		ht->relid = relid;
		ht->id = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
		column = NameStr(*DatumGetName(SPI_getbinval(tuple, desc, 2, &isnull)));
		ht->time_type = DatumGetObjectId(SPI_getbinval(tuple, desc, 3, &isnull));
		ht->chunk_interval = DatumGetInt64(SPI_getbinval(tuple, desc, 4, &isnull));
		ht->time_attno = get_attnum(relid, column);
		if (ht->time_attno == InvalidAttrNumber ||
			get_atttype(relid, ht->time_attno) != ht->time_type)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("time column \"%s\" of hypertable \"%s\" is missing or changed type",
							column, get_rel_name(relid))));
		ht->origin = TimeOrigin(ht->time_type);
		HashDimensionLoad(ht, SPI_getbinval(tuple, desc, 5, &isnull), isnull,
						  SPI_getbinval(tuple, desc, 6, &isnull));
		found = true;
	}
	SPI_finish();
	CatalogLeave(nestlevel);
	return found;
}

/* Whether this database has the hypertable catalog (the extension). */
static bool
HypertableCatalogExists(void)
{
	Oid			namespace = get_namespace_oid("_epiphany_timestore", true);

	return OidIsValid(namespace) &&
		OidIsValid(get_relname_relid("hypertable", namespace));
}

/*
 * HypertableGet - the description of hypertable relid, or NULL when relid
 * is not one (or the extension is not installed in this database).  The
 * result points into the cache: copy what must outlive the next
 * invalidation.
 */
const Hypertable *
HypertableGet(Oid relid)
{
	HypertableCacheEntry *entry;
	bool		found;
	Hypertable	ht;
	bool		is_hypertable;

	if (HypertableCache == NULL || !OidIsValid(relid))
		return NULL;
	entry = hash_search(HypertableCache, &relid, HASH_FIND, NULL);
	if (entry != NULL)
		return entry->is_hypertable ? &entry->hypertable : NULL;

	/* Only a database with the extension (and its catalog) has hypertables. */
	is_hypertable = HypertableCatalogExists() &&
		get_rel_relkind(relid) == RELKIND_RELATION &&
		HypertableLoad(relid, &ht);

	/* The load may have processed invalidations: enter the answer now. */
	entry = hash_search(HypertableCache, &relid, HASH_ENTER, &found);
	entry->is_hypertable = is_hypertable;
	if (is_hypertable)
		entry->hypertable = ht;
	return is_hypertable ? &entry->hypertable : NULL;
}

/* The row trigger on the hypertable catalog: invalidate the named tables. */
Datum
ep_hypertable_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuples[2];
	int			i;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "ep_hypertable_changed: not called by the trigger manager");
	tuples[0] = trigdata->tg_trigtuple;
	tuples[1] = trigdata->tg_newtuple;
	for (i = 0; i < 2; i++)
	{
		bool		isnull;
		Datum		relid;

		if (tuples[i] == NULL)
			continue;
		relid = heap_getattr(tuples[i], 2, RelationGetDescr(trigdata->tg_relation), &isnull);
		/* A dropped table's own invalidation has already been sent. */
		if (!isnull &&
			SearchSysCacheExists1(RELOID, ObjectIdGetDatum(DatumGetObjectId(relid))))
			CacheInvalidateRelcacheByRelid(DatumGetObjectId(relid));
	}
	return PointerGetDatum(NULL);
}

/*
 * The trigger on every hypertable: rows reach its chunks through the INSERT
 * and COPY paths, never the parent itself.
 */
Datum
ep_hypertable_insert_blocker(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "ep_hypertable_insert_blocker: not called by the trigger manager");
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("rows cannot be stored in hypertable \"%s\" this way",
					RelationGetRelationName(trigdata->tg_relation)),
			 errdetail("Only INSERT and COPY route rows into a hypertable's chunks; MERGE and logical replication do not."),
			 errhint("Use INSERT (with ON CONFLICT if needed) or COPY.")));
	pg_unreachable();
}

/* Errors out unless the current user owns relid. */
static void
RequireOwner(Oid relid)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
}

/*
 * hypertable_register(relation, time_column, chunk_interval) - writes the
 * catalog row of a new hypertable; create_hypertable has validated the rest.
 */
Datum
ep_hypertable_register(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Name		column = PG_GETARG_NAME(1);
	AttrNumber	attno;
	Oid			argtypes[4] = {OIDOID, NAMEOID, OIDOID, INT8OID};
	Datum		values[4];
	Datum		id;

	RequireOwner(relid);
	attno = get_attnum(relid, NameStr(*column));
	if (attno == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" does not exist", NameStr(*column))));
	values[0] = ObjectIdGetDatum(relid);
	values[1] = NameGetDatum(column);
	values[2] = ObjectIdGetDatum(get_atttype(relid, attno));
	values[3] = PG_GETARG_DATUM(2);
	CatalogExecute("INSERT INTO _epiphany_timestore.hypertable"
				   " (relid, time_column, time_type, chunk_interval)"
				   " VALUES ($1, $2, $3, $4) RETURNING id",
				   4, argtypes, values, NULL, &id);
	/* Process the row trigger's invalidation: the next plan must route. */
	CommandCounterIncrement();
	PG_RETURN_INT32(DatumGetInt32(id));
}

/*
 * HypertableGetChecked - like HypertableGet, but errors out when relid is
 * not a hypertable; for the SQL functions that take one.
 */
const Hypertable *
HypertableGetChecked(Oid relid)
{
	const Hypertable *ht = HypertableGet(relid);

	if (ht == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table \"%s\" is not a hypertable", get_rel_name(relid))));
	return ht;
}

/*
 * set_chunk_time_interval(hypertable, chunk_time_interval, dimension_name)
 * - chunks created from now on cover the new interval; existing chunks keep
 * their ranges.
 */
Datum
ep_set_chunk_time_interval(PG_FUNCTION_ARGS)
{
	Oid			relid;
	const Hypertable *ht;
	int64		interval;
	Oid			argtypes[2] = {INT4OID, INT8OID};
	Datum		values[2];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hypertable must not be NULL")));
	relid = PG_GETARG_OID(0);
	ht = HypertableGetChecked(relid);
	RequireOwner(relid);
	if (!PG_ARGISNULL(2) &&
		get_attnum(relid, NameStr(*PG_GETARG_NAME(2))) != ht->time_attno)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("hypertable \"%s\" has no time dimension \"%s\"",
						get_rel_name(relid), NameStr(*PG_GETARG_NAME(2)))));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("chunk_time_interval must not be NULL")));
	interval = ChunkIntervalInternal(ht->time_type, PG_GETARG_DATUM(1),
									 get_fn_expr_argtype(fcinfo->flinfo, 1), false);
	values[0] = Int32GetDatum(ht->id);
	values[1] = Int64GetDatum(interval);
	CatalogExecute("UPDATE _epiphany_timestore.hypertable SET chunk_interval = $2"
				   " WHERE id = $1", 2, argtypes, values, NULL, NULL);
	CommandCounterIncrement();
	PG_RETURN_VOID();
}

/*
 * set_integer_now_func(hypertable, integer_now_func, replace_if_exists) -
 * the "now" of an integer time column: a STABLE or IMMUTABLE function
 * without arguments that returns the column's type.
 */
Datum
ep_set_integer_now_func(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			func;
	const Hypertable *ht;
	HeapTuple	tuple;
	Form_pg_proc proc;
	bool		valid;
	Oid			argtypes[2] = {INT4OID, OIDOID};
	Datum		values[2];
	Datum		current = (Datum) 0;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hypertable and integer_now_func must not be NULL")));
	relid = PG_GETARG_OID(0);
	func = PG_GETARG_OID(1);
	ht = HypertableGetChecked(relid);
	RequireOwner(relid);
	if (!TimeTypeIsInteger(ht->time_type))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("integer_now_func is only for hypertables with an integer time column")));
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(func));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for function %u", func);
	proc = (Form_pg_proc) GETSTRUCT(tuple);
	valid = proc->pronargs == 0 && proc->prorettype == ht->time_type &&
		proc->provolatile != PROVOLATILE_VOLATILE && proc->prokind == PROKIND_FUNCTION;
	ReleaseSysCache(tuple);
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid integer_now function"),
				 errhint("It must take no arguments, return %s and be STABLE or IMMUTABLE.",
						 format_type_be(ht->time_type))));
	values[0] = Int32GetDatum(ht->id);
	values[1] = ObjectIdGetDatum(func);
	CatalogExecute("SELECT integer_now_func::oid FROM _epiphany_timestore.hypertable WHERE id = $1",
				   1, argtypes, values, NULL, &current);
	if (OidIsValid(DatumGetObjectId(current)) && !(PG_NARGS() > 2 && !PG_ARGISNULL(2) &&
												   PG_GETARG_BOOL(2)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("integer_now function already set for hypertable \"%s\"",
						get_rel_name(relid)),
				 errhint("Pass replace_if_exists => true to replace it.")));
	CatalogExecute("UPDATE _epiphany_timestore.hypertable SET integer_now_func = $2 WHERE id = $1",
				   2, argtypes, values, NULL, NULL);
	CommandCounterIncrement();
	PG_RETURN_VOID();
}
