/*-------------------------------------------------------------------------
 *
 * chunk.c
 *	  Chunks: the tables that hold a hypertable's rows, one per range of
 *	  internal times.  Finding the chunk of a value, creating it on demand
 *	  (table, indexes, row triggers, catalog row), the per-backend cache of
 *	  chunk ranges that run-time exclusion reads, and the SQL functions
 *	  show_chunks and drop_chunks.
 *
 *	  Invariants: the ranges of a hypertable's chunks of one hash slice
 *	  never overlap (a hypertable without a hash dimension has one slice,
 *	  0); a chunk holds exactly the rows of its range and slice, enforced by
 *	  its CHECK constraint; a new chunk covers the aligned interval of the
 *	  value that needed it, cut back where older chunks of its slice (of
 *	  another interval) already are.
 *	  Creators serialise on the hypertable's ShareUpdateExclusiveLock, held
 *	  until their transaction ends, and look again once they hold it, so
 *	  concurrent inserts into a new range create one chunk.  Lookups read
 *	  the catalog with the latest snapshot, like system catalogs, so a
 *	  REPEATABLE READ transaction also finds chunks committed after its
 *	  snapshot was taken.  A chunk found is locked, then checked to still
 *	  exist, so a concurrent drop_chunks never loses a row: the insert then
 *	  creates the chunk anew.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/chunk.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/attmap.h"
#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "parser/parse_utilcmd.h"
#include "storage/lmgr.h"
#include "timestore.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(ep_show_chunks);
PG_FUNCTION_INFO_V1(ep_drop_chunks);

/* Whether internal time value lies in [start, end); end PG_INT64_MAX is open. */
static inline bool
RangeContains(int64 start, int64 end, int64 value)
{
	return start <= value && (value < end || end == PG_INT64_MAX);
}

/*
 * ChunkRangeAligned - the interval of ht that holds value: the multiple of
 * the chunk interval counted from the type's origin, clamped to the bigint
 * line (whose ends then mean "unbounded").
 */
static void
ChunkRangeAligned(const Hypertable *ht, int64 value, int64 *start, int64 *end)
{
	int128		offset = (int128) value - ht->origin;
	int128		index = offset / ht->chunk_interval;
	int128		first;
	int128		last;

	if (offset % ht->chunk_interval < 0)
		index--;
	first = index * ht->chunk_interval + ht->origin;
	last = first + ht->chunk_interval;
	*start = first < PG_INT64_MIN ? PG_INT64_MIN : (int64) first;
	*end = last > PG_INT64_MAX ? PG_INT64_MAX : (int64) last;
}

/*
 * The columns ChunkRefFromRow reads, for the catalog queries below.
 */
#define CHUNK_REF_COLUMNS "id, relid, range_start, range_end, hash_slice"

/* Reads a ChunkRef from row of the last SPI result (CHUNK_REF_COLUMNS). */
static void
ChunkRefFromRow(int row, ChunkRef *chunk)
{
	HeapTuple	tuple = SPI_tuptable->vals[row];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;

	chunk->id = DatumGetInt32(SPI_getbinval(tuple, desc, 1, &isnull));
	chunk->relid = DatumGetObjectId(SPI_getbinval(tuple, desc, 2, &isnull));
	chunk->range_start = DatumGetInt64(SPI_getbinval(tuple, desc, 3, &isnull));
	chunk->range_end = DatumGetInt64(SPI_getbinval(tuple, desc, 4, &isnull));
	chunk->slice = DatumGetInt16(SPI_getbinval(tuple, desc, 5, &isnull));
}

/* ChunkLookup - the chunk of ht holding value in slice, if the catalog has one. */
static bool
ChunkLookup(const Hypertable *ht, int16 slice, int64 value, ChunkRef *chunk)
{
	Oid			argtypes[3] = {INT4OID, INT8OID, INT2OID};
	Datum		values[3] = {Int32GetDatum(ht->id), Int64GetDatum(value), Int16GetDatum(slice)};
	bool		found = false;
	int			nestlevel = CatalogEnter();

	SPI_connect();
	CatalogReadLatest("SELECT " CHUNK_REF_COLUMNS " FROM _epiphany_timestore.chunk"
					 " WHERE hypertable_id = $1 AND hash_slice = $3 AND range_start <= $2"
					 " ORDER BY range_start DESC LIMIT 1", 3, argtypes, values, NULL);
	if (SPI_processed > 0)
	{
		ChunkRefFromRow(0, chunk);
		found = RangeContains(chunk->range_start, chunk->range_end, value);
	}
	SPI_finish();
	CatalogLeave(nestlevel);
	return found;
}

/*
 * ChunkRangeForNew - the range of a new chunk of slice for value: the
 * aligned interval, cut back to end where a later chunk of the slice
 * starts and to start where an earlier one ends (chunks made under another
 * interval).
 */
static void
ChunkRangeForNew(const Hypertable *ht, int16 slice, int64 value, int64 *start, int64 *end)
{
	Oid			argtypes[4] = {INT4OID, INT8OID, INT8OID, INT2OID};
	Datum		values[4];
	int			nestlevel;
	uint64		i;

	ChunkRangeAligned(ht, value, start, end);
	values[0] = Int32GetDatum(ht->id);
	values[1] = Int64GetDatum(*start);
	values[2] = Int64GetDatum(*end);
	values[3] = Int16GetDatum(slice);
	nestlevel = CatalogEnter();
	SPI_connect();
	CatalogReadLatest("SELECT " CHUNK_REF_COLUMNS " FROM _epiphany_timestore.chunk"
					 " WHERE hypertable_id = $1 AND hash_slice = $4 AND range_start < $3"
					 " AND (range_end > $2 OR range_end = 9223372036854775807)",
					 4, argtypes, values, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		ChunkRef	other;

		ChunkRefFromRow(i, &other);
		if (other.range_start > value)
			*end = Min(*end, other.range_start);
		else
		{
			Assert(other.range_end <= value);
			*start = Max(*start, other.range_end);
		}
	}
	SPI_finish();
	CatalogLeave(nestlevel);
}

/* Appends "column op 'bound'::type" to buf if the type can hold bound. */
static bool
AppendRangeBound(StringInfo buf, const Hypertable *ht, const char *op, int64 bound)
{
	Datum		value;
	Oid			output;
	bool		varlena;

	if (!InternalToTime(bound, ht->time_type, &value))
		return false;
	getTypeOutputInfo(ht->time_type, &output, &varlena);
	appendStringInfo(buf, "%s%s %s %s::%s", buf->len > 0 ? " AND " : "",
					 quote_identifier(get_attname(ht->relid, ht->time_attno, false)),
					 op, quote_literal_cstr(OidOutputFunctionCall(output, value)),
					 format_type_be(ht->time_type));
	return true;
}

/*
 * ChunkCheck - the CHECK expression of a chunk [start, end) of its slice:
 * bounds the column type cannot hold are left out, since no value lies
 * beyond them.
 */
static char *
ChunkCheck(const Hypertable *ht, const ChunkRef *chunk)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (chunk->range_start != PG_INT64_MIN)
		AppendRangeBound(&buf, ht, ">=", chunk->range_start);
	if (chunk->range_end != PG_INT64_MAX)
		AppendRangeBound(&buf, ht, "<", chunk->range_end);
	if (ht->hash_partitions > 0)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? " AND " : "",
						 HashSliceCheck(ht, chunk->slice));
	if (buf.len == 0)
		appendStringInfoString(&buf, "true");
	return buf.data;
}

/*
 * ChunkCloneIndex - creates on chunk the index matching hypertable index
 * parent_index (a unique one stays unique, without a constraint), which
 * DROP INDEX on the hypertable then drops with it.
 */
void
ChunkCloneIndex(Relation chunkrel, Relation htrel, Oid parent_index)
{
	Relation	parent = index_open(parent_index, AccessShareLock);
	AttrMap    *attmap = build_attrmap_by_name(RelationGetDescr(chunkrel),
											   RelationGetDescr(htrel));
	Oid			constraint;
	IndexStmt  *stmt = generateClonedIndexStmt(NULL, parent, attmap, &constraint);
	ObjectAddress created;
	ObjectAddress referenced;

	stmt->idxname = NULL;
	stmt->primary = false;
	stmt->isconstraint = false;
	stmt->deferrable = false;
	stmt->initdeferred = false;
	created = DefineIndex(RelationGetRelid(chunkrel), stmt, InvalidOid, InvalidOid,
						  InvalidOid, false, false, false, false, true);
	ObjectAddressSet(referenced, RelationRelationId, parent_index);
	recordDependencyOn(&created, &referenced, DEPENDENCY_AUTO);
	index_close(parent, AccessShareLock);
}

/*
 * ChunkCloneTrigger - creates on chunk the row trigger trigger of the
 * hypertable, firing as it does; DROP TRIGGER on the hypertable drops it
 * too.  Statement triggers stay on the hypertable (INSERT and COPY fire
 * them there); our own insert blocker and triggers with transition tables
 * (which inheritance children cannot have) are not cloned.
 */
void
ChunkCloneTrigger(Relation chunkrel, const Trigger *trigger)
{
	CreateTrigStmt *stmt;
	ObjectAddress created;
	ObjectAddress referenced;
	int			i;

	if (!TRIGGER_FOR_ROW(trigger->tgtype) || trigger->tgisinternal ||
		trigger->tgnewtable != NULL || trigger->tgoldtable != NULL ||
		strcmp(trigger->tgname, HYPERTABLE_INSERT_BLOCKER) == 0)
		return;
	stmt = makeNode(CreateTrigStmt);
	stmt->trigname = trigger->tgname;
	stmt->row = true;
	stmt->timing = trigger->tgtype & TRIGGER_TYPE_TIMING_MASK;
	stmt->events = trigger->tgtype & TRIGGER_TYPE_EVENT_MASK;
	stmt->isconstraint = OidIsValid(trigger->tgconstraint);
	stmt->deferrable = trigger->tgdeferrable;
	stmt->initdeferred = trigger->tginitdeferred;
	for (i = 0; i < trigger->tgnargs; i++)
		stmt->args = lappend(stmt->args, makeString(trigger->tgargs[i]));
	for (i = 0; i < trigger->tgnattr; i++)
		stmt->columns = lappend(stmt->columns,
								makeString(get_attname(RelationGetRelid(chunkrel),
													   trigger->tgattr[i], false)));
	created = CreateTriggerFiringOn(stmt, NULL, RelationGetRelid(chunkrel), InvalidOid,
									InvalidOid, InvalidOid, trigger->tgfoid, InvalidOid,
									trigger->tgqual ? stringToNode(trigger->tgqual) : NULL,
									false, false, trigger->tgenabled);
	ObjectAddressSet(referenced, TriggerRelationId, trigger->tgoid);
	recordDependencyOn(&created, &referenced, DEPENDENCY_AUTO);
}

/*
 * ChunkCreate - creates the chunk of ht for value in slice; the caller holds the
 * hypertable's ShareUpdateExclusiveLock.  The table is made by
 * _epiphany_timestore.create_chunk_table as the catalog's owner; the
 * indexes are cloned here; the chunk depends on the hypertable
 * automatically (as partitions do), so DROP TABLE of the hypertable takes
 * its chunks along.
 */
static void
ChunkCreate(const Hypertable *ht, int16 slice, int64 value, ChunkRef *chunk)
{
	Oid			argtypes[6] = {OIDOID, NAMEOID, TEXTOID, INT4OID, INT8OID, INT2OID};
	Datum		values[6];
	Datum		datum;
	NameData	name;
	Relation	htrel;
	Relation	chunkrel;
	ListCell   *lc;
	List	   *indexes;
	ObjectAddress chunk_address;
	ObjectAddress ht_address;

	chunk->slice = slice;
	ChunkRangeForNew(ht, slice, value, &chunk->range_start, &chunk->range_end);
	CatalogExecute("SELECT nextval('_epiphany_timestore.chunk_id_seq')::integer",
				   0, NULL, NULL, NULL, &datum);
	chunk->id = DatumGetInt32(datum);
	snprintf(NameStr(name), NAMEDATALEN, "_hyper_%d_%d_chunk", ht->id, chunk->id);

	values[0] = ObjectIdGetDatum(ht->relid);
	values[1] = NameGetDatum(&name);
	values[2] = CStringGetTextDatum(ChunkCheck(ht, chunk));
	CatalogExecute("SELECT _epiphany_timestore.create_chunk_table($1, $2, $3)::oid",
				   3, argtypes, values, NULL, &datum);
	chunk->relid = DatumGetObjectId(datum);

	argtypes[0] = INT4OID;
	argtypes[1] = INT4OID;
	argtypes[2] = OIDOID;
	argtypes[3] = INT8OID;
	values[0] = Int32GetDatum(chunk->id);
	values[1] = Int32GetDatum(ht->id);
	values[2] = ObjectIdGetDatum(chunk->relid);
	values[3] = Int64GetDatum(chunk->range_start);
	values[4] = Int64GetDatum(chunk->range_end);
	values[5] = Int16GetDatum(chunk->slice);
	argtypes[4] = INT8OID;
	CatalogExecute("INSERT INTO _epiphany_timestore.chunk"
				   " (id, hypertable_id, relid, range_start, range_end, hash_slice)"
				   " VALUES ($1, $2, $3, $4, $5, $6)", 6, argtypes, values, NULL, NULL);

	htrel = table_open(ht->relid, NoLock);
	chunkrel = table_open(chunk->relid, AccessExclusiveLock);
	indexes = RelationGetIndexList(htrel);
	foreach(lc, indexes)
		ChunkCloneIndex(chunkrel, htrel, lfirst_oid(lc));
	list_free(indexes);
	if (htrel->trigdesc != NULL)
	{
		int			i;

		for (i = 0; i < htrel->trigdesc->numtriggers; i++)
			ChunkCloneTrigger(chunkrel, &htrel->trigdesc->triggers[i]);
	}

	ObjectAddressSet(chunk_address, RelationRelationId, chunk->relid);
	ObjectAddressSet(ht_address, RelationRelationId, ht->relid);
	deleteDependencyRecordsForSpecific(RelationRelationId, chunk->relid,
									   DEPENDENCY_NORMAL,
									   RelationRelationId, ht->relid);
	recordDependencyOn(&chunk_address, &ht_address, DEPENDENCY_AUTO);
	table_close(chunkrel, NoLock);
	table_close(htrel, NoLock);
	/* Plans of the hypertable must be made again to include the chunk. */
	CacheInvalidateRelcacheByRelid(ht->relid);
	CommandCounterIncrement();
}

/*
 * ChunkFindOrCreate - the chunk of ht that holds internal time value in
 * hash slice slice, created if there is none, and locked with
 * RowExclusiveLock.
 */
void
ChunkFindOrCreate(const Hypertable *ht, int16 slice, int64 value, ChunkRef *chunk)
{
	for (;;)
	{
		if (ChunkLookup(ht, slice, value, chunk))
		{
			LockRelationOid(chunk->relid, RowExclusiveLock);
			if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(chunk->relid)))
				return;
			/* Dropped while we waited for the lock: look again. */
			UnlockRelationOid(chunk->relid, RowExclusiveLock);
			continue;
		}
		LockRelationOid(ht->relid, ShareUpdateExclusiveLock);
		if (ChunkLookup(ht, slice, value, chunk))
			continue;			/* another creator was first */
		ChunkCreate(ht, slice, value, chunk);
		return;
	}
}

/* ----------------------------------------------------------------
 *		Chunk ranges, cached for run-time exclusion
 * ----------------------------------------------------------------
 */

/* The range and hash slice of relid, or that relid is no chunk. */
typedef struct ChunkRangeEntry
{
	Oid			relid;			/* hash key */
	bool		is_chunk;
	ChunkRef	chunk;
} ChunkRangeEntry;

static HTAB *ChunkRangeCache = NULL;

/* Called by _PG_init: a chunk's range never changes; a dropped chunk's entry goes. */
void
ChunkRangeCacheInit(void)
{
	ChunkRangeCache = RelidCacheCreate("epiphany_timestore chunk ranges",
									   sizeof(ChunkRangeEntry));
}

/* Enters the ranges of every chunk of ht in the cache. */
static void
ChunkRangesLoad(const Hypertable *ht)
{
	Oid			argtypes[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(ht->id)};
	int			nestlevel = CatalogEnter();
	uint64		i;

	SPI_connect();
	CatalogReadLatest("SELECT " CHUNK_REF_COLUMNS
					  " FROM _epiphany_timestore.chunk WHERE hypertable_id = $1",
					  1, argtypes, values, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		ChunkRef	chunk;
		ChunkRangeEntry *entry;

		ChunkRefFromRow(i, &chunk);
		entry = hash_search(ChunkRangeCache, &chunk.relid, HASH_ENTER, NULL);
		entry->is_chunk = true;
		entry->chunk = chunk;
	}
	SPI_finish();
	CatalogLeave(nestlevel);
}

/*
 * ChunkRangeOf - the range and hash slice of relid if it is a chunk of ht
 * (false for another relation, the hypertable itself among them).
 */
bool
ChunkRangeOf(const Hypertable *ht, Oid relid, ChunkRef *chunk)
{
	ChunkRangeEntry *entry;
	bool		found;

	if (!OidIsValid(relid))
		return false;
	entry = hash_search(ChunkRangeCache, &relid, HASH_FIND, NULL);
	if (entry == NULL)
	{
		ChunkRangesLoad(ht);
		entry = hash_search(ChunkRangeCache, &relid, HASH_ENTER, &found);
		if (!found)
		{
			entry->is_chunk = false;
			memset(&entry->chunk, 0, sizeof(ChunkRef));
		}
	}
	*chunk = entry->chunk;
	return entry->is_chunk;
}

/* ----------------------------------------------------------------
 *		show_chunks and drop_chunks
 * ----------------------------------------------------------------
 */

/*
 * TimeArgToInternal - the internal time of an argument of type given for a
 * time column of type time_type (a cutoff of show_chunks or drop_chunks, a
 * refresh window): an interval means now() minus it; a value of another
 * time type is cast to the column's type; an untyped literal is read as one.
 */
int64
TimeArgToInternal(Oid time_type, Datum value, Oid type, const char *argname)
{
	Oid			funcid;
	Oid			input;
	Oid			ioparam;

	if (type == INTERVALOID)
	{
		if (TimeTypeIsInteger(time_type))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid time argument type \"interval\" for %s", argname),
					 errhint("Give an integer value for a hypertable with an integer time column.")));
		value = DirectFunctionCall2(timestamptz_mi_interval,
									TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()),
									value);
		type = TIMESTAMPTZOID;
	}
	if (type == UNKNOWNOID)
	{
		getTypeInputInfo(time_type, &input, &ioparam);
		value = OidInputFunctionCall(input, DatumGetCString(value), ioparam, -1);
		type = time_type;
	}
	if (type != time_type)
	{
		if (TimeTypeIsInteger(type) && TimeTypeIsInteger(time_type))
			return TimeToInternal(value, type);
		if (TimeTypeIsInteger(type) ||
			find_coercion_pathway(time_type, type, COERCION_EXPLICIT, &funcid) !=
			COERCION_PATH_FUNC)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid time argument type \"%s\" for %s",
							format_type_be(type), argname),
					 errhint("Give an interval, or a value of the time column's type %s.",
							 format_type_be(time_type))));
		value = OidFunctionCall1(funcid, value);
	}
	return TimeToInternal(value, time_type);
}

/*
 * ChunksInRange - the chunks of ht entirely before older_than and entirely
 * at or after newer_than (each optional), by range, in the caller's
 * memory context.
 */
static List *
ChunksInRange(const Hypertable *ht, FunctionCallInfo fcinfo, int older_arg, int newer_arg)
{
	Oid			argtypes[3] = {INT4OID, INT8OID, INT8OID};
	Datum		values[3] = {Int32GetDatum(ht->id), 0, 0};
	char		nulls[3] = {' ', 'n', 'n'};
	MemoryContext callercxt = CurrentMemoryContext;
	List	   *chunks = NIL;
	int			nestlevel;
	uint64		i;

	if (!PG_ARGISNULL(older_arg))
	{
		values[1] = Int64GetDatum(TimeArgToInternal(ht->time_type, PG_GETARG_DATUM(older_arg),
												   get_fn_expr_argtype(fcinfo->flinfo, older_arg),
												   "older_than"));
		nulls[1] = ' ';
	}
	if (!PG_ARGISNULL(newer_arg))
	{
		values[2] = Int64GetDatum(TimeArgToInternal(ht->time_type, PG_GETARG_DATUM(newer_arg),
												   get_fn_expr_argtype(fcinfo->flinfo, newer_arg),
												   "newer_than"));
		nulls[2] = ' ';
	}

	nestlevel = CatalogEnter();
	SPI_connect();
	if (SPI_execute_with_args("SELECT " CHUNK_REF_COLUMNS
							  " FROM _epiphany_timestore.chunk WHERE hypertable_id = $1"
							  " AND ($2 IS NULL OR (range_end <= $2 AND range_end <> 9223372036854775807))"
							  " AND ($3 IS NULL OR range_start >= $3)"
							  " ORDER BY range_start, hash_slice",
							  3, argtypes, values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the chunk catalog");
	for (i = 0; i < SPI_processed; i++)
	{
		MemoryContext spicxt = MemoryContextSwitchTo(callercxt);
		ChunkRef   *chunk = palloc(sizeof(ChunkRef));

		MemoryContextSwitchTo(spicxt);
		ChunkRefFromRow(i, chunk);
		MemoryContextSwitchTo(callercxt);
		chunks = lappend(chunks, chunk);
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	CatalogLeave(nestlevel);
	return chunks;
}

/* show_chunks(relation, older_than, newer_than): the chunks, oldest first. */
Datum
ep_show_chunks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const Hypertable *ht;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	ht = HypertableGetChecked(PG_GETARG_OID(0));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	foreach(lc, ChunksInRange(ht, fcinfo, 1, 2))
	{
		ChunkRef   *chunk = lfirst(lc);
		Datum		value = ObjectIdGetDatum(chunk->relid);
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}

/*
 * drop_chunks(relation, older_than, newer_than, verbose): drops the chunks
 * entirely outside the window and returns their names.  Needs ownership of
 * the hypertable and at least one cutoff.
 */
Datum
ep_drop_chunks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const Hypertable *ht;
	Oid			relid;
	ListCell   *lc;
	List	   *chunks;
	bool		verbose = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation must not be NULL")));
	relid = PG_GETARG_OID(0);
	ht = HypertableGetChecked(relid);
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
	if (PG_ARGISNULL(1) && PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid time range for dropping chunks"),
				 errhint("At least one of older_than and newer_than must be provided.")));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	chunks = ChunksInRange(ht, fcinfo, 1, 2);
	foreach(lc, chunks)
	{
		ChunkRef   *chunk = lfirst(lc);
		ObjectAddress address;
		Oid			argtypes[1] = {INT4OID};
		Datum		values[1] = {Int32GetDatum(chunk->id)};
		char	   *name;
		Datum		result;
		bool		isnull = false;

		LockRelationOid(chunk->relid, AccessExclusiveLock);
		if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(chunk->relid)))
			continue;			/* dropped concurrently */
		name = QualifiedRelationName(chunk->relid);
		if (verbose)
			ereport(INFO, (errmsg("dropping chunk %s", name)));
		ObjectAddressSet(address, RelationRelationId, chunk->relid);
		performDeletion(&address, DROP_RESTRICT, 0);
		CatalogExecute("DELETE FROM _epiphany_timestore.chunk WHERE id = $1",
					   1, argtypes, values, NULL, NULL);
		result = CStringGetTextDatum(name);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &result, &isnull);
	}
	return (Datum) 0;
}
