/*-------------------------------------------------------------------------
 *
 * bookend_aggregates.c
 *	  The aggregates first(value, time) and last(value, time): the value of
 *	  the row with the smallest (largest) time, with TimescaleDB's results.
 *
 *	  Invariants: a transition state exists only once a row with a non-NULL
 *	  time was seen, so bs_time is never NULL (rows with a NULL time are
 *	  ignored); the value may be NULL.  By-reference datums of the state are
 *	  private copies in the aggregate memory context, detoasted, and each
 *	  copy is freed when a better row replaces it.  A row replaces the state
 *	  only when its time is strictly better, so among equal times the first
 *	  row seen wins.  Times are compared with the comparison function of the
 *	  time type's default btree operator class, looked up on the first
 *	  comparison and cached in fn_extra.  The serialized state (partial
 *	  aggregation) is described in timestore/README.md; it lives only for
 *	  the duration of one query.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/bookend_aggregates.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/tupmacs.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

/* Version byte that starts every serialized state. */
#define BOOKEND_FORMAT_VERSION		1

/* Which end a bookend aggregate keeps. */
typedef enum BookendDirection
{
	BOOKEND_FIRST,				/* smallest time: first() */
	BOOKEND_LAST				/* largest time: last() */
} BookendDirection;

/* Storage properties of one argument type. */
typedef struct BookendTypeInfo
{
	Oid			bt_type;		/* InvalidOid until looked up */
	int16		bt_len;			/* typlen */
	bool		bt_byval;		/* typbyval */
} BookendTypeInfo;

/* Transition state, allocated in the aggregate memory context. */
typedef struct BookendState
{
	BookendTypeInfo bs_value_type;
	BookendTypeInfo bs_time_type;
	bool		bs_value_isnull;
	Datum		bs_value;		/* private copy unless by value or NULL */
	Datum		bs_time;		/* private copy unless by value; never NULL */
} BookendState;

/*
 * Per-call-site cache in fn_extra (fn_mcxt): the argument types of the
 * transition function, and the btree comparison of bc_cmp_type.
 */
typedef struct BookendCache
{
	BookendTypeInfo bc_value_type;
	BookendTypeInfo bc_time_type;
	Oid			bc_cmp_type;	/* type bc_cmp compares, or InvalidOid */
	FmgrInfo	bc_cmp;
} BookendCache;

/* Reader over a serialized state; every read is bounds-checked. */
typedef struct BookendReader
{
	const char *br_data;
	int			br_len;
	int			br_pos;
} BookendReader;

PG_FUNCTION_INFO_V1(ep_first_sfunc);
PG_FUNCTION_INFO_V1(ep_last_sfunc);
PG_FUNCTION_INFO_V1(ep_first_combinefunc);
PG_FUNCTION_INFO_V1(ep_last_combinefunc);
PG_FUNCTION_INFO_V1(ep_bookend_serializefunc);
PG_FUNCTION_INFO_V1(ep_bookend_deserializefunc);
PG_FUNCTION_INFO_V1(ep_bookend_finalfunc);

/* ----------------------------------------------------------------
 *		Caches and comparison
 * ----------------------------------------------------------------
 */

static BookendCache *
GetCache(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(BookendCache));
	return (BookendCache *) fcinfo->flinfo->fn_extra;
}

/* Fills *info for type, unless it already describes type. */
static void
LookupTypeInfo(BookendTypeInfo *info, Oid type)
{
	if (info->bt_type == type)
		return;
	if (!OidIsValid(type))
		elog(ERROR, "could not determine the argument types of first() or last()");
	get_typlenbyval(type, &info->bt_len, &info->bt_byval);
	info->bt_type = type;
}

/*
 * Compares two non-NULL times of the given type with the default btree
 * operator class's comparison function and the aggregate's collation.
 */
static int32
CompareTimes(FunctionCallInfo fcinfo, Oid type, Datum a, Datum b)
{
	BookendCache *cache = GetCache(fcinfo);

	if (cache->bc_cmp_type != type)
	{
		TypeCacheEntry *entry = lookup_type_cache(type, TYPECACHE_CMP_PROC);

		if (!OidIsValid(entry->cmp_proc))
			ereport(ERROR,
					errcode(ERRCODE_UNDEFINED_FUNCTION),
					errmsg("could not identify a comparison function for type %s",
						   format_type_be(type)),
					errdetail("first() and last() order rows by their second argument, whose type needs a default btree operator class."));
		fmgr_info_cxt(entry->cmp_proc, &cache->bc_cmp, fcinfo->flinfo->fn_mcxt);
		cache->bc_cmp_type = type;
	}
	return DatumGetInt32(FunctionCall2Coll(&cache->bc_cmp, PG_GET_COLLATION(),
										   a, b));
}

/* Is a time strictly better than the kept one for this direction? */
static bool
TimeIsBetter(FunctionCallInfo fcinfo, BookendDirection direction,
			 const BookendState *state, Datum time)
{
	int32		cmp = CompareTimes(fcinfo, state->bs_time_type.bt_type,
								   time, state->bs_time);

	return direction == BOOKEND_FIRST ? cmp < 0 : cmp > 0;
}

/* ----------------------------------------------------------------
 *		State maintenance
 * ----------------------------------------------------------------
 */

/*
 * Returns a private copy of datum in the current memory context: by-value
 * datums as they are, varlenas detoasted (an external or compressed value
 * is fetched, never kept as a pointer into the table).
 */
static Datum
CopyDatum(Datum datum, const BookendTypeInfo *type)
{
	if (type->bt_byval)
		return datum;
	if (type->bt_len == -1)
	{
		struct varlena *original = (struct varlena *) DatumGetPointer(datum);
		struct varlena *flat = pg_detoast_datum_packed(original);

		if (flat != original)
			return PointerGetDatum(flat);
	}
	return datumCopy(datum, false, type->bt_len);
}

static void
FreeDatum(Datum datum, const BookendTypeInfo *type)
{
	if (!type->bt_byval)
		pfree(DatumGetPointer(datum));
}

/*
 * Makes the state hold (value, time), freeing the copies it replaces.  The
 * new copies go to aggcontext.
 */
static void
SetRow(BookendState *state, MemoryContext aggcontext,
	   Datum value, bool value_isnull, Datum time)
{
	MemoryContext oldcontext = MemoryContextSwitchTo(aggcontext);
	Datum		new_value = value_isnull ? (Datum) 0 :
		CopyDatum(value, &state->bs_value_type);
	Datum		new_time = CopyDatum(time, &state->bs_time_type);

	MemoryContextSwitchTo(oldcontext);

	if (!state->bs_value_isnull)
		FreeDatum(state->bs_value, &state->bs_value_type);
	FreeDatum(state->bs_time, &state->bs_time_type);

	state->bs_value = new_value;
	state->bs_value_isnull = value_isnull;
	state->bs_time = new_time;
}

/* A new state in aggcontext holding (value, time). */
static BookendState *
NewState(MemoryContext aggcontext, const BookendTypeInfo *value_type,
		 const BookendTypeInfo *time_type, Datum value, bool value_isnull,
		 Datum time)
{
	BookendState *state = MemoryContextAllocZero(aggcontext, sizeof(BookendState));
	MemoryContext oldcontext = MemoryContextSwitchTo(aggcontext);

	state->bs_value_type = *value_type;
	state->bs_time_type = *time_type;
	state->bs_value_isnull = value_isnull;
	state->bs_value = value_isnull ? (Datum) 0 : CopyDatum(value, value_type);
	state->bs_time = CopyDatum(time, time_type);
	MemoryContextSwitchTo(oldcontext);
	return state;
}

static MemoryContext
AggregateContext(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "first() or last() support function called in non-aggregate context");
	return aggcontext;
}

/* ----------------------------------------------------------------
 *		Transition and combine functions
 * ----------------------------------------------------------------
 */

/*
 * first_sfunc/last_sfunc(state internal, value anyelement, time "any")
 *
 * Keeps the row if its time is strictly better than the state's; a row
 * with a NULL time is ignored.  Returns SQL NULL until a row is kept.
 */
static Datum
BookendTransition(FunctionCallInfo fcinfo, BookendDirection direction)
{
	MemoryContext aggcontext = AggregateContext(fcinfo);
	BookendState *state = PG_ARGISNULL(0) ? NULL :
		(BookendState *) PG_GETARG_POINTER(0);
	Datum		time = PG_GETARG_DATUM(2);

	if (PG_ARGISNULL(2))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}

	if (state == NULL)
	{
		BookendCache *cache = GetCache(fcinfo);

		LookupTypeInfo(&cache->bc_value_type,
					   get_fn_expr_argtype(fcinfo->flinfo, 1));
		LookupTypeInfo(&cache->bc_time_type,
					   get_fn_expr_argtype(fcinfo->flinfo, 2));
		state = NewState(aggcontext, &cache->bc_value_type,
						 &cache->bc_time_type, PG_GETARG_DATUM(1),
						 PG_ARGISNULL(1), time);
	}
	else if (TimeIsBetter(fcinfo, direction, state, time))
		SetRow(state, aggcontext, PG_GETARG_DATUM(1), PG_ARGISNULL(1), time);

	PG_RETURN_POINTER(state);
}

Datum
ep_first_sfunc(PG_FUNCTION_ARGS)
{
	return BookendTransition(fcinfo, BOOKEND_FIRST);
}

Datum
ep_last_sfunc(PG_FUNCTION_ARGS)
{
	return BookendTransition(fcinfo, BOOKEND_LAST);
}

/*
 * first_combinefunc/last_combinefunc(state1 internal, state2 internal)
 *
 * Merges state2 into state1 (which may be changed in place); state2 is
 * only read.  On equal times state1 wins, as in the transition function.
 */
static Datum
BookendCombine(FunctionCallInfo fcinfo, BookendDirection direction)
{
	MemoryContext aggcontext = AggregateContext(fcinfo);
	BookendState *state1 = PG_ARGISNULL(0) ? NULL :
		(BookendState *) PG_GETARG_POINTER(0);
	BookendState *state2 = PG_ARGISNULL(1) ? NULL :
		(BookendState *) PG_GETARG_POINTER(1);

	if (state2 == NULL)
	{
		if (state1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state1);
	}

	if (state1 == NULL)
		state1 = NewState(aggcontext, &state2->bs_value_type,
						  &state2->bs_time_type, state2->bs_value,
						  state2->bs_value_isnull, state2->bs_time);
	else
	{
		Assert(state1->bs_time_type.bt_type == state2->bs_time_type.bt_type);
		Assert(state1->bs_value_type.bt_type == state2->bs_value_type.bt_type);
		if (TimeIsBetter(fcinfo, direction, state1, state2->bs_time))
			SetRow(state1, aggcontext, state2->bs_value,
				   state2->bs_value_isnull, state2->bs_time);
	}
	PG_RETURN_POINTER(state1);
}

Datum
ep_first_combinefunc(PG_FUNCTION_ARGS)
{
	return BookendCombine(fcinfo, BOOKEND_FIRST);
}

Datum
ep_last_combinefunc(PG_FUNCTION_ARGS)
{
	return BookendCombine(fcinfo, BOOKEND_LAST);
}

/*
 * bookend_finalfunc(state internal, value anyelement, time "any")
 *		returns anyelement
 *
 * The kept value; NULL when no row had a non-NULL time or the kept value is
 * NULL.  The extra arguments only fix the result type.
 */
Datum
ep_bookend_finalfunc(PG_FUNCTION_ARGS)
{
	BookendState *state;

	(void) AggregateContext(fcinfo);
	state = PG_ARGISNULL(0) ? NULL : (BookendState *) PG_GETARG_POINTER(0);
	if (state == NULL || state->bs_value_isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(state->bs_value);
}

/* ----------------------------------------------------------------
 *		Serialization
 *
 * Format (integers in network byte order):
 *	uint8	BOOKEND_FORMAT_VERSION
 *	uint32	value type Oid
 *	uint32	time type Oid
 *	uint8	1 if the value is NULL, else 0
 *	[int32 length, bytes]	the value, absent when NULL
 *	[int32 length, bytes]	the time
 * The bytes are the datum's in-memory image (by-value datums as stored in a
 * tuple), so any type works, with or without binary send/receive functions.
 * ----------------------------------------------------------------
 */

static void
WriteDatum(StringInfo buf, Datum datum, const BookendTypeInfo *type)
{
	char		byval_image[sizeof(Datum)];
	const char *bytes;
	int			len;

	if (type->bt_byval)
	{
		store_att_byval(byval_image, datum, type->bt_len);
		bytes = byval_image;
		len = type->bt_len;
	}
	else
	{
		bytes = DatumGetPointer(datum);
		if (type->bt_len > 0)
			len = type->bt_len;
		else if (type->bt_len == -1)
		{
			Assert(!VARATT_IS_EXTERNAL(bytes) && !VARATT_IS_COMPRESSED(bytes));
			len = VARSIZE_ANY(bytes);
		}
		else
			len = strlen(bytes) + 1;
	}
	pq_sendint32(buf, len);
	pq_sendbytes(buf, bytes, len);
}

/*
 * bookend_serializefunc(internal) returns bytea; STRICT.
 */
Datum
ep_bookend_serializefunc(PG_FUNCTION_ARGS)
{
	BookendState *state = (BookendState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	Assert(state != NULL);
	pq_begintypsend(&buf);
	pq_sendint8(&buf, BOOKEND_FORMAT_VERSION);
	pq_sendint32(&buf, state->bs_value_type.bt_type);
	pq_sendint32(&buf, state->bs_time_type.bt_type);
	pq_sendint8(&buf, state->bs_value_isnull ? 1 : 0);
	if (!state->bs_value_isnull)
		WriteDatum(&buf, state->bs_value, &state->bs_value_type);
	WriteDatum(&buf, state->bs_time, &state->bs_time_type);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
ReportCorruptState(const char *detail)
{
	ereport(ERROR,
			errcode(ERRCODE_DATA_CORRUPTED),
			errmsg("invalid serialized state of first() or last()"),
			errdetail_internal("%s", detail));
}

/* The next n bytes of the state; errors out if fewer are left. */
static const char *
ReadBytes(BookendReader *reader, int n)
{
	const char *bytes;

	if (n < 0 || n > reader->br_len - reader->br_pos)
		ReportCorruptState("The state is truncated.");
	bytes = reader->br_data + reader->br_pos;
	reader->br_pos += n;
	return bytes;
}

static uint8
ReadUInt8(BookendReader *reader)
{
	return (uint8) *ReadBytes(reader, 1);
}

static uint32
ReadUInt32(BookendReader *reader)
{
	uint32		value;

	memcpy(&value, ReadBytes(reader, sizeof(value)), sizeof(value));
	return pg_ntoh32(value);
}

/*
 * Reads one datum image, checks that its length fits the type, and returns
 * the datum, copied into aggcontext when it is by reference.
 */
static Datum
ReadDatum(BookendReader *reader, const BookendTypeInfo *type,
		  MemoryContext aggcontext)
{
	int			len = (int) ReadUInt32(reader);
	const char *bytes = ReadBytes(reader, len);
	char	   *copy;

	if (type->bt_len > 0 && len != type->bt_len)
		ReportCorruptState("A fixed-length datum has the wrong length.");
	if (type->bt_byval)
	{
		char		image[sizeof(Datum)];

		memcpy(image, bytes, len);
		return fetch_att(image, true, len);
	}

	copy = MemoryContextAlloc(aggcontext, Max(len, 1));
	memcpy(copy, bytes, len);
	if (type->bt_len == -1 &&
		(len < 1 || (!VARATT_IS_1B(copy) && len < VARHDRSZ) ||
		 VARATT_IS_EXTERNAL(copy) || VARATT_IS_COMPRESSED(copy) ||
		 VARSIZE_ANY(copy) != len))
		ReportCorruptState("A variable-length datum has an invalid header.");
	if (type->bt_len == -2 && (len < 1 || strnlen(copy, len) != len - 1))
		ReportCorruptState("A string datum is not terminated.");
	return PointerGetDatum(copy);
}

/*
 * bookend_deserializefunc(bytea, internal) returns internal; STRICT.
 *
 * Rebuilds a state in the aggregate memory context; argument types are
 * looked up once per call site and cached in fn_extra.
 */
Datum
ep_bookend_deserializefunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = AggregateContext(fcinfo);
	bytea	   *serialized = PG_GETARG_BYTEA_PP(0);
	BookendCache *cache = GetCache(fcinfo);
	BookendReader reader;
	BookendState *state;

	reader.br_data = VARDATA_ANY(serialized);
	reader.br_len = VARSIZE_ANY_EXHDR(serialized);
	reader.br_pos = 0;

	if (ReadUInt8(&reader) != BOOKEND_FORMAT_VERSION)
		ReportCorruptState("The format version is unknown.");
	LookupTypeInfo(&cache->bc_value_type, (Oid) ReadUInt32(&reader));
	LookupTypeInfo(&cache->bc_time_type, (Oid) ReadUInt32(&reader));

	state = MemoryContextAllocZero(aggcontext, sizeof(BookendState));
	state->bs_value_type = cache->bc_value_type;
	state->bs_time_type = cache->bc_time_type;
	state->bs_value_isnull = ReadUInt8(&reader) != 0;
	if (!state->bs_value_isnull)
		state->bs_value = ReadDatum(&reader, &state->bs_value_type, aggcontext);
	state->bs_time = ReadDatum(&reader, &state->bs_time_type, aggcontext);
	if (reader.br_pos != reader.br_len)
		ReportCorruptState("The state has trailing bytes.");
	PG_RETURN_POINTER(state);
}
