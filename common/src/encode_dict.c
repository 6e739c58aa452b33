/*-------------------------------------------------------------------------
 *
 * encode_dict.c
 *	  Dictionary encoding of values of any type: the distinct values, and
 *	  for each value the code (index) of its distinct value.  This file
 *	  finds the distinct values; the caller stores them in its own format
 *	  (the column store: as PLAIN values) and bit-packs the codes
 *	  (EpBitPack).
 *
 *	  Equality is datumIsEqual's (the same bytes; by-value Datums compared
 *	  as integers), hashed on the same bytes (by-value Datums by murmur's
 *	  finalizer), so it needs no operator class and works for every type,
 *	  but values equal by their type's rules with different images (numeric
 *	  1.0 and 1.00) stay distinct, as they must to come back unchanged.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/encode_dict.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "common/hashfn.h"
#include "epiphany/codec.h"
#include "port/pg_bitutils.h"
#include "utils/datum.h"

/*
 * Hash of a by-value Datum: murmur's 32-bit finalizer over both halves
 * (a Datum of 2 or 4 bytes is sign-extended, so its upper half is fixed).
 */
static inline uint32
HashByValue(Datum value)
{
	uint64		v = (uint64) value;

	return murmurhash32((uint32) v ^ murmurhash32((uint32) (v >> 32)));
}

/* Hash of a by-reference value's image: the bytes it points to. */
static inline uint32
HashByReference(Datum value, int16 typlen)
{
	return hash_bytes((const unsigned char *) DatumGetPointer(value),
					  (int) datumGetSize(value, false, typlen));
}

/*
 * The slot of "value" in the open-addressing table "slots" (code + 1, 0 is
 * empty): the one holding an equal entry, or the empty one where it goes.
 */
static inline uint32
FindSlot(const int32 *slots, uint32 mask, const Datum *entries, Datum value, bool typbyval,
		 int16 typlen)
{
	uint32		h;

	if (typbyval)
	{
		h = HashByValue(value) & mask;
		while (slots[h] != 0 && entries[slots[h] - 1] != value)
			h = (h + 1) & mask;
		return h;
	}
	h = HashByReference(value, typlen) & mask;
	while (slots[h] != 0 && !datumIsEqual(entries[slots[h] - 1], value, false, typlen))
		h = (h + 1) & mask;
	return h;
}

int
EpDictBuild(const Datum *values, int count, bool typbyval, int16 typlen,
			int max_entries, uint64 *codes, Datum *entries)
{
	/* Open addressing; slots hold code + 1, 0 is empty; at most half full. */
	uint32		capacity = pg_nextpower2_32((uint32) Max(max_entries, 1) * 2 + 2);
	uint32		mask = capacity - 1;
	int32	   *slots = palloc0(sizeof(int32) * capacity);
	int			distinct = 0;

	Assert(max_entries >= 1);
	for (int i = 0; i < count; i++)
	{
		uint32		h = FindSlot(slots, mask, entries, values[i], typbyval, typlen);

		if (slots[h] == 0)
		{
			if (distinct == max_entries)
			{
				pfree(slots);
				return -1;
			}
			entries[distinct] = values[i];
			slots[h] = ++distinct;
		}
		codes[i] = (uint64) (slots[h] - 1);
	}
	pfree(slots);
	return distinct;
}
