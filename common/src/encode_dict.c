/*-------------------------------------------------------------------------
 *
 * encode_dict.c
 *	  Dictionary encoding of values of any type: the distinct values, and
 *	  for each value the code (index) of its distinct value.  This file
 *	  finds the distinct values; the caller stores them in its own format
 *	  (the column store: as PLAIN values) and bit-packs the codes
 *	  (EpBitPack).
 *
 *	  Equality is datumIsEqual's (the same bytes), hashed on the same bytes,
 *	  so it needs no operator class and works for every type, but values
 *	  equal by their type's rules with different images (numeric 1.0 and
 *	  1.00) stay distinct, as they must to come back unchanged.
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

/* Hash of a value's image: the Datum itself, or the bytes it points to. */
static inline uint32
HashImage(Datum value, bool typbyval, int16 typlen)
{
	if (typbyval)
		return hash_bytes((const unsigned char *) &value, sizeof(Datum));
	return hash_bytes((const unsigned char *) DatumGetPointer(value),
					  (int) datumGetSize(value, typbyval, typlen));
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
		uint32		h = HashImage(values[i], typbyval, typlen) & mask;

		while (slots[h] != 0 &&
			   !datumIsEqual(entries[slots[h] - 1], values[i], typbyval, typlen))
			h = (h + 1) & mask;
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
