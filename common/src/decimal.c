/*-------------------------------------------------------------------------
 *
 * decimal.c
 *	  Numeric values as scaled integers and back.  A numeric value v with
 *	  display scale d is held as the integer v * 10^s for a scale s <= d,
 *	  with d kept beside it: the column store's DECIMAL chunk encoding stores
 *	  a chunk's values so (s = d, one d for the chunk), and its vector layer
 *	  computes on them; the time store's compressed chunks will too.
 *
 *	  The numeric format read and written here is PostgreSQL's on-disk one
 *	  (stable across versions, as pg_upgrade requires): a 16-bit header
 *	  (short form: sign, display scale and weight; long form: sign and
 *	  display scale, then a 16-bit weight), then base-10000 digits without
 *	  leading or trailing zero digits; zero has no digit, weight 0 and a
 *	  positive sign.  EpWriteNumeric writes exactly the bytes that
 *	  numeric's own functions build for the same value and display scale,
 *	  the short form whenever it can hold them.
 *
 *	  Guarantees: a conversion that cannot be exact (NaN, infinities, more
 *	  than 38 digits, digits beyond the display scale) returns false.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/decimal.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/decimal.h"
#include "fmgr.h"

#define NUMERIC_BASE		10000
#define NUMERIC_BASE_DIGITS	4

/* numeric's header bits (numeric.c) */
#define NUMERIC_SHORT				0x8000
#define NUMERIC_SHORT_SIGN			0x2000
#define NUMERIC_SHORT_DSCALE_SHIFT	7
#define NUMERIC_SHORT_DSCALE_MAX	0x3F
#define NUMERIC_SHORT_WEIGHT_SIGN	0x0040
#define NUMERIC_SHORT_WEIGHT_MASK	0x003F
#define NUMERIC_SHORT_WEIGHT_MAX	63
#define NUMERIC_SHORT_WEIGHT_MIN	(-64)
#define NUMERIC_LONG_NEGATIVE		0x4000
#define NUMERIC_LONG_DSCALE_MASK	0x3FFF

/* 10^k for k in [0, MAX_DECIMAL_DIGITS]. */
int128
EpPow10(int k)
{
	static int128 powers[MAX_DECIMAL_DIGITS + 1];

	Assert(k >= 0 && k <= MAX_DECIMAL_DIGITS);
	if (powers[0] == 0)
	{
		powers[0] = 1;
		for (int i = 1; i <= MAX_DECIMAL_DIGITS; i++)
			powers[i] = powers[i - 1] * 10;
	}
	return powers[k];
}

/* Multiplies *value by 10^(to_scale - from_scale), to_scale >= from_scale. */
bool
EpRescale(int128 *value, int from_scale, int to_scale)
{
	Assert(to_scale >= from_scale);
	if (to_scale == from_scale)
		return true;
	if (to_scale - from_scale > MAX_DECIMAL_DIGITS)
		return false;
	return !__builtin_mul_overflow(*value, EpPow10(to_scale - from_scale), value);
}

/* How many decimal zeros end base-10000 digit "digit" (0 for 0). */
static inline int
TrailingZeros(int digit)
{
	if (digit == 0)
		return 0;
	return digit % 1000 == 0 ? 3 : digit % 100 == 0 ? 2 : digit % 10 == 0 ? 1 : 0;
}

/*
 * EpNumericToScaled128 - numeric "value" as *scaled / 10^*scale with
 * the smallest scale that holds it exactly, and its display scale (never
 * below *scale); false for NaN, infinities and values beyond 38 digits.
 */
bool
EpNumericToScaled128(Datum value, int128 *scaled, int *scale, int *dscale)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(value);
	const char *p;
	int			len;
	uint16		header;
	bool		negative;
	int			weight;
	int			header_size;
	int			ndigits;
	int			zeros = 0;
	int128		acc = 0;

	if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
		v = pg_detoast_datum(v);
	p = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	if (len < (int) sizeof(uint16))
		return false;
	memcpy(&header, p, sizeof(uint16));
	if ((header & 0xC000) == 0xC000)
		return false;			/* NaN or an infinity */
	if (header & 0x8000)
	{
		/* short form: sign 0x2000, display scale 0x1F80, weight 0x007F */
		negative = (header & 0x2000) != 0;
		*dscale = (header & 0x1F80) >> 7;
		weight = (header & 0x0040) ? (int) (header & 0x003F) - 64 : (int) (header & 0x003F);
		header_size = sizeof(uint16);
	}
	else
	{
		int16		long_weight;

		if (len < (int) (2 * sizeof(uint16)))
			return false;
		negative = (header & 0x4000) != 0;
		*dscale = header & 0x3FFF;
		memcpy(&long_weight, p + sizeof(uint16), sizeof(int16));
		weight = long_weight;
		header_size = 2 * sizeof(uint16);
	}
	ndigits = (len - header_size) / (int) sizeof(int16);
	for (int i = 0; i < ndigits; i++)
	{
		int16		digit;
		int			base = NUMERIC_BASE;

		memcpy(&digit, p + header_size + i * sizeof(int16), sizeof(int16));
		if (digit < 0 || digit >= NUMERIC_BASE)
			return false;
		if (i == ndigits - 1)
		{
			/* the last digit without its trailing zeros */
			zeros = TrailingZeros(digit);
			base /= (int) EpPow10(zeros);
			digit /= (int16) EpPow10(zeros);
		}
		if (__builtin_mul_overflow(acc, base, &acc) || __builtin_add_overflow(acc, digit, &acc))
			return false;
	}
	/* acc is |value| * 10^(4 * (ndigits - 1 - weight) - zeros) */
	*scale = ndigits == 0 ? 0 : 4 * (ndigits - 1 - weight) - zeros;
	if (*scale < 0)
	{
		if (!EpRescale(&acc, *scale, 0))
			return false;
		*scale = 0;
	}
	if (*scale > *dscale)
		return false;			/* digits beyond the display scale: not ours */
	*scaled = negative ? -acc : acc;
	return true;
}

/* EpNumericToScaled - the same, when the result fits in 64 bits. */
bool
EpNumericToScaled(Datum value, int64 *scaled, int *scale, int *dscale)
{
	int128		wide;

	if (!EpNumericToScaled128(value, &wide, scale, dscale) ||
		wide > PG_INT64_MAX || wide < PG_INT64_MIN)
		return false;
	*scaled = (int64) wide;
	return true;
}

/*
 * EpNumericAtDisplayScale - numeric "value" times 10^*dscale, its
 * display scale (at most MAX_DECIMAL_DIGITS), as a 64-bit integer; false
 * when it has no exact such form or does not fit.
 */
bool
EpNumericAtDisplayScale(Datum value, int64 *scaled, int *dscale)
{
	int128		wide;
	int			scale;

	if (!EpNumericToScaled128(value, &wide, &scale, dscale) ||
		*dscale > MAX_DECIMAL_DIGITS || !EpRescale(&wide, scale, *dscale) ||
		wide > PG_INT64_MAX || wide < PG_INT64_MIN)
		return false;
	*scaled = (int64) wide;
	return true;
}

/*
 * The base-10000 digits of "magnitude" / 10^scale, least significant
 * first, into digits[]; returns how many, the most significant non-zero
 * (none for zero).  The first digit holds the last scale % 4 decimals.
 * Divides by constants (a division by a variable is a slow instruction).
 */
static inline int
DigitsLowFirst64(uint64 magnitude, int scale, int16 *digits)
{
	int			n = 0;

	StaticAssertStmt(NUMERIC_BASE_DIGITS == 4, "the partial digit assumes base 10000");
	if (magnitude != 0)
	{
		switch (scale % NUMERIC_BASE_DIGITS)
		{
			case 1:
				digits[n++] = (int16) (magnitude % 10 * 1000);
				magnitude /= 10;
				break;
			case 2:
				digits[n++] = (int16) (magnitude % 100 * 100);
				magnitude /= 100;
				break;
			case 3:
				digits[n++] = (int16) (magnitude % 1000 * 10);
				magnitude /= 1000;
				break;
		}
	}
	for (; magnitude != 0; magnitude /= NUMERIC_BASE)
		digits[n++] = (int16) (magnitude % NUMERIC_BASE);
	return n;
}

/* DigitsLowFirst64 for any magnitude, in 128-bit arithmetic while needed. */
static int
DigitsLowFirst(uint128 magnitude, int scale, int16 *digits)
{
	int			partial = scale % NUMERIC_BASE_DIGITS;
	int			n = 0;

	if (magnitude <= PG_UINT64_MAX)
		return DigitsLowFirst64((uint64) magnitude, scale, digits);
	if (partial > 0)
	{
		int			unit = (int) EpPow10(partial);

		digits[n++] = (int16) ((int) (magnitude % unit) * (NUMERIC_BASE / unit));
		magnitude /= unit;
	}
	while (magnitude > PG_UINT64_MAX)
	{
		digits[n++] = (int16) (magnitude % NUMERIC_BASE);
		magnitude /= NUMERIC_BASE;
	}
	return n + DigitsLowFirst64((uint64) magnitude, 0, digits + n);
}

/*
 * EpWriteNumeric - write the numeric value / 10^scale, shown with
 * "dscale" digits after the point, into dst (room for
 * NUMERIC_IMAGE_MAX_BYTES, int-aligned) as a varlena with a 4-byte header;
 * returns its size.  Digits beyond "dscale" are dropped (the callers' are
 * zeros).
 */
Size
EpWriteNumeric(int128 value, int scale, int dscale, char *dst)
{
	int16		digits[MAX_DECIMAL_DIGITS / NUMERIC_BASE_DIGITS + 2];
	int			ndigits;
	int			low = 0;		/* trailing zero digits */
	int			weight;
	bool		negative;
	uint16		header;
	char	   *p = dst + VARHDRSZ;
	Size		size;

	Assert(scale >= 0 && dscale >= 0);
	if (scale > dscale)
	{
		value /= EpPow10(scale - dscale);
		scale = dscale;
	}
	negative = value < 0;
	ndigits = DigitsLowFirst(negative ? -(uint128) value : (uint128) value, scale, digits);
	while (low < ndigits && digits[low] == 0)
		low++;
	/* the lowest digit's weight is minus the fraction's digit count */
	weight = ndigits - 1 - (scale + NUMERIC_BASE_DIGITS - 1) / NUMERIC_BASE_DIGITS;
	if (ndigits == low)
	{
		weight = 0;
		negative = false;
	}
	if (dscale <= NUMERIC_SHORT_DSCALE_MAX &&
		weight >= NUMERIC_SHORT_WEIGHT_MIN && weight <= NUMERIC_SHORT_WEIGHT_MAX)
	{
		header = NUMERIC_SHORT | (negative ? NUMERIC_SHORT_SIGN : 0) |
			(uint16) (dscale << NUMERIC_SHORT_DSCALE_SHIFT) |
			(weight < 0 ? NUMERIC_SHORT_WEIGHT_SIGN : 0) |
			(uint16) (weight & NUMERIC_SHORT_WEIGHT_MASK);
		memcpy(p, &header, sizeof(uint16));
		p += sizeof(uint16);
	}
	else
	{
		int16		long_weight = (int16) weight;

		header = (negative ? NUMERIC_LONG_NEGATIVE : 0) | (uint16) (dscale & NUMERIC_LONG_DSCALE_MASK);
		memcpy(p, &header, sizeof(uint16));
		memcpy(p + sizeof(uint16), &long_weight, sizeof(int16));
		p += 2 * sizeof(uint16);
	}
	for (int i = ndigits - 1; i >= low; i--)
	{
		memcpy(p, &digits[i], sizeof(int16));
		p += sizeof(int16);
	}
	size = p - dst;
	SET_VARSIZE(dst, size);
	return size;
}

/*
 * EpScaledToNumeric - the numeric value / 10^scale, shown with
 * "dscale" digits after the point, palloc'd.
 */
Datum
EpScaledToNumeric(int128 value, int scale, int dscale)
{
	char	   *image = palloc(NUMERIC_IMAGE_MAX_BYTES);

	EpWriteNumeric(value, scale, dscale, image);
	return PointerGetDatum(image);
}
