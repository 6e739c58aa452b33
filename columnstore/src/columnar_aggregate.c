/*-------------------------------------------------------------------------
 *
 * columnar_aggregate.c
 *	  ColumnarAggregate, a custom scan that aggregates a columnar table a
 *	  chunk of rows at a time: it decodes a column only when a filter or an
 *	  aggregate needs it, applies the WHERE quals to typed arrays (the
 *	  cheapest first, each on the rows the previous ones kept), groups the
 *	  surviving rows by up to two columns through hash tables of key ids,
 *	  and accumulates count, sum, avg, min and max without forming a tuple
 *	  per row.  Sums and averages of decimals are exact, in scaled 128-bit
 *	  integers (columnar_vector.c).  The delta store's rows are gathered into
 *	  batches of the same form.
 *
 *	  Guarantees: planned only for an aggregation over one columnar table
 *	  whose quals, grouping keys and aggregates it computes exactly as
 *	  PostgreSQL would (see the checks below), competing with the plain
 *	  plan on cost.  That plan stays its child: whenever a value has no
 *	  exact vector form (a NaN, an overflow of 38 digits, a float beyond
 *	  1e150) or the groups outgrow hash_mem, the node drops what it
 *	  computed and returns the child's rows instead, so an answer never
 *	  depends on the path taken.  Float sums add in storage order, as a
 *	  serial plain scan would.  Parallel workers: columnar_aggregate_parallel.c.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_aggregate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "access/nbtree.h"
#include "access/parallel.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "columnar_aggregate.h"
#include "commands/explain.h"
#include "epiphany/select.h"
#include "executor/executor.h"
#include "executor/nodeHash.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#define DELTA_BATCH_ROWS		1024
#define FLOAT_LIMIT				1e150	/* beyond: PostgreSQL's overflow checks apply */

static Node *CreateAggregateState(CustomScan *cscan);
static void BeginAggregate(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ExecAggregate(CustomScanState *node);
static void EndAggregate(CustomScanState *node);
static void ReScanAggregate(CustomScanState *node);
static void ExplainAggregate(CustomScanState *node, List *ancestors, ExplainState *es);


const CustomScanMethods ColumnarAggregateScanMethods = {
	.CustomName = "ColumnarAggregate",
	.CreateCustomScanState = CreateAggregateState,
};

static const CustomExecMethods AggregateExecMethods = {
	.CustomName = "ColumnarAggregate",
	.BeginCustomScan = BeginAggregate,
	.ExecCustomScan = ExecAggregate,
	.EndCustomScan = EndAggregate,
	.ReScanCustomScan = ReScanAggregate,
	.ExplainCustomScan = ExplainAggregate,
};

/* ------------------------------------------------------------------------
 * Grouping: key ids, then group ids
 * ------------------------------------------------------------------------
 */

void
ColumnarIdTableInit(IdTable *t, uint32 size)
{
	t->mask = size - 1;
	t->count = 0;
	t->keys = palloc(sizeof(uint64) * size);
	t->hashes = palloc(sizeof(uint32) * size);
	t->ids = palloc0(sizeof(uint32) * size);
}

/* Doubles the table, in the current memory context. */
void
ColumnarIdTableGrow(IdTable *t)
{
	IdTable		old = *t;

	ColumnarIdTableInit(t, (old.mask + 1) * 2);
	t->count = old.count;
	for (uint32 i = 0; i <= old.mask; i++)
	{
		uint32		slot;

		if (old.ids[i] == 0)
			continue;
		slot = old.hashes[i] & t->mask;
		while (t->ids[slot] != 0)
			slot = (slot + 1) & t->mask;
		t->keys[slot] = old.keys[i];
		t->hashes[slot] = old.hashes[i];
		t->ids[slot] = old.ids[i];
	}
	pfree(old.keys);
	pfree(old.hashes);
	pfree(old.ids);
}

/* Equality of two generic keys (indexes into "values", 1-based ids). */
static bool
KeyValuesEqual(void *arg, uint64 a, uint64 b)
{
	KeyColumn  *k = (KeyColumn *) arg;

	return DatumGetBool(FunctionCall2Coll(&k->equal, k->collation, k->values[a - 1],
										  k->values[b - 1]));
}

/*
 * The id of value "value" of a generic key column, added (copied into the
 * current memory context) if new.
 */
uint32
ColumnarAggGenericKeyId(KeyColumn *k, Datum value)
{
	uint32		hash = DatumGetUInt32(FunctionCall1Coll(&k->hash, k->collation, value));
	uint64		candidate = k->table.count + 1;
	bool		is_new;
	uint32		id;

	/* the candidate's value must be in place for the equality test */
	ColumnarAggKeyStoreValue(k, (uint32) candidate, value);
	id = ColumnarIdTableLookup(&k->table, candidate, hash, &is_new, KeyValuesEqual, k);
	if (is_new)
		k->values[id - 1] = datumCopy(value, k->byval, k->typlen);
	return id;
}

/* ------------------------------------------------------------------------
 * Executor
 * ------------------------------------------------------------------------
 */

static Node *
CreateAggregateState(CustomScan *cscan)
{
	AggregateState *state = palloc0(sizeof(AggregateState));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &AggregateExecMethods;
	return (Node *) state;
}

/* Empties key column "k" (its column set), in the current context. */
static void
InitKeyColumn(AggregateState *state, KeyColumn *k)
{
	VectorColumn *c = &state->columns[k->column];
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(state->css.ss.ss_currentRelation),
										  c->attnum - 1);
	TypeCacheEntry *typentry = lookup_type_cache(c->type, TYPECACHE_EQ_OPR_FINFO |
												 TYPECACHE_HASH_PROC_FINFO);

	k->by_image = c->vtype == VECTOR_INT64;
	k->byval = att->attbyval;
	k->typlen = att->attlen;
	k->collation = att->attcollation;
	if (!k->by_image)
	{
		fmgr_info_copy(&k->hash, &typentry->hash_proc_finfo, CurrentMemoryContext);
		fmgr_info_copy(&k->equal, &typentry->eq_opr_finfo, CurrentMemoryContext);
	}
	ColumnarIdTableInit(&k->table, 64);
	k->allocated = 64;
	k->values = palloc(sizeof(Datum) * k->allocated);
}

/*
 * Marks the columns whose Datums are read: grouping keys, min/max, and
 * operators called per row; the others need only typed arrays.
 */
static void
MarkDatumsNeeded(AggregateState *state)
{
	for (int k = 0; k < state->nkeys; k++)
		state->columns[state->keys[k].column].datums_needed = true;
	for (int a = 0; a < state->naggs; a++)
		if (state->aggs[a].kind == AGGREGATE_MIN || state->aggs[a].kind == AGGREGATE_MAX)
			state->columns[state->aggs[a].column].datums_needed = true;
	for (int f = 0; f < state->nfilters; f++)
		if (state->filters[f].kind == VECTOR_FILTER_OPERATOR)
			state->columns[state->filters[f].column].datums_needed = true;
}

/* Compiles the plan's quals, aggregates and keys into the node's state. */
static void
CompileState(AggregateState *state, List *private)
{
	Relation	rel = state->css.ss.ss_currentRelation;
	ColumnList	columns = {.relid = 0};
	ListCell   *lc;
	int			i = 0;

	/* the columns in the planner's order, so that indexes match */
	foreach(lc, (List *) linitial(private))
	{
		columns.attnums = lappend_int(columns.attnums, lfirst_int(lc));
		columns.types = lappend_oid(columns.types,
									TupleDescAttr(RelationGetDescr(rel), lfirst_int(lc) - 1)->atttypid);
	}
	state->nfilters = list_length((List *) list_nth(private, PRIVATE_QUALS));
	state->filters = palloc0(sizeof(VectorFilter) * Max(1, state->nfilters));
	foreach(lc, (List *) list_nth(private, PRIVATE_QUALS))
	{
		VectorFilter *f = &state->filters[i++];
		Node	   *value;

		if (!ColumnarAggCompileFilter(lfirst(lc), &columns, f, &value))
			elog(ERROR, "columnar aggregate qual does not compile");
		f->value_node = value;
		f->qual = i - 1;
		if (f->kind == VECTOR_FILTER_OPERATOR)
			fmgr_info(get_opcode((Oid) f->strategy), &f->operator_fn);
	}
	state->naggs = list_length((List *) list_nth(private, PRIVATE_AGGREGATES));
	state->aggs = palloc0(sizeof(VectorAggregate) * Max(1, state->naggs));
	i = 0;
	foreach(lc, (List *) list_nth(private, PRIVATE_AGGREGATES))
	{
		VectorAggregate *va = &state->aggs[i++];

		if (!ColumnarAggCompileAggregate(lfirst(lc), &columns, va))
			elog(ERROR, "columnar aggregate does not compile");
	}
	if (list_length(columns.attnums) != list_length((List *) linitial(private)))
		elog(ERROR, "columnar aggregate columns do not match the plan");
	state->ncolumns = list_length(columns.attnums);
	state->columns = palloc0(sizeof(VectorColumn) * Max(1, state->ncolumns));
	state->column_loaded = palloc0(sizeof(bool) * Max(1, state->ncolumns));
	state->column_used = palloc0(sizeof(bool) * Max(1, state->ncolumns));
	for (int c = 0; c < state->ncolumns; c++)
	{
		ColumnarVectorColumnInit(&state->columns[c], (AttrNumber) list_nth_int(columns.attnums, c),
								 list_nth_oid(columns.types, c), COLUMNAR_DEFAULT_CHUNK_ROWS);
		state->columns_read = bms_add_member(state->columns_read, state->columns[c].attnum -
											 FirstLowInvalidHeapAttributeNumber);
	}
	for (int a = 0; a < state->naggs; a++)
	{
		VectorAggregate *va = &state->aggs[a];
		Form_pg_attribute att;

		if (va->kind != AGGREGATE_MIN && va->kind != AGGREGATE_MAX)
			continue;
		att = TupleDescAttr(RelationGetDescr(rel), state->columns[va->column].attnum - 1);
		va->byval = att->attbyval;
		va->typlen = att->attlen;
		if (state->columns[va->column].vtype != VECTOR_INT64)
			fmgr_info(get_opfamily_proc(ColumnarBtreeFamily(att->atttypid), att->atttypid,
										att->atttypid, BTORDER_PROC),
					  &va->compare);
	}
	state->nkeys = list_length((List *) lsecond(private));
	for (int k = 0; k < state->nkeys; k++)
		state->keys[k].column = list_nth_int((List *) lsecond(private), k);
	MarkDatumsNeeded(state);
}

/*
 * Orders the filters cheapest first: integer and float comparisons, NULL
 * tests, decimal comparisons, then operators called per row.
 */
static int
FilterCost(const VectorFilter *f, const VectorColumn *columns)
{
	if (f->kind == VECTOR_FILTER_OPERATOR)
		return 3;
	if (f->kind == VECTOR_FILTER_COMPARE && columns[f->column].vtype == VECTOR_NUMERIC)
		return 2;
	return f->kind == VECTOR_FILTER_COMPARE ? 0 : 1;
}

static void
OrderFilters(AggregateState *state)
{
	/* a stable insertion sort */
	for (int i = 1; i < state->nfilters; i++)
	{
		VectorFilter f = state->filters[i];
		int			j = i;

		while (j > 0 && FilterCost(&state->filters[j - 1], state->columns) >
			   FilterCost(&f, state->columns))
		{
			state->filters[j] = state->filters[j - 1];
			j--;
		}
		state->filters[j] = f;
	}
}

/*
 * Pairs each vector filter with the chunk filter of the same qual
 * ("chunk_of_qual": each qual's chunk filter, or -1).
 */
static void
MapChunkFilters(AggregateState *state, List *chunk_of_qual)
{
	state->filter_chunk = palloc(sizeof(int) * Max(1, state->nfilters));
	state->filter_passes = palloc0(sizeof(bool) * Max(1, state->nfilters));
	for (int j = 0; j < state->nfilters; j++)
		state->filter_chunk[j] = list_nth_int(chunk_of_qual, state->filters[j].qual);
}

/*
 * Sets the node up from its plan ("private" and "exprs": custom_private and
 * custom_exprs), in memory of "context"; "parent" (NULL in a parallel
 * worker, which gets the values from the leader) evaluates the values.
 */
void
ColumnarAggSetupState(AggregateState *state, List *private, List *exprs, PlanState *parent,
		   MemoryContext context)
{
	ListCell   *lc;
	int			i = 0;

	state->context = AllocSetContextCreate(context, "columnar aggregate",
										   ALLOCSET_DEFAULT_SIZES);
	state->batch_context = AllocSetContextCreate(context, "columnar aggregate batch",
												 ALLOCSET_DEFAULT_SIZES);
	CompileState(state, private);
	foreach(lc, exprs)
	{
		if (i == state->nfilters)
			break;
		if (parent != NULL)
			state->filters[i].value_state = ExecInitExpr(lfirst(lc), parent);
		i++;
	}
	OrderFilters(state);
	ColumnarPairRangeFilters(state->filters, state->nfilters, state->columns);
	ColumnarInitChunkFilters(&state->chunk_filters, list_nth(private, PRIVATE_CHUNK_FILTERS),
							 NIL, state->css.ss.ss_currentRelation, NULL);
	MapChunkFilters(state, list_nth(private, PRIVATE_CHUNK_OF_QUAL));
}

static void
BeginAggregate(CustomScanState *node, EState *estate, int eflags)
{
	AggregateState *state = (AggregateState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;

	ColumnarAggSetupState(state, cscan->custom_private, cscan->custom_exprs, &node->ss.ps,
			   estate->es_query_cxt);
	state->workers = linitial_int((List *) list_nth(cscan->custom_private, PRIVATE_WORKERS));
	state->fallback_plan = ExecInitNode(linitial(cscan->custom_plans), estate, eflags);
	node->custom_ps = list_make1(state->fallback_plan);
}

/*
 * The chunk filters take the values of the vector filters of their quals
 * (every qual is a vector filter).
 */
void
ColumnarAggSetChunkFilterValues(AggregateState *state)
{
	ColumnarChunkFilterSet *set = &state->chunk_filters;

	MemoryContextReset(set->context);
	for (int j = 0; j < state->nfilters; j++)
	{
		VectorFilter *f = &state->filters[j];

		if (state->filter_chunk[j] >= 0)
			ColumnarSetChunkFilterValue(set, state->filter_chunk[j], f->value, f->value_null,
										state->css.ss.ss_currentRelation);
	}
}

/* Evaluates the filters' values (at the start and at each rescan). */
static bool
EvaluateFilterValues(AggregateState *state)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;
	MemoryContext old = MemoryContextSwitchTo(state->context);
	bool		exact = true;

	for (int i = 0; i < state->nfilters && exact; i++)
	{
		VectorFilter *f = &state->filters[i];
		bool		isnull;
		Datum		value;
		int16		typlen;
		bool		typbyval;

		if (f->kind == VECTOR_FILTER_IS_NULL || f->kind == VECTOR_FILTER_IS_NOT_NULL)
			continue;
		value = ExecEvalExprSwitchContext(f->value_state, econtext, &isnull);
		get_typlenbyval(f->value_type, &typlen, &typbyval);
		if (!isnull)
			value = datumCopy(value, typbyval, typlen);
		exact = ColumnarSetFilterValue(f, state->columns[f->column].vtype, value, isnull);
	}
	MemoryContextSwitchTo(old);
	ResetExprContext(econtext);
	return exact;
}

/* Makes the group arrays hold "rows" rows of a batch. */
static void
ReserveRows(AggregateState *state, int rows)
{
	if (rows <= state->rows_allocated)
		return;
	state->rows_allocated = Max(rows, COLUMNAR_DEFAULT_CHUNK_ROWS);
	state->sel.rows = state->sel.space =
		MemoryContextAlloc(state->context, sizeof(int32) * (state->rows_allocated + EP_SELECT_SLACK));
	state->identity = MemoryContextAlloc(state->context, sizeof(int32) * state->rows_allocated);
	for (int r = 0; r < state->rows_allocated; r++)
		state->identity[r] = r;
	state->agg_rows = MemoryContextAlloc(state->context, sizeof(int32) * state->rows_allocated);
	state->row_groups = MemoryContextAlloc(state->context, sizeof(uint32) * state->rows_allocated);
}

/* Loads column "c" of the current chunk batch, if not loaded. */
static void
LoadColumn(AggregateState *state, int c)
{
	VectorColumn *column = &state->columns[c];

	int64	   *ints;
	bool	   *nulls;
	int			scale;

	if (state->column_loaded[c])
		return;
	state->column_loaded[c] = true;
	if (column->vtype == VECTOR_NUMERIC && !column->datums_needed &&
		ColumnarBatchColumnScaled(state->reader, &state->batch, column->attnum, state->sel.rows,
								  state->sel.count, &ints, &nulls, &scale))
	{
		ColumnarSetScaledColumn(column, ints, nulls, scale, &state->sel);
		return;
	}
	ColumnarBatchColumn(state->reader, &state->batch, column->attnum, state->sel.rows,
						state->sel.count, &column->values, &column->nulls);
}

/* A new group with combined key "key": its accumulators zeroed. */
uint32
ColumnarAggAddGroup(AggregateState *state, uint64 key)
{
	if (state->ngroups == state->groups_allocated)
	{
		state->groups_allocated *= 2;
		state->group_keys = repalloc(state->group_keys, sizeof(uint64) * state->groups_allocated);
		state->accumulators = repalloc(state->accumulators, sizeof(Accumulator) *
									   state->groups_allocated * Max(1, state->naggs));
	}
	state->group_keys[state->ngroups] = key;
	memset(&state->accumulators[(Size) state->ngroups * state->naggs], 0,
		   sizeof(Accumulator) * state->naggs);
	return state->ngroups++;
}

/* Keeps "value" as the value of key id "id" of key column "k". */
void
ColumnarAggKeyStoreValue(KeyColumn *k, uint32 id, Datum value)
{
	if ((int) id > k->allocated)
	{
		k->allocated *= 2;
		k->values = repalloc(k->values, sizeof(Datum) * k->allocated);
	}
	k->values[id - 1] = value;
}

/* The id of row "r"'s value of key column "k" (0 for NULL). */
static inline uint32
KeyId(AggregateState *state, KeyColumn *k, int r)
{
	VectorColumn *c = &state->columns[k->column];
	bool		is_new;

	if (c->nulls[r])
		return 0;
	if (k->by_image)
	{
		uint64		key = (uint64) c->ints[r];
		uint32		id = ColumnarIdTableLookup(&k->table, key, ColumnarMix64(key), &is_new, NULL, NULL);

		if (is_new)
			ColumnarAggKeyStoreValue(k, id, c->values[r]);
		return id;
	}
	else
	{
		Datum		value = c->values[r];
		int			slot = (int) ((value >> 3) % POINTER_MEMO_SIZE);

		if (k->memo_pointer[slot] != value || k->memo_id[slot] == 0)
		{
			k->memo_pointer[slot] = value;
			k->memo_id[slot] = ColumnarAggGenericKeyId(k, value);
		}
		return k->memo_id[slot];
	}
}

/* Sets state->row_groups for the selected rows; false past hash_mem. */
static bool
GroupRows(AggregateState *state)
{
	VectorSelection *sel = &state->sel;
	MemoryContext old = MemoryContextSwitchTo(state->context);

	for (int k = 0; k < state->nkeys; k++)
	{
		memset(state->keys[k].memo_id, 0, sizeof(state->keys[k].memo_id));
		if (state->keys[k].by_image)
			ColumnarConvertColumn(&state->columns[state->keys[k].column], sel);
	}
	for (int i = 0; i < sel->count; i++)
	{
		int			r = sel->rows[i];
		uint64		key = 0;
		bool		is_new;
		uint32		group;

		for (int k = 0; k < state->nkeys; k++)
			key = (key << 32) | KeyId(state, &state->keys[k], r);
		group = ColumnarIdTableLookup(&state->groups, key, ColumnarMix64(key), &is_new, NULL, NULL) - 1;
		if (is_new)
			ColumnarAggAddGroup(state, key);
		state->row_groups[r] = group;
	}
	MemoryContextSwitchTo(old);
	return MemoryContextMemAllocated(state->context, true) <= get_hash_memory_limit();
}

/* The columns a decimal expression reads, as flags in "used". */
static void
ExprColumns(VectorExpr *expr, bool *used)
{
	if (expr->kind == VECTOR_EXPR_COLUMN)
		used[expr->column] = true;
	else if (expr->kind != VECTOR_EXPR_CONST)
	{
		ExprColumns(expr->left, used);
		ExprColumns(expr->right, used);
	}
}

/* Whether column "c" is NULL in some selected row of the batch. */
static bool
HasNulls(AggregateState *state, VectorColumn *c)
{
	if (c->has_nulls < 0)
	{
		const bool *nulls = c->nulls;
		bool		any = false;

		for (int i = 0; i < state->sel.count; i++)
			any |= nulls[state->sel.rows[i]];
		c->has_nulls = any ? 1 : 0;
	}
	return c->has_nulls != 0;
}

/*
 * The selected rows whose columns flagged in "used" are all non-NULL (the
 * aggregates' arguments are strict): the batch's selection itself when
 * none is NULL, else a copy in "out".
 */
static VectorSelection *
NonNullRows(AggregateState *state, const bool *used, VectorSelection *out)
{
	const VectorSelection *sel = &state->sel;
	bool		any = false;

	for (int c = 0; c < state->ncolumns && !any; c++)
		any = used[c] && HasNulls(state, &state->columns[c]);
	if (!any)
		return &state->sel;
	out->batch_rows = sel->batch_rows;
	out->id = 0;				/* rows of its own: no shared evaluation */
	memcpy(out->rows, sel->rows, sizeof(int32) * sel->count);
	out->count = sel->count;
	for (int c = 0; c < state->ncolumns; c++)
	{
		const bool *nulls = state->columns[c].nulls;
		int			kept = 0;

		if (!used[c] || !HasNulls(state, &state->columns[c]))
			continue;
		for (int i = 0; i < out->count; i++)
		{
			out->rows[kept] = out->rows[i];
			kept += nulls[out->rows[i]] ? 0 : 1;
		}
		out->count = kept;
	}
	return out;
}

/* Brings every group's sum of aggregate "a" to "scale". */
bool
ColumnarAggRescaleSums(AggregateState *state, int a, int scale)
{
	for (int g = 0; g < state->ngroups; g++)
		if (!EpRescale(&state->accumulators[(Size) g * state->naggs + a].sum,
							 state->aggs[a].scale, scale))
			return false;
	state->aggs[a].scale = scale;
	return true;
}

/* sum() and avg() of a decimal expression over the rows of "rows". */
static bool
AccumulateDecimal(AggregateState *state, int a, VectorSelection *rows)
{
	VectorAggregate *va = &state->aggs[a];
	VectorExpr *expr = va->expr;

	if (!ColumnarEvalExpr(expr, state->columns, rows))
		return false;
	if (expr->scale > va->scale && !ColumnarAggRescaleSums(state, a, expr->scale))
		return false;
	if (expr->scale < va->scale && !ColumnarExprRescale(expr, rows, va->scale))
		return false;
	for (int i = 0; i < rows->count; i++)
	{
		int			r = rows->rows[i];
		Accumulator *acc = &state->accumulators[(Size) state->row_groups[r] * state->naggs + a];

		if (__builtin_add_overflow(acc->sum, expr->values[r], &acc->sum))
			return false;
		acc->count++;
		acc->dscale = Max(acc->dscale, expr->uniform_dscale >= 0 ?
						  (uint16) expr->uniform_dscale : expr->dscales[r]);
	}
	return true;
}

/* sum() and avg() of a float8 column. */
static bool
AccumulateFloat(AggregateState *state, int a, VectorSelection *rows)
{
	VectorColumn *c = &state->columns[state->aggs[a].column];

	ColumnarConvertColumn(c, rows);
	for (int i = 0; i < rows->count; i++)
	{
		int			r = rows->rows[i];
		Accumulator *acc = &state->accumulators[(Size) state->row_groups[r] * state->naggs + a];

		if (!(fabs(c->floats[r]) <= FLOAT_LIMIT))
			return false;		/* NaN, infinities, overflow checks */
		acc->float_sum += c->floats[r];
		acc->count++;
	}
	return true;
}

/*
 * Makes "value" (its int64 form "value_int" for integer-like columns) the
 * min or max of aggregate "a" in "acc" if it beats the one kept; the later
 * of equal values wins, as in numeric_larger and text_larger.  Copies into
 * the current memory context.
 */
void
ColumnarAggConsiderExtreme(AggregateState *state, int a, Accumulator *acc, Datum value,
						   int64 value_int)
{
	VectorAggregate *va = &state->aggs[a];
	int			cmp;

	if (acc->found)
	{
		if (state->columns[va->column].vtype == VECTOR_INT64)
			cmp = (value_int > acc->extreme_int) - (value_int < acc->extreme_int);
		else
			cmp = DatumGetInt32(FunctionCall2Coll(&va->compare, va->collation, value,
												  acc->extreme));
		if (va->kind == AGGREGATE_MAX ? cmp < 0 : cmp > 0)
			return;
		if (!va->byval)
			pfree(DatumGetPointer(acc->extreme));
	}
	acc->extreme = datumCopy(value, va->byval, va->typlen);
	acc->extreme_int = value_int;
	acc->found = true;
}

/* min() and max(). */
static void
AccumulateExtreme(AggregateState *state, int a, VectorSelection *rows)
{
	VectorColumn *c = &state->columns[state->aggs[a].column];
	bool		by_int = c->vtype == VECTOR_INT64;
	MemoryContext old = MemoryContextSwitchTo(state->context);

	if (by_int)
		ColumnarConvertColumn(c, rows);
	for (int i = 0; i < rows->count; i++)
	{
		int			r = rows->rows[i];

		ColumnarAggConsiderExtreme(state, a,
								   &state->accumulators[(Size) state->row_groups[r] * state->naggs + a],
								   c->values[r], by_int ? c->ints[r] : 0);
	}
	MemoryContextSwitchTo(old);
}

/* Adds the selected rows of the batch to every aggregate. */
static bool
Accumulate(AggregateState *state)
{
	VectorSelection own = {.rows = state->agg_rows, .space = state->agg_rows};

	state->sel.id = ++state->selections;	/* evaluations shared from here */
	for (int a = 0; a < state->naggs; a++)
	{
		VectorAggregate *va = &state->aggs[a];
		bool	   *used = state->column_used;
		VectorSelection *rows;

		memset(used, 0, sizeof(bool) * state->ncolumns);
		if (va->kind == AGGREGATE_SUM || va->kind == AGGREGATE_AVG)
			ExprColumns(va->expr, used);
		else if (va->kind != AGGREGATE_COUNT_ROWS)
			used[va->column] = true;
		for (int c = 0; c < state->ncolumns; c++)
			if (used[c])
				LoadColumn(state, c);
		rows = NonNullRows(state, used, &own);
		switch (va->kind)
		{
			case AGGREGATE_COUNT_ROWS:
			case AGGREGATE_COUNT:
				for (int i = 0; i < rows->count; i++)
					state->accumulators[(Size) state->row_groups[rows->rows[i]] * state->naggs + a].count++;
				break;
			case AGGREGATE_SUM:
			case AGGREGATE_AVG:
				if (!AccumulateDecimal(state, a, rows))
					return false;
				break;
			case AGGREGATE_SUM_FLOAT:
			case AGGREGATE_AVG_FLOAT:
				if (!AccumulateFloat(state, a, rows))
					return false;
				break;
			case AGGREGATE_MIN:
			case AGGREGATE_MAX:
				AccumulateExtreme(state, a, rows);
				break;
		}
	}
	return true;
}

/*
 * Filters, groups and accumulates the rows of the current batch (its
 * selection set); false when the node must fall back.
 */
static bool
ProcessBatch(AggregateState *state)
{
	VectorSelection *sel = &state->sel;

	for (int c = 0; c < state->ncolumns; c++)
		state->columns[c].converted = false;
	for (int i = 0; i < state->nfilters && sel->count > 0; i++)
	{
		VectorFilter *f = &state->filters[i];

		/* absorbed: applied with its pair; passes: proven by the chunks' metadata */
		if (f->absorbed ||
			(state->filter_passes[i] &&
			 (f->also == NULL || state->filter_passes[f->also - state->filters])))
			continue;
		LoadColumn(state, f->column);
		if (!ColumnarApplyFilter(f, &state->columns[f->column], sel))
			return false;
	}
	if (sel->count == 0)
		return true;
	for (int k = 0; k < state->nkeys; k++)
		LoadColumn(state, state->keys[k].column);
	if (state->nkeys == 0)
		memset(state->row_groups, 0, sizeof(uint32) * sel->batch_rows);
	else if (!GroupRows(state))
		return false;
	for (int c = 0; c < state->ncolumns; c++)
		state->columns[c].has_nulls = -1;	/* of the rows the filters kept */
	return Accumulate(state);
}

/*
 * Marks the filters whose chunk filters show, from the batch's chunk
 * metadata, that every row passes; counts the batches that need none.
 */
static void
FiltersPassingWhole(AggregateState *state)
{
	bool		all = true;

	for (int j = 0; j < state->nfilters; j++)
	{
		int			chunk = state->filter_chunk[j];

		state->filter_passes[j] = chunk >= 0 &&
			ColumnarChunkPassesFilter(state->reader, &state->batch,
									  &state->chunk_filters.filters[chunk]);
		all &= state->filter_passes[j];
	}
	if (all && state->nfilters > 0)
		state->batches_unfiltered++;
}

/* Reads and processes every chunk batch of the row groups. */
static bool
ProcessRowGroups(AggregateState *state, TableScanDesc scan)
{
	while ((state->reader = ColumnarScanNextBatch(scan, &state->batch)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(state->batch_context);
		ReserveRows(state, state->batch.rows);
		memset(state->column_loaded, 0, sizeof(bool) * state->ncolumns);
		state->sel.batch_rows = state->batch.rows;
		if (ColumnarBatchAllLive(&state->batch))
		{
			state->sel.rows = state->identity;
			state->sel.count = state->batch.rows;
		}
		else
		{
			state->sel.rows = state->sel.space;
			state->sel.count = ColumnarBatchLiveRows(&state->batch, state->sel.rows);
		}
		state->batches++;
		FiltersPassingWhole(state);
		if (!ProcessBatch(state))
			return false;
	}
	memset(state->filter_passes, 0, sizeof(bool) * state->nfilters);
	return true;
}

/* Reads the delta store's rows in batches of copied values. */
static bool
ProcessDelta(AggregateState *state, TableScanDesc scan)
{
	TupleTableSlot *slot = state->delta_slot;
	bool		more = true;

	ReserveRows(state, DELTA_BATCH_ROWS);
	for (int c = 0; c < state->ncolumns; c++)
	{
		state->columns[c].values = MemoryContextAlloc(state->context, sizeof(Datum) * DELTA_BATCH_ROWS);
		state->columns[c].nulls = MemoryContextAlloc(state->context, sizeof(bool) * DELTA_BATCH_ROWS);
		state->column_loaded[c] = true;
	}
	while (more)
	{
		int			rows = 0;
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(state->batch_context);
		old = MemoryContextSwitchTo(state->batch_context);
		while (rows < DELTA_BATCH_ROWS &&
			   (more = table_scan_getnextslot(scan, ForwardScanDirection, slot)))
		{
			for (int c = 0; c < state->ncolumns; c++)
			{
				VectorColumn *column = &state->columns[c];
				Form_pg_attribute att = TupleDescAttr(slot->tts_tupleDescriptor, column->attnum - 1);
				Datum		value = slot_getattr(slot, column->attnum, &column->nulls[rows]);

				column->values[rows] = column->nulls[rows] ? (Datum) 0 :
					datumCopy(value, att->attbyval, att->attlen);
			}
			rows++;
		}
		MemoryContextSwitchTo(old);
		if (rows == 0)
			break;
		state->sel.rows = state->identity;
		state->sel.count = rows;
		state->sel.batch_rows = rows;
		state->batches++;
		if (!ProcessBatch(state))
			return false;
	}
	return true;
}

/* Resets the groups (start, rescan, fallback). */
void
ColumnarAggResetGroups(AggregateState *state)
{
	MemoryContext old;

	MemoryContextReset(state->context);
	state->rows_allocated = 0;
	state->ngroups = 0;
	state->groups_allocated = 16;
	state->group_keys = MemoryContextAlloc(state->context, sizeof(uint64) * state->groups_allocated);
	state->accumulators = MemoryContextAlloc(state->context, sizeof(Accumulator) *
											 state->groups_allocated * Max(1, state->naggs));
	old = MemoryContextSwitchTo(state->context);
	ColumnarIdTableInit(&state->groups, 64);
	for (int k = 0; k < state->nkeys; k++)
		InitKeyColumn(state, &state->keys[k]);
	for (int a = 0; a < state->naggs; a++)
		state->aggs[a].scale = 0;
	if (state->nkeys == 0)
		ColumnarAggAddGroup(state, 0);		/* one row even without input */
	state->next_group = 0;
	state->batches = 0;
	state->chunks_skipped = 0;
	state->batches_unfiltered = 0;
	state->workers_launched = 0;
	MemoryContextSwitchTo(old);
}

/*
 * Reads this participant's share of the table ("scan") into the groups;
 * false when the node must fall back.
 */
bool
ColumnarAggRunScan(AggregateState *state, TableScanDesc scan)
{
	bool		done;

	ColumnarScanConfigure(scan, state->columns_read, state->chunk_filters.filters,
						  state->chunk_filters.nfilters);
	if (state->delta_slot == NULL)
		state->delta_slot = table_slot_create(state->css.ss.ss_currentRelation, NULL);
	done = ProcessRowGroups(state, scan) && ProcessDelta(state, scan);
	state->chunks_skipped += ColumnarScanChunksSkipped(scan);
	table_endscan(scan);
	return done;
}

/* Computes every group; false when the node must fall back. */
static bool
ComputeGroups(AggregateState *state)
{
	ScanState  *ss = &state->css.ss;

	ColumnarAggResetGroups(state);
	if (!EvaluateFilterValues(state))
		return false;
	ColumnarAggSetChunkFilterValues(state);
	if (state->workers > 0 && ss->ps.state->es_use_parallel_mode && !IsParallelWorker())
		return ColumnarAggComputeInParallel(state);
	return ColumnarAggRunScan(state, table_beginscan(ss->ss_currentRelation, ss->ps.state->es_snapshot,
										  0, NULL));
}

/* The final value of aggregate "a" for one group. */
static Datum
FinalValue(AggregateState *state, int a, Accumulator *acc, bool *isnull)
{
	VectorAggregate *va = &state->aggs[a];

	*isnull = false;
	switch (va->kind)
	{
		case AGGREGATE_COUNT_ROWS:
		case AGGREGATE_COUNT:
			return Int64GetDatum(acc->count);
		case AGGREGATE_SUM:
			if (acc->count == 0)
				break;
			if (va->result_type == INT8OID)
				return Int64GetDatum((int64) acc->sum);	/* int4_sum's int8 */
			return EpScaledToNumeric(acc->sum, va->scale, acc->dscale);
		case AGGREGATE_AVG:
			if (acc->count == 0)
				break;
			return DirectFunctionCall2(numeric_div,
									   EpScaledToNumeric(acc->sum, va->scale, acc->dscale),
									   NumericGetDatum(int64_to_numeric(acc->count)));
		case AGGREGATE_SUM_FLOAT:
			if (acc->count == 0)
				break;
			return Float8GetDatum(acc->float_sum);
		case AGGREGATE_AVG_FLOAT:
			if (acc->count == 0)
				break;
			return Float8GetDatum(acc->float_sum / (double) acc->count);
		case AGGREGATE_MIN:
		case AGGREGATE_MAX:
			if (!acc->found)
				break;
			return acc->extreme;
	}
	*isnull = true;
	return (Datum) 0;
}

/* Stores group "g" in the node's tuple. */
static TupleTableSlot *
StoreGroup(AggregateState *state, int g)
{
	TupleTableSlot *slot = state->css.ss.ss_ScanTupleSlot;
	uint64		key = state->group_keys[g];

	ExecClearTuple(slot);
	for (int k = state->nkeys - 1; k >= 0; k--)
	{
		uint32		id = (uint32) (key & 0xFFFFFFFF);

		slot->tts_isnull[k] = id == 0;
		slot->tts_values[k] = id == 0 ? (Datum) 0 : state->keys[k].values[id - 1];
		key >>= 32;
	}
	for (int a = 0; a < state->naggs; a++)
		slot->tts_values[state->nkeys + a] =
			FinalValue(state, a, &state->accumulators[(Size) g * state->naggs + a],
					   &slot->tts_isnull[state->nkeys + a]);
	return ExecStoreVirtualTuple(slot);
}

static TupleTableSlot *
ExecAggregate(CustomScanState *node)
{
	AggregateState *state = (AggregateState *) node;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	if (!state->computed)
	{
		state->fallback = !ComputeGroups(state);
		state->computed = true;
		if (state->fallback)
			ColumnarAggResetGroups(state);
	}
	if (state->fallback)
		return ExecProcNode(state->fallback_plan);
	if (state->next_group >= state->ngroups)
		return NULL;
	ResetExprContext(econtext);
	econtext->ecxt_scantuple = StoreGroup(state, state->next_group++);
	if (node->ss.ps.ps_ProjInfo == NULL)
		return econtext->ecxt_scantuple;
	return ExecProject(node->ss.ps.ps_ProjInfo);
}

static void
EndAggregate(CustomScanState *node)
{
	AggregateState *state = (AggregateState *) node;

	if (state->delta_slot != NULL)
		ExecDropSingleTupleTableSlot(state->delta_slot);
	ExecEndNode(state->fallback_plan);
}

static void
ReScanAggregate(CustomScanState *node)
{
	AggregateState *state = (AggregateState *) node;

	state->computed = false;
	state->fallback = false;
	if (node->ss.ps.chgParam != NULL)
		UpdateChangedParamSet(state->fallback_plan, node->ss.ps.chgParam);
	ExecReScan(state->fallback_plan);
}

/* EXPLAIN: what the node computes and, with ANALYZE, how it went. */
static void
ExplainAggregate(CustomScanState *node, List *ancestors, ExplainState *es)
{
	AggregateState *state = (AggregateState *) node;

	ExplainPropertyInteger("Vector Filters", NULL, state->nfilters, es);
	ExplainPropertyInteger("Chunk Filters", NULL, state->chunk_filters.nfilters, es);
	ExplainPropertyInteger("Group Keys", NULL, state->nkeys, es);
	if (state->workers > 0)
		ExplainPropertyInteger("Workers Planned", NULL, state->workers, es);
	if (es->analyze && state->computed)
	{
		ExplainPropertyInteger("Batches", NULL, state->batches, es);
		ExplainPropertyInteger("Chunks Skipped", NULL, state->chunks_skipped, es);
		ExplainPropertyInteger("Batches Unfiltered", NULL, state->batches_unfiltered, es);
		if (state->workers > 0)
			ExplainPropertyInteger("Workers Launched", NULL, state->workers_launched, es);
		ExplainPropertyText("Fallback", state->fallback ? "yes" : "no", es);
	}
}

/*
 * ColumnarInstallAggregate - install the planner hook, the setting and the
 * node; called once from _PG_init.
 */
void
ColumnarInstallAggregate(void)
{
	RegisterCustomScanMethods(&ColumnarAggregateScanMethods);
	ColumnarAggInstallPlanner();
}
