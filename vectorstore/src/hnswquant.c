/*-------------------------------------------------------------------------
 *
 * hnswquant.c
 *	  Quantization of the hnsw index (option quantization = 'sq8' or
 *	  'binary'): the element tuples of a quantized index keep a compact
 *	  code in place of the value, and its graphs (search, neighbour
 *	  selection, vacuum repair) compute distances on decoded codes; a scan
 *	  then re-ranks its best candidates by the exact distance to the value
 *	  in the table row (hnswscan.c).
 *
 *	  Codes: sq8 keeps one byte per dimension, c = round((x - lo) / step)
 *	  clamped to 0..255, standing for lo + step * c; binary keeps one bit
 *	  per dimension, 1 when x > lo, standing for lo + step (else lo -
 *	  step).  lo and step are one range for every dimension, set once per
 *	  index (HnswQuantSetRange): by the build from every value it holds in
 *	  memory, or, for an index built empty, by its first insert from that
 *	  one value, widened.  A value outside the range is clamped, which
 *	  affects only the approximate distance.  A code is stored as a varlena
 *	  with a 4-byte header, so the element tuple's layout does not change.
 *
 *	  Invariants: a quantizer is used for codes only once ready; queries
 *	  and new values are converted to float4 vectors of exactly dims
 *	  elements (a query of another length raises the distance functions'
 *	  error); every code read from a page is checked for its exact length
 *	  before it is decoded.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswquant.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "epiphany/distance.h"
#include "hnsw.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/*
 * An index built empty takes its range from its first value, widened by
 * this multiple of the value's own range on each side: one value of few
 * dimensions says little about the others, and values clamped to the
 * range's ends would share codes.
 */
#define HNSW_FIRST_VALUE_MARGIN 2.0

/* The option's name of a quantization, for messages. */
const char *
HnswQuantizationName(HnswQuantization kind)
{
	switch (kind)
	{
		case HNSW_QUANT_SQ8:
			return "sq8";
		case HNSW_QUANT_BINARY:
			return "binary";
		default:
			return "none";
	}
}

/* Bytes of a code, varlena header included. */
Size
HnswQuantCodeSize(HnswQuantization kind, int dims)
{
	Assert(kind != HNSW_QUANT_NONE);
	return VARHDRSZ + (kind == HNSW_QUANT_SQ8 ? (Size) dims : (Size) (dims + 7) / 8);
}

/*
 * The float4 kernel computing the distance of an operator class's
 * procedure, and whether the class is halfvec's; false for a class that
 * quantization does not support (sparsevec, bit, any other function).
 */
static bool
QuantMetricOf(FmgrInfo *distproc, HnswDistanceKind *metric, bool *halfvec)
{
	static const struct
	{
		PGFunction	fn;
		HnswDistanceKind metric;
		bool		halfvec;
	}			classes[] = {
		{ep_vector_l2_squared_distance, HNSW_DISTANCE_VECTOR_L2, false},
		{ep_vector_negative_inner_product, HNSW_DISTANCE_VECTOR_IP, false},
		{ep_cosine_distance, HNSW_DISTANCE_VECTOR_COSINE, false},
		{ep_l1_distance, HNSW_DISTANCE_VECTOR_L1, false},
		{ep_halfvec_l2_squared_distance, HNSW_DISTANCE_VECTOR_L2, true},
		{ep_halfvec_negative_inner_product, HNSW_DISTANCE_VECTOR_IP, true},
		{ep_halfvec_cosine_distance, HNSW_DISTANCE_VECTOR_COSINE, true},
		{ep_halfvec_l1_distance, HNSW_DISTANCE_VECTOR_L1, true},
	};

	for (int i = 0; i < lengthof(classes); i++)
	{
		if (distproc->fn_addr == classes[i].fn)
		{
			*metric = classes[i].metric;
			*halfvec = classes[i].halfvec;
			return true;
		}
	}
	return false;
}

/*
 * HnswQuantizerInit - a quantizer of the given kind for an index of dims
 * dimensions, not ready.  Raises FEATURE_NOT_SUPPORTED for an operator
 * class whose distance has no float4 kernel (sparsevec, bit, or a class
 * with another function).
 */
void
HnswQuantizerInit(HnswQuantizer *q, Relation index, HnswQuantization kind, int dims)
{
	Assert(kind != HNSW_QUANT_NONE);
	memset(q, 0, sizeof(HnswQuantizer));
	q->kind = kind;
	q->dims = dims;
	if (!QuantMetricOf(HnswDistanceProc(index), &q->metric, &q->halfvec))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hnsw quantization \"%s\" does not support distance function %s",
						HnswQuantizationName(kind),
						get_func_name(HnswDistanceProc(index)->fn_oid)),
				 errdetail("Quantization works with the vector and halfvec operator classes (l2, ip, cosine and l1)."),
				 errhint("Use quantization = 'none', or index a vector or halfvec expression.")));
}

/*
 * HnswQuantizerFromMeta - the quantizer of an index, from its checked
 * metapage; false (q untouched) for an unquantized index.
 */
bool
HnswQuantizerFromMeta(HnswQuantizer *q, Relation index, const HnswMetaPageData *meta)
{
	if (meta->quantization == HNSW_QUANT_NONE)
		return false;
	HnswQuantizerInit(q, index, (HnswQuantization) meta->quantization, (int) meta->dims);
	if (meta->quantFlags & HNSW_QUANT_READY)
		HnswQuantSetReady(q, meta->quantLo, meta->quantStep);
	return true;
}

/*
 * HnswQuantSetReady - gives a quantizer its range, and fills the table of
 * the values of the sq8 codes: sq8values[c] = lo + step * c.
 */
void
HnswQuantSetReady(HnswQuantizer *q, float4 lo, float4 step)
{
	q->lo = lo;
	q->step = step;
	q->ready = true;
	for (int c = 0; c <= HNSW_SQ8_MAX_CODE; c++)
		q->sq8values[c] = lo + step * (float) c;
}

/* Copies a ready quantizer's range into a metapage. */
void
HnswQuantSetMeta(const HnswQuantizer *q, HnswMetaPage meta)
{
	Assert(q->ready);
	meta->quantFlags |= HNSW_QUANT_READY;
	meta->quantLo = q->lo;
	meta->quantStep = q->step;
}

/*
 * HnswQuantToFloat - an indexed value (or query) of a quantized index as
 * a float4 vector of q->dims elements: the vector itself, or a widened
 * copy of a halfvec in the current memory context.  A value of another
 * length raises the distance functions' error.
 */
EpVector *
HnswQuantToFloat(const HnswQuantizer *q, Datum value)
{
	EpVector   *v;
	EpHalfvec  *h;

	if (!q->halfvec)
	{
		v = EpVectorFromDatum(value);
		EpCheckSameDims(v->dim, q->dims, "vector");
		return v;
	}
	h = EpHalfvecFromDatum(value);
	EpCheckSameDims(h->dim, q->dims, "halfvec");
	v = EpInitVector(h->dim);
	for (int i = 0; i < h->dim; i++)
		v->x[i] = EpHalfToFloat4(h->x[i]);
	return v;
}

/* Starts empty statistics. */
void
HnswQuantStatsInit(HnswQuantStats *stats)
{
	stats->min = get_float8_infinity();
	stats->max = -get_float8_infinity();
	stats->sum = 0;
	stats->sumsq = 0;
	stats->count = 0;
}

/* Adds the elements of a float4 vector to statistics. */
void
HnswQuantStatsAdd(HnswQuantStats *stats, const EpVector *v)
{
	for (int i = 0; i < v->dim; i++)
	{
		double		x = v->x[i];

		stats->min = Min(stats->min, x);
		stats->max = Max(stats->max, x);
		stats->sum += x;
		stats->sumsq += x * x;
	}
	stats->count += v->dim;
}

/*
 * HnswQuantSetRange - makes a quantizer ready from the statistics of the
 * values it will code (at least one).  sq8: the range is [min, max], or
 * with widen (one value seen: an index built empty) that range grown by
 * HNSW_FIRST_VALUE_MARGIN times its width on each side (a constant value
 * counts as wide as its magnitude, at least 1).  binary: the threshold
 * is the mean and the offset the mean absolute deviation a normal
 * distribution of that standard deviation has (sigma * sqrt(2 / pi)).  A
 * zero-width range gets a step of 1 so that decoding stays finite.
 */
void
HnswQuantSetRange(HnswQuantizer *q, const HnswQuantStats *stats, bool widen)
{
	double		lo;
	double		step;

	Assert(stats->count > 0);
	if (q->kind == HNSW_QUANT_SQ8)
	{
		double		width = stats->max > stats->min ? stats->max - stats->min :
			Max(fabs(stats->max), 1.0);
		double		margin = widen ? width * HNSW_FIRST_VALUE_MARGIN : 0;

		lo = stats->min - margin;
		step = (stats->max + margin - lo) / HNSW_SQ8_MAX_CODE;
	}
	else
	{
		double		mean = stats->sum / stats->count;
		double		var = Max(stats->sumsq / stats->count - mean * mean, 0.0);

		lo = mean;
		step = sqrt(var) * sqrt(2.0 / M_PI);
	}
	if (!(step > 0) || !isfinite(step) || !isfinite((float4) step))
		step = 1.0;
	HnswQuantSetReady(q, (float4) lo, (float4) step);
}

/*
 * HnswQuantEncode - the code of a float4 vector of q->dims elements, as a
 * varlena in the current memory context.
 */
struct varlena *
HnswQuantEncode(const HnswQuantizer *q, const EpVector *v)
{
	Size		size = HnswQuantCodeSize(q->kind, q->dims);
	struct varlena *code = palloc0(size);
	uint8	   *c = (uint8 *) VARDATA(code);

	Assert(q->ready && v->dim == q->dims);
	SET_VARSIZE(code, size);
	for (int i = 0; i < q->dims; i++)
	{
		if (q->kind == HNSW_QUANT_SQ8)
		{
			float		r = rintf((v->x[i] - q->lo) / q->step);

			c[i] = (uint8) (r <= 0 ? 0 : r >= HNSW_SQ8_MAX_CODE ? HNSW_SQ8_MAX_CODE : r);
		}
		else if (v->x[i] > q->lo)
			c[i / 8] |= (uint8) (0x80 >> (i % 8));
	}
	return code;
}

/*
 * HnswQuantDecode - decodes a code read from a page into out, a float4
 * vector of q->dims elements.  Returns false, decoding nothing, when the
 * code's length is not the index's (a corrupt tuple; the caller reports
 * it with its place).  Scans decode every node they visit, so the loops
 * read each element's value from a small table (the 256 values of an sq8
 * code, the two of a bit) and keep everything in locals, which the
 * compiler can keep in registers since out may alias nothing it reads.
 */
bool
HnswQuantDecode(const HnswQuantizer *q, const struct varlena *code, EpVector *out)
{
	const uint8 *c = (const uint8 *) VARDATA(code);
	float	   *x = out->x;
	int			dims = q->dims;

	Assert(q->ready);
	if (VARSIZE(code) != HnswQuantCodeSize(q->kind, dims))
		return false;
	SET_VARSIZE(out, EP_VECTOR_SIZE(dims));
	out->dim = (int16) dims;
	out->unused = 0;
	if (q->kind == HNSW_QUANT_SQ8)
	{
		const float *values = q->sq8values;

		for (int i = 0; i < dims; i++)
			x[i] = values[c[i]];
	}
	else
	{
		const float values[2] = {q->lo - q->step, q->lo + q->step};

		for (int i = 0; i < dims; i++)
			x[i] = values[(c[i / 8] >> (7 - i % 8)) & 1];
	}
	return true;
}
