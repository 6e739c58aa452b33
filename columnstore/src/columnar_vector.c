/*-------------------------------------------------------------------------
 *
 * columnar_vector.c
 *	  The vector layer: a batch's columns converted to typed arrays,
 *	  filters applied to a selection of rows, decimal arithmetic in scaled
 *	  128-bit integers.
 *
 *	  Decimals: a numeric value with display scale d is the integer
 *	  value * 10^d (common/src/decimal.c converts); a column's values in one
 *	  batch share the largest display scale among them, each keeping its own
 *	  for results (PostgreSQL's sum shows the largest display scale of its
 *	  inputs, a product the sum of its factors').
 *
 *	  Guarantees: a conversion or operation that cannot be exact (NaN,
 *	  infinity, more than 38 digits, an overflow) returns false and changes
 *	  no result the caller keeps; filters keep exactly the rows PostgreSQL's
 *	  operators would pass.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_vector.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "access/stratnum.h"
#include "catalog/pg_type.h"
#include "columnar_vector.h"
#include "epiphany/select.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/fmgrprotos.h"

#define NUMERIC_MEMO_SIZE	64

VectorType
ColumnarVectorTypeOf(Oid type)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return VECTOR_INT64;
		case FLOAT8OID:
			return VECTOR_FLOAT8;
		case NUMERICOID:
			return VECTOR_NUMERIC;
	}
	return VECTOR_DATUM;
}

/* ColumnarDatumToInt64 - a value of an INT64 vector type as int64. */
int64
ColumnarDatumToInt64(Oid type, Datum value)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
		case DATEOID:
			return DatumGetInt32(value);
	}
	return DatumGetInt64(value);
}

/* ------------------------------------------------------------------------
 * Columns
 * ------------------------------------------------------------------------
 */

void
ColumnarVectorColumnInit(VectorColumn *column, AttrNumber attnum, Oid type, int capacity)
{
	memset(column, 0, sizeof(VectorColumn));
	column->attnum = attnum;
	column->type = type;
	column->vtype = ColumnarVectorTypeOf(type);
	column->allocated = Max(capacity, 1);
	column->ints = column->ints_space = palloc(sizeof(int64) * column->allocated);
	column->floats = palloc(sizeof(double) * column->allocated);
	column->dscales = palloc(sizeof(uint16) * column->allocated);
	column->scales = palloc(sizeof(uint16) * column->allocated);
}

/* Numeric values of the selected rows as integers at one scale. */
static bool
ConvertNumeric(VectorColumn *column, const VectorSelection *sel)
{
	int			scale = 0;
	bool		mixed = false;

	/* a chunk's dictionary values share pointers: remember the last few */
	Datum		memo_value[NUMERIC_MEMO_SIZE] = {0};
	int64		memo_int[NUMERIC_MEMO_SIZE];
	uint16		memo_scale[NUMERIC_MEMO_SIZE];
	uint16		memo_dscale[NUMERIC_MEMO_SIZE];

	column->uniform_dscale = -1;	/* each value's own: see dscales */
	for (int i = 0; i < sel->count; i++)
	{
		int			r = sel->rows[i];
		Datum		value = column->values[r];
		int			m = (int) ((value >> 3) % NUMERIC_MEMO_SIZE);
		int			row_scale;
		int			dscale;

		if (column->nulls[r])
			continue;
		if (memo_value[m] != value)
		{
			if (!EpNumericToScaled(value, &memo_int[m], &row_scale, &dscale))
				return false;
			memo_value[m] = value;
			memo_scale[m] = (uint16) row_scale;
			memo_dscale[m] = (uint16) dscale;
		}
		column->ints[r] = memo_int[m];
		column->dscales[r] = memo_dscale[m];
		column->scales[r] = row_scale = memo_scale[m];
		mixed |= (i > 0 && row_scale != scale);
		scale = Max(scale, row_scale);
	}
	for (int i = 0; mixed && i < sel->count; i++)
	{
		int			r = sel->rows[i];
		int128		wide = column->ints[r];

		if (column->nulls[r] || column->scales[r] == scale)
			continue;
		if (!EpRescale(&wide, column->scales[r], scale) ||
			wide > PG_INT64_MAX || wide < PG_INT64_MIN)
			return false;
		column->ints[r] = (int64) wide;
	}
	column->scale = scale;
	return true;
}

/* Makes the typed arrays hold "rows" rows. */
static void
ReserveRows(VectorColumn *column, int rows)
{
	int			n = Max(rows, column->allocated * 2);

	if (rows <= column->allocated)
		return;
	column->ints_space = repalloc(column->ints_space, sizeof(int64) * n);
	column->floats = repalloc(column->floats, sizeof(double) * n);
	column->dscales = repalloc(column->dscales, sizeof(uint16) * n);
	column->scales = repalloc(column->scales, sizeof(uint16) * n);
	column->allocated = n;
}

/*
 * ColumnarConvertColumn - fill the column's typed array for the selected
 * rows (indexed by row); false when a value has no exact typed form.
 */
bool
ColumnarConvertColumn(VectorColumn *column, const VectorSelection *sel)
{
	if (column->converted)
		return true;
	ReserveRows(column, sel->batch_rows);
	column->ints = column->ints_space;
	switch (column->vtype)
	{
		case VECTOR_INT64:
#ifdef USE_FLOAT8_BYVAL
			/* by-value Datums of these types are their values, sign-extended */
			column->ints = (int64 *) column->values;
#else
			for (int i = 0; i < sel->count; i++)
				column->ints[sel->rows[i]] = ColumnarDatumToInt64(column->type,
																  column->values[sel->rows[i]]);
#endif
			break;
		case VECTOR_FLOAT8:
			for (int i = 0; i < sel->count; i++)
				column->floats[sel->rows[i]] = DatumGetFloat8(column->values[sel->rows[i]]);
			break;
		case VECTOR_NUMERIC:
			if (!ConvertNumeric(column, sel))
				return false;
			break;
		case VECTOR_DATUM:
			break;
	}
	column->converted = true;
	return true;
}

/*
 * ColumnarSetScaledColumn - a NUMERIC column whose values the reader gave
 * as integers times 10^scale, each of display scale "scale"
 * (ColumnarBatchColumnScaled): converted, without Datums.
 */
void
ColumnarSetScaledColumn(VectorColumn *column, int64 *ints, bool *nulls, int scale,
						const VectorSelection *sel)
{
	Assert(column->vtype == VECTOR_NUMERIC && !column->datums_needed);
	ReserveRows(column, sel->batch_rows);
	column->values = NULL;
	column->nulls = nulls;
	column->ints = ints;
	column->scale = scale;
	column->uniform_dscale = scale;
	column->converted = true;
}

/* ------------------------------------------------------------------------
 * Filters
 * ------------------------------------------------------------------------
 */

static int
CompareInt64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * The non-NULL elements of an IN filter's array (an integer-like type) as
 * sorted distinct int64 values, in the current memory context.  NULL
 * elements match no row ("x = NULL" is not true).
 */
static void
SetInValues(VectorFilter *filter, ArrayType *array)
{
	Oid			elem_type = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			count = 0;

	get_typlenbyvalalign(elem_type, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elem_type, typlen, typbyval, typalign, &elems, &nulls, &n);
	filter->in_values = palloc(sizeof(int64) * Max(n, 1));
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			filter->in_values[count++] = ColumnarDatumToInt64(elem_type, elems[i]);
	qsort(filter->in_values, count, sizeof(int64), CompareInt64);
	filter->in_count = 0;
	for (int i = 0; i < count; i++)
		if (i == 0 || filter->in_values[i] != filter->in_values[i - 1])
			filter->in_values[filter->in_count++] = filter->in_values[i];
}

/* Whether "value" is one of sorted values[0..n). */
static inline bool
InSorted(const int64 *values, int n, int64 value)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (values[mid] < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && values[lo] == value;
}

/*
 * ColumnarSetFilterValue - give "filter" its value (of type value_type, for
 * a column of vector type "vtype"); false when a COMPARE filter cannot use
 * it exactly (a NaN decimal).
 */
bool
ColumnarSetFilterValue(VectorFilter *filter, VectorType vtype, Datum value, bool isnull)
{
	int			scale;
	int			dscale;

	filter->value_null = isnull;
	filter->value = value;
	if (!isnull && filter->kind == VECTOR_FILTER_IN)
	{
		SetInValues(filter, DatumGetArrayTypeP(value));
		return true;
	}
	if (isnull || filter->kind != VECTOR_FILTER_COMPARE)
		return true;
	switch (vtype)
	{
		case VECTOR_INT64:
			filter->value_int = ColumnarDatumToInt64(filter->value_type, value);
			return true;
		case VECTOR_FLOAT8:
			filter->value_float = DatumGetFloat8(value);
			return true;
		case VECTOR_NUMERIC:
			if (!EpNumericToScaled(value, &filter->value_int, &scale, &dscale))
				return false;
			filter->value_scale = scale;
			return true;
		case VECTOR_DATUM:
			break;
	}
	return false;
}

/* Whether a comparison result "cmp" (<0, 0, >0) satisfies "strategy". */
static inline bool
StrategyHolds(StrategyNumber strategy, int cmp)
{
	switch (strategy)
	{
		case BTLessStrategyNumber:
			return cmp < 0;
		case BTLessEqualStrategyNumber:
			return cmp <= 0;
		case BTEqualStrategyNumber:
			return cmp == 0;
		case BTGreaterEqualStrategyNumber:
			return cmp >= 0;
		case BTGreaterStrategyNumber:
			return cmp > 0;
	}
	return cmp != 0;			/* "<>" */
}

/* float8's order: NaN equals NaN and sorts above every other value. */
static inline int
CompareFloat8(double a, double b)
{
	if (isnan(a))
		return isnan(b) ? 0 : 1;
	if (isnan(b))
		return -1;
	return a < b ? -1 : (a > b ? 1 : 0);
}

/*
 * Keeps the selected rows "r" for which "keep" holds, without a branch per
 * row; "keep" must read its arrays through local pointers (PostgreSQL
 * builds without strict aliasing: stores to the selection would make the
 * compiler read the column's fields again for every row).
 */
#define FILTER_ROWS(sel, keep) \
	do { \
		const int32 *rows_ = (sel)->rows; \
		int32	   *kept_rows_ = (sel)->space; \
		int			count_ = (sel)->count; \
		int			kept_ = 0; \
		if (count_ == (sel)->batch_rows) \
		{ \
			/* every row: the selection is 0, 1, ... */ \
			for (int r = 0; r < count_; r++) \
			{ \
				kept_rows_[kept_] = r; \
				kept_ += (keep) ? 1 : 0; \
			} \
		} \
		else \
		{ \
			for (int i_ = 0; i_ < count_; i_++) \
			{ \
				int			r = rows_[i_]; \
				kept_rows_[kept_] = r; \
				kept_ += (keep) ? 1 : 0; \
			} \
		} \
		(sel)->rows = kept_rows_; \
		(sel)->count = kept_; \
	} while (0)

/* floor(a / b) and ceil(a / b) for b > 0. */
static inline int128
FloorDiv(int128 a, int128 b)
{
	return a / b - (a % b != 0 && a < 0 ? 1 : 0);
}

static inline int128
CeilDiv(int128 a, int128 b)
{
	return a / b + (a % b != 0 && a > 0 ? 1 : 0);
}

/*
 * The integers x with "x strategy value * 10^shift" as [*lo, *hi] (for
 * "<>", x != *lo unless *lo > *hi: no integer equals the value); shift may
 * be negative.  False when the scales are too far apart.
 */
static bool
IntegerRange(StrategyNumber strategy, int128 value, int shift, int128 *lo, int128 *hi)
{
	int128		floor_v;
	int128		ceil_v;

	if (shift > 19 || shift < -19)
		return false;			/* an int64 times 10^19 fits in 128 bits */
	if (shift >= 0)
		floor_v = ceil_v = value * EpPow10(shift);
	else
	{
		floor_v = FloorDiv(value, EpPow10(-shift));
		ceil_v = CeilDiv(value, EpPow10(-shift));
	}
	*lo = PG_INT64_MIN;
	*hi = PG_INT64_MAX;
	switch (strategy)
	{
		case BTLessStrategyNumber:
			*hi = ceil_v - 1;
			break;
		case BTLessEqualStrategyNumber:
			*hi = floor_v;
			break;
		case BTEqualStrategyNumber:
		case 0:					/* "<>": the one value to leave out */
			*lo = ceil_v;
			*hi = floor_v;
			break;
		case BTGreaterEqualStrategyNumber:
			*lo = ceil_v;
			break;
		case BTGreaterStrategyNumber:
			*lo = floor_v + 1;
			break;
	}
	return true;
}

/* Whether "f" may be one bound of a range (ColumnarPairRangeFilters). */
static bool
RangeBound(const VectorFilter *f, const VectorColumn *columns)
{
	VectorType	vtype = columns[f->column].vtype;

	return f->kind == VECTOR_FILTER_COMPARE && f->strategy != 0 && !f->absorbed &&
		f->also == NULL && (vtype == VECTOR_INT64 || vtype == VECTOR_NUMERIC);
}

/*
 * ColumnarPairRangeFilters - pair each COMPARE filter on an integer or
 * decimal column with the next one on the same column, so that a batch is
 * filtered once by the range both allow (the first filter of a batch by the
 * selection kernel) instead of twice.
 */
void
ColumnarPairRangeFilters(VectorFilter *filters, int nfilters, const VectorColumn *columns)
{
	for (int i = 0; i < nfilters; i++)
	{
		if (!RangeBound(&filters[i], columns))
			continue;
		for (int j = i + 1; j < nfilters; j++)
		{
			if (filters[j].column == filters[i].column && RangeBound(&filters[j], columns))
			{
				filters[i].also = &filters[j];
				filters[j].absorbed = true;
				break;
			}
		}
	}
}

/* [*lo, *hi] of a COMPARE filter on "c" (IntegerRange), false as it. */
static bool
FilterRange(const VectorFilter *f, const VectorColumn *c, int128 *lo, int128 *hi)
{
	int			shift = c->vtype == VECTOR_NUMERIC ? c->scale - f->value_scale : 0;

	return IntegerRange(f->strategy, f->value_int, shift, lo, hi);
}

/*
 * Comparison of 64-bit integers (integers, dates, timestamps, decimals),
 * with the filter it is paired with.
 */
static bool
FilterIntegers(VectorFilter *f, VectorColumn *c, VectorSelection *sel)
{
	int128		lo;
	int128		hi;
	int128		also_lo;
	int128		also_hi;
	int64		lo64;
	int64		hi64;
	uint64		span;
	const int64 *ints = c->ints;
	const bool *nulls = c->nulls;

	if (!FilterRange(f, c, &lo, &hi))
		return false;
	if (f->also != NULL)
	{
		if (!FilterRange(f->also, c, &also_lo, &also_hi))
			return false;
		lo = Max(lo, also_lo);
		hi = Min(hi, also_hi);
	}
	if (f->strategy == 0)
	{
		if (lo > hi)
			FILTER_ROWS(sel, !nulls[r]);	/* the value is no integer */
		else
		{
			lo64 = (int64) lo;
			FILTER_ROWS(sel, !nulls[r] & (ints[r] != lo64));
		}
		return true;
	}
	if (lo > hi || lo > PG_INT64_MAX || hi < PG_INT64_MIN)
	{
		sel->count = 0;
		return true;
	}
	lo64 = (int64) Max(lo, (int128) PG_INT64_MIN);
	hi64 = (int64) Min(hi, (int128) PG_INT64_MAX);
	/* lo64 <= v <= hi64 as one unsigned comparison of v - lo64 */
	span = (uint64) hi64 - (uint64) lo64;
	if (sel->count == sel->batch_rows)
	{
		/* every row: the selection kernel (SIMD where the CPU has it) */
		sel->count = EpSelectRange(ints, nulls, sel->count, lo64, span, sel->space);
		sel->rows = sel->space;
		return true;
	}
	FILTER_ROWS(sel, !nulls[r] & ((uint64) ints[r] - (uint64) lo64 <= span));
	return true;
}

/*
 * ColumnarApplyFilter - drop from "sel" the rows of "column" that fail
 * "filter"; false when the column's values have no exact typed form.
 */
bool
ColumnarApplyFilter(VectorFilter *f, VectorColumn *c, VectorSelection *sel)
{
	const bool *nulls = c->nulls;

	if (f->kind == VECTOR_FILTER_IS_NULL)
	{
		FILTER_ROWS(sel, nulls[r]);
		return true;
	}
	if (f->kind == VECTOR_FILTER_IS_NOT_NULL)
	{
		FILTER_ROWS(sel, !nulls[r]);
		return true;
	}
	if (f->value_null || (f->also != NULL && f->also->value_null))
	{
		sel->count = 0;			/* strict: NULL passes nothing */
		return true;
	}
	if (f->kind == VECTOR_FILTER_OPERATOR)
	{
		FILTER_ROWS(sel, !nulls[r] &&
					DatumGetBool(f->value_left ?
								 FunctionCall2Coll(&f->operator_fn, f->collation, f->value, c->values[r]) :
								 FunctionCall2Coll(&f->operator_fn, f->collation, c->values[r], f->value)));
		return true;
	}
	if (!ColumnarConvertColumn(c, sel))
		return false;
	if (f->kind == VECTOR_FILTER_IN)
	{
		const int64 *ints = c->ints;
		const int64 *in_values = f->in_values;
		int			in_count = f->in_count;

		FILTER_ROWS(sel, !nulls[r] && InSorted(in_values, in_count, ints[r]));
		return true;
	}
	if (c->vtype == VECTOR_FLOAT8)
	{
		const double *floats = c->floats;

		FILTER_ROWS(sel, !nulls[r] &&
					StrategyHolds(f->strategy, CompareFloat8(floats[r], f->value_float)));
		return true;
	}
	return c->vtype != VECTOR_DATUM && FilterIntegers(f, c, sel);
}

/* ------------------------------------------------------------------------
 * Decimal arithmetic
 * ------------------------------------------------------------------------
 */

/* Makes room for the expression's results. */
static void
ExprReserve(VectorExpr *expr, int rows)
{
	if (rows <= expr->allocated)
		return;
	if (expr->allocated == 0)
	{
		expr->values = palloc(sizeof(int128) * rows);
		expr->dscales = palloc(sizeof(uint16) * rows);
		expr->allocated = rows;
		return;
	}
	expr->values = repalloc(expr->values, sizeof(int128) * rows);
	expr->dscales = repalloc(expr->dscales, sizeof(uint16) * rows);
	expr->allocated = rows;
}

/*
 * ColumnarExprRescale - bring the results of "expr" for the selected rows to
 * "scale", no smaller than theirs; false on overflow.
 */
bool
ColumnarExprRescale(VectorExpr *expr, const VectorSelection *sel, int scale)
{
	int128		factor;

	if (scale == expr->scale)
		return true;
	if (scale - expr->scale > MAX_DECIMAL_DIGITS)
		return false;
	factor = EpPow10(scale - expr->scale);
	expr->scale = scale;
	if (expr->is_scalar)
		return !__builtin_mul_overflow(expr->scalar, factor, &expr->scalar);
	expr->fits_int64 = false;
	for (int i = 0; i < sel->count; i++)
	{
		int			r = sel->rows[i];

		if (__builtin_mul_overflow(expr->values[r], factor, &expr->values[r]))
			return false;
	}
	return true;
}

/* The value and display scale of operand "e" at row "row". */
static inline int128
OperandValue(const VectorExpr *e, int row)
{
	return e->is_scalar ? e->scalar : e->values[row];
}

static inline uint16
OperandDscale(const VectorExpr *e, int row)
{
	return e->uniform_dscale >= 0 ? (uint16) e->uniform_dscale : e->dscales[row];
}

/* Whether every value of operand "e" is within int64. */
static inline bool
OperandFitsInt64(const VectorExpr *e)
{
	if (e->is_scalar)
		return e->scalar >= PG_INT64_MIN && e->scalar <= PG_INT64_MAX;
	return e->fits_int64;
}

/* a + b, a - b or a * b by "kind"; false on overflow. */
static inline bool
Arithmetic(VectorExprKind kind, int128 a, int128 b, int128 *result)
{
	if (kind == VECTOR_EXPR_MUL)
		return !__builtin_mul_overflow(a, b, result);
	if (kind == VECTOR_EXPR_ADD)
		return !__builtin_add_overflow(a, b, result);
	return !__builtin_sub_overflow(a, b, result);
}

/* + - * of two evaluated operands (a constant is a scalar). */
static bool
EvalBinary(VectorExpr *expr, const VectorSelection *sel)
{
	VectorExpr *l = expr->left;
	VectorExpr *r = expr->right;
	bool		mul = expr->kind == VECTOR_EXPR_MUL;

	if (mul)
	{
		if (l->scale + r->scale > MAX_DECIMAL_DIGITS)
			return false;
		expr->scale = l->scale + r->scale;
	}
	else
	{
		expr->scale = Max(l->scale, r->scale);
		if (!ColumnarExprRescale(l, sel, expr->scale) || !ColumnarExprRescale(r, sel, expr->scale))
			return false;
	}
	expr->is_scalar = l->is_scalar && r->is_scalar;
	if (expr->is_scalar)
	{
		expr->scalar_dscale = mul ? l->scalar_dscale + r->scalar_dscale :
			Max(l->scalar_dscale, r->scalar_dscale);
		expr->uniform_dscale = expr->scalar_dscale;
		return Arithmetic(expr->kind, l->scalar, r->scalar, &expr->scalar);
	}
	if (OperandFitsInt64(l) && OperandFitsInt64(r))
	{
		/* 64-bit operands: no sum, difference or product leaves 128 bits */
		for (int i = 0; i < sel->count; i++)
		{
			int			row = sel->rows[i];
			int128		a = OperandValue(l, row);
			int128		b = OperandValue(r, row);

			expr->values[row] = mul ? a * b : expr->kind == VECTOR_EXPR_ADD ? a + b : a - b;
		}
	}
	else
	{
		for (int i = 0; i < sel->count; i++)
		{
			int			row = sel->rows[i];

			if (!Arithmetic(expr->kind, OperandValue(l, row), OperandValue(r, row),
							&expr->values[row]))
				return false;
		}
	}
	expr->fits_int64 = false;
	if (l->uniform_dscale >= 0 && r->uniform_dscale >= 0)
	{
		expr->uniform_dscale = mul ? l->uniform_dscale + r->uniform_dscale :
			Max(l->uniform_dscale, r->uniform_dscale);
		return true;
	}
	expr->uniform_dscale = -1;
	for (int i = 0; i < sel->count; i++)
	{
		int			row = sel->rows[i];
		uint16		ld = OperandDscale(l, row);
		uint16		rd = OperandDscale(r, row);

		expr->dscales[row] = mul ? ld + rd : Max(ld, rd);
	}
	return true;
}

static bool EvalExpr(VectorExpr *expr, VectorColumn *columns, const VectorSelection *sel);

/*
 * ColumnarEvalExpr - evaluate "expr" for the selected rows, none of whose
 * columns is NULL; false when a value or a result has no exact form.  An
 * expression with a column yields an array (a constant alone: a scalar).
 */
bool
ColumnarEvalExpr(VectorExpr *expr, VectorColumn *columns, const VectorSelection *sel)
{
	bool		done;

	if (sel->id != 0 && expr->evaluated_on == sel->id)
		return true;			/* shared, and evaluated on these rows */
	expr->evaluated_on = 0;
	ExprReserve(expr, sel->batch_rows);
	done = EvalExpr(expr, columns, sel);
	expr->evaluated_on = done ? sel->id : 0;
	return done;
}

/* ColumnarEvalExpr's work, for each node. */
static bool
EvalExpr(VectorExpr *expr, VectorColumn *columns, const VectorSelection *sel)
{
	switch (expr->kind)
	{
		case VECTOR_EXPR_COLUMN:
			{
				VectorColumn *c = &columns[expr->column];
				bool		decimal = c->vtype == VECTOR_NUMERIC;

				if (!ColumnarConvertColumn(c, sel))
					return false;
				expr->is_scalar = false;
				expr->fits_int64 = true;
				expr->uniform_dscale = decimal ? c->uniform_dscale : 0;
				for (int i = 0; i < sel->count; i++)
					expr->values[sel->rows[i]] = c->ints[sel->rows[i]];
				for (int i = 0; expr->uniform_dscale < 0 && i < sel->count; i++)
					expr->dscales[sel->rows[i]] = c->dscales[sel->rows[i]];
				expr->scale = decimal ? c->scale : 0;
				return true;
			}
		case VECTOR_EXPR_CONST:
			expr->is_scalar = true;
			expr->scalar = expr->const_value;
			expr->scalar_dscale = (uint16) expr->const_dscale;
			expr->uniform_dscale = expr->const_dscale;
			expr->scale = expr->const_scale;
			return true;
		default:
			return ColumnarEvalExpr(expr->left, columns, sel) &&
				ColumnarEvalExpr(expr->right, columns, sel) &&
				EvalBinary(expr, sel);
	}
}
