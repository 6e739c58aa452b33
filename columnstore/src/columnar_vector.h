/*-------------------------------------------------------------------------
 *
 * columnar_vector.h
 *	  The vector layer of the column store: a batch's columns as typed
 *	  arrays (64-bit integers, doubles, decimals as scaled integers),
 *	  filters evaluated on them into a selection of rows, and arithmetic
 *	  evaluated on them.  The aggregation node (columnar_aggregate.c) is
 *	  built on it; a vectorized executor will be too.
 *
 *	  Everything here either computes exactly what PostgreSQL's operators
 *	  would, or reports that it cannot (a value out of range, NaN, an
 *	  overflow), never an approximation: the caller then falls back to
 *	  PostgreSQL's own evaluation.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_vector.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_COLUMNAR_VECTOR_H
#define EPIPHANY_COLUMNAR_VECTOR_H

#include "access/attnum.h"
#include "epiphany/decimal.h"
#include "fmgr.h"
#include "nodes/primnodes.h"


/* How a column's values are held in a vector. */
typedef enum VectorType
{
	VECTOR_INT64,				/* int2, int4, int8, date, timestamp(tz): the
								 * value as int64, ordered and equal as it */
	VECTOR_FLOAT8,				/* float8 */
	VECTOR_NUMERIC,				/* numeric: scaled integers */
	VECTOR_DATUM				/* anything else: the Datums only */
} VectorType;

extern VectorType ColumnarVectorTypeOf(Oid type);
extern int64 ColumnarDatumToInt64(Oid type, Datum value);

/*
 * One column of a batch.  "values" and "nulls" are the batch's; the typed
 * array is filled for the selected rows by ColumnarConvertColumn.
 */
typedef struct VectorColumn
{
	AttrNumber	attnum;
	Oid			type;
	VectorType	vtype;
	Datum	   *values;			/* [row] */
	bool	   *nulls;			/* [row] */
	bool		converted;		/* typed arrays hold the selected rows */
	bool		datums_needed;	/* something reads "values", not only "ints" */
	int			has_nulls;		/* among the selected rows: -1 unknown, 0, 1 */
	int			allocated;		/* room in the typed arrays */
	int64	   *ints;			/* INT64: value; NUMERIC: value * 10^scale;
								 * points to ints_space, "values" or the
								 * reader's integers */
	int64	   *ints_space;
	double	   *floats;			/* FLOAT8 */
	uint16	   *dscales;		/* NUMERIC: each value's display scale */
	int			uniform_dscale; /* NUMERIC: every value's, or -1: see dscales */
	uint16	   *scales;			/* NUMERIC: scratch, each value's own scale */
	int			scale;			/* NUMERIC: of "ints" */
} VectorColumn;

/* A selection: the rows of a batch still in play, ascending. */
typedef struct VectorSelection
{
	int32	   *rows;			/* may be a shared array of 0, 1, ... */
	int32	   *space;			/* where filters write the rows they keep */
	int			count;
	int			batch_rows;		/* rows in the batch */
	uint64		id;				/* non-zero: expressions evaluated on this
								 * selection keep their results for it */
} VectorSelection;

extern void ColumnarVectorColumnInit(VectorColumn *column, AttrNumber attnum, Oid type,
									 int capacity);
extern bool ColumnarConvertColumn(VectorColumn *column, const VectorSelection *sel);
extern void ColumnarSetScaledColumn(VectorColumn *column, int64 *ints, bool *nulls, int scale,
									const VectorSelection *sel);

/* A filter "column op value" or "column IS [NOT] NULL" on a batch. */
typedef enum VectorFilterKind
{
	VECTOR_FILTER_IS_NULL,
	VECTOR_FILTER_IS_NOT_NULL,
	VECTOR_FILTER_COMPARE,		/* by the column type's natural order */
	VECTOR_FILTER_IN,			/* "column = ANY (array)", integer-like columns */
	VECTOR_FILTER_OPERATOR		/* any strict boolean operator, per row */
} VectorFilterKind;

typedef struct VectorFilter
{
	VectorFilterKind kind;
	int			qual;			/* the qual it came from, by position */
	int			column;			/* index into the node's columns */
	Node	   *value_node;		/* the value side */
	struct ExprState *value_state;	/* ... to evaluate when the scan starts */
	Oid			value_type;
	bool		value_left;		/* OPERATOR: "value op column" */
	StrategyNumber strategy;	/* COMPARE: btree strategy, or 0 for "<>" */
	FmgrInfo	operator_fn;	/* OPERATOR */
	Oid			collation;
	/* the value, set by ColumnarSetFilterValue */
	bool		value_null;
	Datum		value;
	int64		value_int;		/* COMPARE on INT64 and NUMERIC */
	int			value_scale;	/* COMPARE on NUMERIC */
	double		value_float;	/* COMPARE on FLOAT8 */
	int64	   *in_values;		/* IN: the array's non-NULL values, sorted,
								 * distinct */
	int			in_count;

	/*
	 * COMPARE bounds on one integer or decimal column ("x >= a AND x < b")
	 * run as one range: the first filter's "also" is the second, which is
	 * "absorbed" and not applied alone (ColumnarPairRangeFilters).
	 */
	struct VectorFilter *also;
	bool		absorbed;
} VectorFilter;

extern bool ColumnarSetFilterValue(VectorFilter *filter, VectorType vtype, Datum value,
								   bool isnull);
extern bool ColumnarApplyFilter(VectorFilter *filter, VectorColumn *column,
								VectorSelection *sel);
extern void ColumnarPairRangeFilters(VectorFilter *filters, int nfilters,
									 const VectorColumn *columns);

/*
 * Arithmetic on decimals: a tree of columns, constants and + - * as
 * PostgreSQL's numeric operators compute them, exactly, in 128-bit scaled
 * integers.  Integer columns enter through their casts to numeric.
 */
typedef enum VectorExprKind
{
	VECTOR_EXPR_COLUMN,
	VECTOR_EXPR_CONST,
	VECTOR_EXPR_ADD,
	VECTOR_EXPR_SUB,
	VECTOR_EXPR_MUL
} VectorExprKind;

typedef struct VectorExpr
{
	VectorExprKind kind;
	int			column;			/* COLUMN: index into the node's columns */
	int128		const_value;	/* CONST: scaled by const_scale */
	int			const_scale;
	int			const_dscale;	/* its display scale */
	struct VectorExpr *left;
	struct VectorExpr *right;
	/* results for the selected rows, or one value for all of them */
	int128	   *values;
	uint16	   *dscales;
	int			uniform_dscale; /* every row's display scale, or -1: dscales */
	bool		fits_int64;		/* every value within int64: + - * cannot
								 * overflow 128 bits */
	int			scale;
	int			allocated;
	uint64		evaluated_on;	/* the selection id of the results, or 0 */
	bool		is_scalar;		/* "scalar" stands for every row */
	int128		scalar;
	uint16		scalar_dscale;
} VectorExpr;

extern bool ColumnarExprRescale(VectorExpr *expr, const VectorSelection *sel, int scale);
extern bool ColumnarEvalExpr(VectorExpr *expr, VectorColumn *columns,
							 const VectorSelection *sel);

#endif							/* EPIPHANY_COLUMNAR_VECTOR_H */
