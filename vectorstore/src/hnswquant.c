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
 *	  step).  Each dimension has its range (lo, step), set once per index
 *	  (HnswQuantSetRange): by the build from every value it holds in
 *	  memory; in an index built without values (format 4), from its first
 *	  HNSW_QUANT_SAMPLE_SIZE values with headroom, which it stores exact
 *	  until then (hnswinsert.c).  A code is stored as a varlena with a
 *	  4-byte header, so the element tuple's layout does not change.
 *
 *	  Guarantee (format 4, whenever an exact value fits a tuple: at most
 *	  about 1,900 dimensions at m = 100, 2,000 at m = 16): no element's
 *	  stored value is clamped.  An sq8 code is stored only when every
 *	  element lies within HNSW_SQ8_CLAMP_STEPS steps of its dimension's
 *	  range, so it decodes to within that many steps of the value (half
 *	  a step inside the range); a binary code only when every element
 *	  lies within HNSW_BINARY_FAR_OFFSETS offsets of its threshold.  Any
 *	  other value, and every value stored before the ranges exist, is
 *	  stored exact, a float4 vector, and measured exactly.  Values far
 *	  apart thus never collapse onto the ends of a range, and the graph is
 *	  built and searched on distances that are exact or within those few
 *	  steps.  What this does not change: distinct values within one step
 *	  of each other (sq8), or on the same side of every threshold
 *	  (binary), share a code wherever they lie, as in any quantized index.
 *	  Formats 2 and 3, and indexes too wide for exact values, keep the
 *	  former rule: ranges from the first value, out-of-range values
 *	  clamped (REINDEX writes format 4).
 *
 *	  Invariants: a quantizer decodes codes only once ready, and becomes
 *	  ready when it meets one (a code is written only after the metapage
 *	  records the ranges, which are then on the reserved range pages, so
 *	  a reader holding an element page lock may read them: range pages
 *	  are locked last, and their writer holds no element page lock);
 *	  queries and new values are converted to float4 vectors of exactly
 *	  dims elements (a query of another length raises the distance
 *	  functions' error); every stored value read from a page is checked
 *	  for its exact length (a code's, or an exact vector's with its
 *	  dimension) before it is decoded.
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
#include "storage/bufmgr.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/*
 * An index of format 2 or 3 built empty takes its range from its first
 * value, widened by this multiple of the value's own range on each side:
 * one value of few dimensions says little about the others, and values
 * clamped to the range's ends would share codes.
 */
#define HNSW_FIRST_VALUE_MARGIN 2.0

/*
 * Ranges set from a sample are widened by this fraction of their width on
 * each side, so that later values seldom fall outside them (those that do
 * by more than HNSW_SQ8_CLAMP_STEPS are stored exact).
 */
#define HNSW_SAMPLE_HEADROOM 0.25

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
	q->compact = true;
	q->dims = dims;
	q->rangeBlkno = InvalidBlockNumber;
	q->cxt = CurrentMemoryContext;
	if (!QuantMetricOf(HnswDistanceProc(index), &q->metric, &q->halfvec))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hnsw quantization \"%s\" does not support distance function %s",
						HnswQuantizationName(kind),
						get_func_name(HnswDistanceProc(index)->fn_oid)),
				 errdetail("Quantization works with the vector and halfvec operator classes (l2, ip, cosine and l1)."),
				 errhint("Use quantization = 'none', or index a vector or halfvec expression.")));
}

/* Raises the error of a range page that fails a check. */
static void
ReportBadRangePage(Relation index, BlockNumber blkno)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" contains an invalid range page at block %u",
					RelationGetRelationName(index), blkno)));
}

/*
 * Copies the ranges of range page pageno (checked: its kind, its length,
 * finite values and positive steps) into a quantizer's arrays.  The
 * caller holds a share lock on the page.
 */
static void
ReadRangePage(HnswQuantizer *q, Relation index, Page page, BlockNumber blkno, int pageno)
{
	int			first = pageno * HNSW_RANGES_PER_PAGE;
	int			n = Min(q->dims - first, (int) HNSW_RANGES_PER_PAGE);
	const HnswRangeData *ranges = (const HnswRangeData *) PageGetContents(page);

	HnswCheckPage(index, page, blkno, HNSW_PAGE_RANGE);
	if (((PageHeader) page)->pd_lower !=
		(char *) (ranges + n) - (char *) page)
		ReportBadRangePage(index, blkno);
	for (int i = 0; i < n; i++)
	{
		if (!isfinite(ranges[i].lo) || !isfinite(ranges[i].step) || !(ranges[i].step > 0))
			ReportBadRangePage(index, blkno);
		q->lo[first + i] = ranges[i].lo;
		q->step[first + i] = ranges[i].step;
	}
}

/*
 * Reads the ranges of a quantizer from its rangePages range pages from
 * rangeBlkno, one at a time under a share lock (the caller holds no lock
 * on a range page; it may hold one on an element page), into arrays in
 * q->cxt, and makes it ready.
 */
static void
ReadRanges(HnswQuantizer *q, Relation index, BlockNumber rangeBlkno, int rangePages)
{
	q->lo = MemoryContextAlloc(q->cxt, sizeof(float4) * q->dims);
	q->step = MemoryContextAlloc(q->cxt, sizeof(float4) * q->dims);
	for (int pageno = 0; pageno < rangePages; pageno++)
	{
		BlockNumber blkno = rangeBlkno + pageno;
		Buffer		buf;

		if (blkno == HNSW_METAPAGE_BLKNO || blkno >= RelationGetNumberOfBlocks(index))
			ReportBadRangePage(index, blkno);
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		ReadRangePage(q, index, BufferGetPage(buf), blkno, pageno);
		UnlockReleaseBuffer(buf);
	}
	q->ready = true;
}

/*
 * Whether the exact value of an index of dims dimensions and this m fits
 * an element tuple (at level 0; higher levels are lowered to fit).
 */
static bool
ExactValueFits(int dims, int m)
{
	return HnswElementTupleSize(true, 0, m, EP_VECTOR_SIZE(dims)) <= HNSW_MAX_TUPLE_SIZE;
}

/*
 * HnswQuantizerFromMeta - the quantizer of an index, from its checked
 * metapage and, once it is ready, its range pages (read one at a time
 * under a share lock; the caller holds no buffer lock).  The ranges are
 * allocated in the current memory context, as are those a format 4
 * quantizer reads later, when it meets a code (HnswQuantDecode).
 * Returns false (q untouched) for an unquantized index.
 */
bool
HnswQuantizerFromMeta(HnswQuantizer *q, Relation index, const HnswMetaPageData *meta)
{
	if (meta->quantization == HNSW_QUANT_NONE)
		return false;
	HnswQuantizerInit(q, index, (HnswQuantization) meta->quantization, (int) meta->dims);
	q->compact = meta->version >= HNSW_FORMAT_VERSION_COMPACT;
	if (meta->version >= HNSW_FORMAT_VERSION_EXACT)
	{
		q->exact = ExactValueFits(q->dims, meta->m);
		q->rangeBlkno = meta->rangeBlkno;
		q->rangePages = meta->rangePages;
	}
	if (meta->quantFlags & HNSW_QUANT_READY)
		ReadRanges(q, index, meta->rangeBlkno, meta->rangePages);
	return true;
}

/* Records in a metapage that the ranges are on rangePages pages from rangeBlkno. */
void
HnswQuantSetMeta(HnswMetaPage meta, BlockNumber rangeBlkno, int rangePages)
{
	meta->quantFlags |= HNSW_QUANT_READY;
	meta->rangeBlkno = rangeBlkno;
	meta->rangePages = (uint16) rangePages;
}

/*
 * HnswQuantFillRangePage - writes range page pageno of a ready quantizer
 * into page (initialized here), with pd_lower past its ranges so that
 * WAL and page images keep them.
 */
void
HnswQuantFillRangePage(const HnswQuantizer *q, Page page, int pageno)
{
	int			first = pageno * HNSW_RANGES_PER_PAGE;
	int			n = Min(q->dims - first, (int) HNSW_RANGES_PER_PAGE);
	HnswRangeData *ranges;

	Assert(q->ready && n > 0);
	HnswInitPage(page, HNSW_PAGE_RANGE);
	ranges = (HnswRangeData *) PageGetContents(page);
	for (int i = 0; i < n; i++)
	{
		ranges[i].lo = q->lo[first + i];
		ranges[i].step = q->step[first + i];
	}
	((PageHeader) page)->pd_lower = (char *) (ranges + n) - (char *) page;
}

/*
 * HnswQuantInitRangePage - a reserved range page whose ranges are not set
 * yet (format 4): no ranges, pd_lower at the contents' start.
 */
void
HnswQuantInitRangePage(Page page)
{
	HnswInitPage(page, HNSW_PAGE_RANGE);
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

/* Starts empty statistics of dims dimensions, in the current context. */
void
HnswQuantStatsInit(HnswQuantStats *stats, int dims)
{
	stats->dims = dims;
	stats->min = palloc(sizeof(double) * dims);
	stats->max = palloc(sizeof(double) * dims);
	stats->sum = palloc0(sizeof(double) * dims);
	stats->sumsq = palloc0(sizeof(double) * dims);
	stats->count = 0;
	for (int i = 0; i < dims; i++)
	{
		stats->min[i] = get_float8_infinity();
		stats->max[i] = -get_float8_infinity();
	}
}

/* Adds a float4 vector of stats->dims elements to statistics. */
void
HnswQuantStatsAdd(HnswQuantStats *stats, const EpVector *v)
{
	Assert(v->dim == stats->dims);
	for (int i = 0; i < stats->dims; i++)
	{
		double		x = v->x[i];

		stats->min[i] = Min(stats->min[i], x);
		stats->max[i] = Max(stats->max[i], x);
		stats->sum[i] += x;
		stats->sumsq[i] += x * x;
	}
	stats->count++;
}

/*
 * The range of one dimension from its smallest and largest value, mean
 * and variance: sq8 spans [min, max] in 255 steps; binary takes the mean
 * as threshold and sigma * sqrt(2 / pi) (the mean absolute deviation of a
 * normal distribution of that spread) as offset.  A zero or non-finite
 * step becomes 1, so that decoding stays finite (a constant dimension
 * then codes exactly as code 0, or both bits around its value).
 */
static void
SetOneRange(HnswQuantizer *q, int i, double min, double max, double mean, double var)
{
	double		lo = q->kind == HNSW_QUANT_SQ8 ? min : mean;
	double		step = q->kind == HNSW_QUANT_SQ8 ? (max - min) / HNSW_SQ8_MAX_CODE :
		sqrt(Max(var, 0.0)) * sqrt(2.0 / M_PI);

	if (!(step > 0) || !isfinite((float4) step))
		step = 1.0;
	q->lo[i] = (float4) lo;
	q->step[i] = (float4) step;
}

/*
 * HnswQuantSetRange - makes a quantizer ready from the statistics of the
 * values it will code (at least one), its ranges allocated in the current
 * memory context.  Each dimension gets its own range (SetOneRange): for
 * HNSW_RANGE_ALL from its values; for HNSW_RANGE_SAMPLE from its values
 * widened by HNSW_SAMPLE_HEADROOM of their width on each side (sq8; a
 * constant dimension counts as wide as its magnitude, at least 1).  For
 * HNSW_RANGE_FIRST (one value seen), one value says nothing of each
 * dimension's spread, so every dimension gets the range of all of that
 * value's elements, for sq8 widened by HNSW_FIRST_VALUE_MARGIN times its
 * width on each side.
 */
void
HnswQuantSetRange(HnswQuantizer *q, const HnswQuantStats *stats, HnswRangeSource source)
{
	Assert(stats->count > 0 && stats->dims == q->dims);
	q->lo = palloc(sizeof(float4) * q->dims);
	q->step = palloc(sizeof(float4) * q->dims);
	if (source == HNSW_RANGE_FIRST)
	{
		double		min = get_float8_infinity();
		double		max = -get_float8_infinity();
		double		sum = 0;
		double		sumsq = 0;
		double		width;
		double		mean;

		for (int i = 0; i < q->dims; i++)
		{
			min = Min(min, stats->min[i]);
			max = Max(max, stats->max[i]);
			sum += stats->sum[i];
			sumsq += stats->sumsq[i];
		}
		width = max > min ? max - min : Max(fabs(max), 1.0);
		mean = sum / (stats->count * q->dims);
		for (int i = 0; i < q->dims; i++)
			SetOneRange(q, i, min - width * HNSW_FIRST_VALUE_MARGIN,
						max + width * HNSW_FIRST_VALUE_MARGIN, mean,
						sumsq / (stats->count * q->dims) - mean * mean);
	}
	else
	{
		for (int i = 0; i < q->dims; i++)
		{
			double		mean = stats->sum[i] / stats->count;
			double		width = stats->max[i] > stats->min[i] ?
				stats->max[i] - stats->min[i] : Max(fabs(stats->max[i]), 1.0);
			double		headroom = source == HNSW_RANGE_SAMPLE ?
				width * HNSW_SAMPLE_HEADROOM : 0.0;

			SetOneRange(q, i, stats->min[i] - headroom, stats->max[i] + headroom, mean,
						stats->sumsq[i] / stats->count - mean * mean);
		}
	}
	q->ready = true;
}

/*
 * HnswQuantStoresExact - whether an element tuple stores the float4 vector
 * v exact rather than its code: in an index that may (q->exact), before
 * the ranges are set, or when its code would put an element of v more
 * than a few steps from its value: sq8, more than HNSW_SQ8_CLAMP_STEPS
 * steps outside its dimension's range; binary, more than
 * HNSW_BINARY_FAR_OFFSETS offsets (step) from its threshold (lo), where
 * the code's lo + step or lo - step is that far off.
 */
bool
HnswQuantStoresExact(const HnswQuantizer *q, const EpVector *v)
{
	if (!q->exact)
		return false;
	if (!q->ready)
		return true;
	Assert(v->dim == q->dims);
	for (int i = 0; i < q->dims; i++)
	{
		float		r = (v->x[i] - q->lo[i]) / q->step[i];

		if (q->kind == HNSW_QUANT_SQ8 ?
			(r < -HNSW_SQ8_CLAMP_STEPS || r > HNSW_SQ8_MAX_CODE + HNSW_SQ8_CLAMP_STEPS) :
			fabsf(r) > HNSW_BINARY_FAR_OFFSETS)
			return true;
	}
	return false;
}

/*
 * HnswQuantIsExact - whether a stored value of a checked element tuple
 * is an exact float4 vector (format 4; its length tells it from a code,
 * which is always shorter).
 */
bool
HnswQuantIsExact(const HnswQuantizer *q, const struct varlena *stored)
{
	return q->exact && VARSIZE(stored) == EP_VECTOR_SIZE(q->dims);
}

/*
 * HnswQuantStore - what an element tuple stores for the float4 vector v:
 * v itself (HnswQuantStoresExact), or its code in the current memory
 * context.
 */
struct varlena *
HnswQuantStore(const HnswQuantizer *q, const EpVector *v)
{
	if (HnswQuantStoresExact(q, v))
		return (struct varlena *) v;
	return HnswQuantEncode(q, v);
}

/*
 * HnswQuantOffsetBits - the offsetBits of every compact tuple of a
 * quantized index: those of its smallest tuples, the ones with codes, so
 * that a tuple with an exact value can point to any line pointer of a
 * page of coded tuples.
 */
int
HnswQuantOffsetBits(const HnswQuantizer *q, int m)
{
	return HnswCompactOffsetBits(m, HnswQuantCodeSize(q->kind, q->dims));
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
			float		r = rintf((v->x[i] - q->lo[i]) / q->step[i]);

			c[i] = (uint8) (r <= 0 ? 0 : r >= HNSW_SQ8_MAX_CODE ? HNSW_SQ8_MAX_CODE : r);
		}
		else if (v->x[i] > q->lo[i])
			c[i / 8] |= (uint8) (0x80 >> (i % 8));
	}
	return code;
}

/* Decodes n sq8 elements; a constant count lets the compiler vectorize. */
static inline void
DecodeSq8(int n, const uint8 *pg_restrict c, const float *pg_restrict lo,
		  const float *pg_restrict step, float *pg_restrict x)
{
	for (int i = 0; i < n; i++)
		x[i] = lo[i] + step[i] * (float) c[i];
}

/*
 * The signs the 8 bits of each byte of a binary code stand for, most
 * significant bit first: signs[b][k] is 1 when bit 7 - k of b is set, else
 * -1.  Filled on first use (a process-wide constant table of 8 kB).
 */
static const float (*BinarySigns(void))[8]
{
	static float signs[256][8];
	static bool filled = false;

	if (!filled)
	{
		for (int b = 0; b < 256; b++)
			for (int k = 0; k < 8; k++)
				signs[b][k] = (b & (0x80 >> k)) ? 1.0f : -1.0f;
		filled = true;
	}
	return (const float (*)[8]) signs;
}

/* Decodes n (at most 8) binary elements from the signs of their byte. */
static inline void
DecodeBinary(int n, const float *pg_restrict sign, const float *pg_restrict lo,
			 const float *pg_restrict step, float *pg_restrict x)
{
	for (int i = 0; i < n; i++)
		x[i] = lo[i] + step[i] * sign[i];
}

/*
 * HnswQuantDecode - the float4 vector of q->dims elements that a stored
 * value read from a page (a code, or in format 4 an exact vector) stands
 * for, into out.  A format 4 quantizer that meets a code before it is
 * ready reads the index's ranges first (see the file header for why it
 * may, under an element page's lock).  Returns false, decoding nothing,
 * when the value's length is neither (a corrupt tuple; the caller
 * reports it with its place).  Scans decode every node they visit: both
 * kinds go through loops of 8 elements (a binary code's byte at a time,
 * its bits read from a table of signs), which the compiler turns into
 * vector instructions at -O2 since their count is known.
 */
bool
HnswQuantDecode(HnswQuantizer *q, Relation index, const struct varlena *stored,
				EpVector *out)
{
	const struct varlena *code = stored;
	const uint8 *c = (const uint8 *) VARDATA(code);
	float	   *x = out->x;
	int			dims = q->dims;
	int			i = 0;

	if (HnswQuantIsExact(q, stored))
	{
		const EpVector *v = (const EpVector *) stored;

		if (v->dim != dims || v->unused != 0)
			return false;
		memcpy(out, v, EP_VECTOR_SIZE(dims));
		return true;
	}
	if (VARSIZE(code) != HnswQuantCodeSize(q->kind, dims))
		return false;
	if (!q->ready)
	{
		if (q->rangeBlkno == InvalidBlockNumber)
			return false;
		ReadRanges(q, index, q->rangeBlkno, q->rangePages);
	}
	SET_VARSIZE(out, EP_VECTOR_SIZE(dims));
	out->dim = (int16) dims;
	out->unused = 0;
	if (q->kind == HNSW_QUANT_SQ8)
	{
		for (; i + 8 <= dims; i += 8)
			DecodeSq8(8, c + i, q->lo + i, q->step + i, x + i);
		DecodeSq8(dims - i, c + i, q->lo + i, q->step + i, x + i);
	}
	else
	{
		const float (*signs)[8] = BinarySigns();

		for (; i + 8 <= dims; i += 8)
			DecodeBinary(8, signs[c[i / 8]], q->lo + i, q->step + i, x + i);
		if (i < dims)
			DecodeBinary(dims - i, signs[c[i / 8]], q->lo + i, q->step + i, x + i);
	}
	return true;
}
