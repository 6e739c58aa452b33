/*-------------------------------------------------------------------------
 *
 * columnar_aggregate.h
 *	  What the three files of ColumnarAggregate share: the compiled form of
 *	  its quals and aggregates (columnar_aggregate_plan.c compiles them, at
 *	  planning and again when the node starts), the group table and the
 *	  node's state (columnar_aggregate.c), which the parallel workers and
 *	  the leader's merge (columnar_aggregate_parallel.c) use too.
 *
 *	  Included only by those files.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_aggregate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_COLUMNAR_AGGREGATE_H
#define EPIPHANY_COLUMNAR_AGGREGATE_H

#include "access/tableam.h"
#include "columnar.h"
#include "columnar_vector.h"
#include "nodes/execnodes.h"
#include "nodes/extensible.h"
#include "storage/dsm.h"
#include "storage/shm_toc.h"

#define MAX_GROUP_KEYS			2
#define POINTER_MEMO_SIZE		256

/* What an aggregate computes. */
typedef enum AggregateKind
{
	AGGREGATE_COUNT_ROWS,		/* count(*) */
	AGGREGATE_COUNT,			/* count(column) */
	AGGREGATE_SUM,				/* sum() of a decimal expression or an integer */
	AGGREGATE_AVG,				/* avg() of the same */
	AGGREGATE_SUM_FLOAT,		/* sum(float8 column) */
	AGGREGATE_AVG_FLOAT,		/* avg(float8 column) */
	AGGREGATE_MIN,
	AGGREGATE_MAX
} AggregateKind;

/* The columns of the table the node reads, while compiling. */
typedef struct ColumnList
{
	Index		relid;
	List	   *attnums;		/* IntList */
	List	   *types;			/* OidList */
	List	   *exprs;			/* expressions compiled so far ... */
	List	   *compiled;		/* ... and their VectorExprs, shared */
} ColumnList;

/* One aggregate, compiled. */
typedef struct VectorAggregate
{
	AggregateKind kind;
	Oid			result_type;
	int			column;			/* COUNT, MIN, MAX, *_FLOAT: the column */
	VectorExpr *expr;			/* SUM, AVG */
	int			scale;			/* SUM, AVG: of the groups' sums */
	FmgrInfo	compare;		/* MIN, MAX on non-integer types */
	Oid			collation;
	bool		byval;
	int16		typlen;
} VectorAggregate;

/* Positions in CustomScan.custom_private. */
enum
{
	PRIVATE_ATTNUMS,			/* IntList: the columns read, by index */
	PRIVATE_KEYS,				/* IntList: indexes of the grouping columns */
	PRIVATE_QUALS,				/* the quals (values in custom_exprs) */
	PRIVATE_AGGREGATES,			/* the Aggrefs, in custom_scan_tlist order */
	PRIVATE_CHUNK_FILTERS,		/* ColumnarPlanChunkFilters' lists; their
								 * values follow the quals' in custom_exprs */
	PRIVATE_WORKERS,			/* IntList: the parallel workers to launch */
	PRIVATE_CHUNK_OF_QUAL		/* IntList: each qual's chunk filter, or -1 */
};

/* An open-addressing table from 64-bit keys to ids (1 and up). */
typedef struct IdTable
{
	uint64	   *keys;
	uint32	   *hashes;
	uint32	   *ids;			/* 0: free slot */
	uint32		mask;
	uint32		count;
} IdTable;

static inline uint32
ColumnarMix64(uint64 x)
{
	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64CONST(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (uint32) x;
}

extern void ColumnarIdTableGrow(IdTable *t);

/*
 * The id of "key" whose hash is "hash"; *is_new when it was added with the
 * next id.  "equal" decides, for keys of equal hash, whether they stand
 * for equal values (NULL: only equal keys do).
 */
static inline uint32
ColumnarIdTableLookup(IdTable *t, uint64 key, uint32 hash, bool *is_new,
			  bool (*equal) (void *arg, uint64 a, uint64 b), void *arg)
{
	uint32		slot = hash & t->mask;
	uint32		id;

	for (;;)
	{
		id = t->ids[slot];
		if (id == 0)
			break;
		if (t->hashes[slot] == hash &&
			(t->keys[slot] == key || (equal != NULL && equal(arg, t->keys[slot], key))))
		{
			*is_new = false;
			return id;
		}
		slot = (slot + 1) & t->mask;
	}
	*is_new = true;
	t->keys[slot] = key;
	t->hashes[slot] = hash;
	t->ids[slot] = id = ++t->count;
	if (t->count * 2 > t->mask)
		ColumnarIdTableGrow(t);
	return id;
}

/*
 * The distinct values of one grouping column.  Integer-like values are
 * their own keys; others are keyed by their index in "values", with the
 * type's hash and equality (a chunk's dictionary values share pointers,
 * which a small memo maps straight to ids).
 */
typedef struct KeyColumn
{
	int			column;
	bool		by_image;		/* INT64 vector type */
	bool		byval;
	int16		typlen;
	Oid			collation;
	FmgrInfo	hash;
	FmgrInfo	equal;
	IdTable		table;			/* generic: key = id itself, hashed */
	Datum	   *values;			/* [id - 1], copied */
	int			allocated;
	Datum		memo_pointer[POINTER_MEMO_SIZE];
	uint32		memo_id[POINTER_MEMO_SIZE];
} KeyColumn;

/* One group's state for one aggregate. */
typedef struct Accumulator
{
	int64		count;
	int128		sum;			/* SUM, AVG: scaled by the aggregate's scale */
	double		float_sum;
	int64		extreme_int;	/* MIN, MAX of INT64 columns */
	Datum		extreme;		/* MIN, MAX */
	uint16		dscale;			/* SUM, AVG: largest display scale */
	bool		found;			/* MIN, MAX */
} Accumulator;

typedef struct AggregateState
{
	CustomScanState css;
	MemoryContext context;		/* groups, keys, copied values */
	MemoryContext batch_context;	/* reset per batch */
	int			ncolumns;
	VectorColumn *columns;
	Bitmapset  *columns_read;	/* their attnums, as ColumnarScanConfigure
								 * takes them (NULL: none, so all) */
	bool	   *column_loaded;
	bool	   *column_used;	/* scratch: the columns of one aggregate */
	int			nfilters;
	VectorFilter *filters;
	List	   *filter_values;	/* ExprStates */
	int			naggs;
	VectorAggregate *aggs;
	int			nkeys;
	KeyColumn	keys[MAX_GROUP_KEYS];
	IdTable		groups;			/* combined key ids -> group number + 1 */
	uint64	   *group_keys;		/* [group]: combined key ids */
	int			ngroups;
	int			groups_allocated;
	Accumulator *accumulators;	/* [group * naggs + agg] */
	uint32	   *row_groups;		/* [row]: group of each selected row */
	VectorSelection sel;
	int32	   *identity;		/* 0, 1, ...: a batch's rows when none is
								 * deleted */
	int32	   *agg_rows;		/* a selection for one aggregate */
	int			rows_allocated;
	uint64		selections;		/* ids given to batch selections */
	/* reading */
	int			workers;		/* parallel workers planned */
	int			workers_launched;
	ColumnarChunkFilterSet chunk_filters;	/* min/max skipping */
	int		   *filter_chunk;	/* [vector filter]: its chunk filter, or -1 */
	bool	   *filter_passes;	/* scratch: the batch passes [vector filter] whole */
	int64		batches_unfiltered; /* batches every filter passed whole */
	int64		chunks_skipped;
	ColumnarReadState *reader;
	ColumnarBatch batch;
	TupleTableSlot *delta_slot;
	/* results */
	bool		computed;
	int			next_group;
	bool		fallback;
	PlanState  *fallback_plan;
	int64		batches;
} AggregateState;

/* columnar_aggregate_plan.c */
extern bool ColumnarAggCompileFilter(Expr *clause, ColumnList *columns, VectorFilter *filter,
									 Node **value);
extern bool ColumnarAggCompileAggregate(Aggref *agg, ColumnList *columns, VectorAggregate *va);
extern void ColumnarAggInstallPlanner(void);

/* columnar_aggregate.c */
extern const CustomScanMethods ColumnarAggregateScanMethods;
extern void ColumnarIdTableInit(IdTable *t, uint32 size);
extern uint32 ColumnarAggGenericKeyId(KeyColumn *k, Datum value);
extern void ColumnarAggKeyStoreValue(KeyColumn *k, uint32 id, Datum value);
extern uint32 ColumnarAggAddGroup(AggregateState *state, uint64 key);
extern bool ColumnarAggRescaleSums(AggregateState *state, int a, int scale);
extern void ColumnarAggConsiderExtreme(AggregateState *state, int a, Accumulator *acc,
									   Datum value, int64 value_int);
extern void ColumnarAggSetupState(AggregateState *state, List *private, List *exprs,
								  PlanState *parent, MemoryContext context);
extern void ColumnarAggResetGroups(AggregateState *state);
extern void ColumnarAggSetChunkFilterValues(AggregateState *state);
extern bool ColumnarAggRunScan(AggregateState *state, TableScanDesc scan);

/* columnar_aggregate_parallel.c */
extern bool ColumnarAggComputeInParallel(AggregateState *state);
extern PGDLLEXPORT void ep_columnar_aggregate_worker(dsm_segment *seg, shm_toc *toc);

#endif							/* EPIPHANY_COLUMNAR_AGGREGATE_H */
