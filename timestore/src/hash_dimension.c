/*-------------------------------------------------------------------------
 *
 * hash_dimension.c
 *	  Space partitioning: add_dimension(hypertable, by_hash(column, n))
 *	  splits every time range of a hypertable into n hash slices, so that
 *	  each chunk holds one time range of one slice.
 *
 *	  A value's partition hash is the hash function of its type's default
 *	  hash operator class (with the column's collation) masked to 31 bits;
 *	  NULL hashes to 0.  Slice i of n holds the hashes h with
 *	  floor(h * n / 2^31) = i, an equal share of the hash space each.  The
 *	  same computation serves the router (a row's chunk), the chunks' CHECK
 *	  constraints (through _epiphany_timestore.partition_hash), planning
 *	  (a query with "column = constant" or "column IN (constants)" reads
 *	  only the slices of those constants) and run-time exclusion (the same
 *	  for values known when the executor starts, chunk_exclusion.c).
 *
 *	  Invariants: a hypertable has at most one hash dimension, added while
 *	  it has no chunk; its unique indexes include the column, since
 *	  uniqueness is enforced per chunk.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/hash_dimension.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "storage/lmgr.h"
#include "timestore.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(ep_partition_hash);
PG_FUNCTION_INFO_V1(ep_add_hash_dimension);

#define HASH_SPACE		((int64) 1 << 31)

/* The hash function of type's default hash operator class, or NULL. */
FmgrInfo *
PartitionHashFunction(Oid type)
{
	TypeCacheEntry *typentry = lookup_type_cache(type, TYPECACHE_HASH_PROC_FINFO);

	return OidIsValid(typentry->hash_proc) ? &typentry->hash_proc_finfo : NULL;
}

/* The partition hash of a value (see the file comment). */
static int32
PartitionHash(FmgrInfo *hash, Oid collation, Datum value, bool isnull)
{
	if (isnull)
		return 0;
	return (int32) (DatumGetUInt32(FunctionCall1Coll(hash, collation, value)) & 0x7FFFFFFF);
}

/* _epiphany_timestore.partition_hash(value): for the chunks' CHECK constraints. */
Datum
ep_partition_hash(PG_FUNCTION_ARGS)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 0);
	FmgrInfo   *hash = PartitionHashFunction(type);

	if (hash == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not identify a hash function for type %s", format_type_be(type))));
	PG_RETURN_INT32(PartitionHash(hash, PG_GET_COLLATION(), PG_GETARG_DATUM(0),
								  PG_ARGISNULL(0)));
}

/* The slice of ht that a partition hash falls in. */
static int16
SliceOfHash(const Hypertable *ht, int32 hash)
{
	return (int16) ((int64) hash * ht->hash_partitions / HASH_SPACE);
}

/* HashSliceOfRow - the hash slice of a row in the hypertable's layout (0 without one). */
int16
HashSliceOfRow(const Hypertable *ht, TupleTableSlot *slot)
{
	bool		isnull;
	Datum		value;

	if (ht->hash_partitions == 0)
		return 0;
	value = slot_getattr(slot, ht->hash_attno, &isnull);
	return SliceOfHash(ht, PartitionHash(ht->hash_finfo, ht->hash_collation, value, isnull));
}

/*
 * HashSliceCheck - the CHECK condition of the chunks of slice: the partition
 * hashes h with ceil(slice * 2^31 / n) <= h < ceil((slice + 1) * 2^31 / n).
 */
char *
HashSliceCheck(const Hypertable *ht, int16 slice)
{
	int64		n = ht->hash_partitions;
	int64		low = (slice * HASH_SPACE + n - 1) / n;
	int64		high = ((slice + 1) * HASH_SPACE + n - 1) / n;

	return psprintf("_epiphany_timestore.partition_hash(%s) BETWEEN " INT64_FORMAT
					" AND " INT64_FORMAT,
					quote_identifier(get_attname(ht->relid, ht->hash_attno, false)),
					low, high - 1);
}

/* ----------------------------------------------------------------
 *		add_dimension
 * ----------------------------------------------------------------
 */

/* Errors out if a unique index of relid leaves out column attno. */
static void
CheckUniqueIndexesHave(Oid relid, AttrNumber attno, const char *column)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);
		bool		unique = index->rd_index->indisunique || index->rd_index->indisexclusion;
		bool		found = false;
		int			i;

		for (i = 0; i < index->rd_index->indnkeyatts; i++)
			found |= index->rd_index->indkey.values[i] == attno;
		index_close(index, AccessShareLock);
		if (unique && !found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("cannot create a unique index without the column \"%s\" (used in partitioning)",
							column),
					 errhint("Add the column to every unique index and primary key of the table.")));
	}
	table_close(rel, AccessShareLock);
}

/*
 * add_hash_dimension(relation, column, partitions) - writes the hash
 * dimension of a hypertable without chunks and returns its id;
 * _epiphany_timestore.add_dimension has checked the rest.
 */
Datum
ep_add_hash_dimension(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Name		column = PG_GETARG_NAME(1);
	int32		partitions = PG_GETARG_INT32(2);
	const Hypertable *ht = HypertableGetChecked(relid);
	AttrNumber	attno;
	Oid			type;
	Oid			argtypes[3] = {INT4OID, NAMEOID, INT2OID};
	Datum		values[3];
	Datum		id;

	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
	attno = get_attnum(relid, NameStr(*column));
	if (attno == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" does not exist", NameStr(*column))));
	type = get_atttype(relid, attno);
	if (PartitionHashFunction(type) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type for dimension \"%s\"", NameStr(*column)),
				 errdetail("Type %s has no default hash operator class.", format_type_be(type))));
	if (partitions < 1 || partitions > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number of partitions: must be between 1 and %d", PG_INT16_MAX)));
	CheckUniqueIndexesHave(relid, attno, NameStr(*column));

	/* Creators of chunks take this lock too: none can appear meanwhile. */
	LockRelationOid(relid, ShareUpdateExclusiveLock);
	values[0] = Int32GetDatum(ht->id);
	CatalogExecute("SELECT count(*)::integer FROM _epiphany_timestore.chunk"
				   " WHERE hypertable_id = $1", 1, argtypes, values, NULL, &id);
	if (DatumGetInt32(id) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot add a dimension to hypertable \"%s\", which has chunks",
						get_rel_name(relid)),
				 errhint("Add dimensions before the first row is inserted.")));
	values[1] = NameGetDatum(column);
	values[2] = Int16GetDatum((int16) partitions);
	CatalogExecute("UPDATE _epiphany_timestore.hypertable"
				   " SET hash_column = $2, hash_partitions = $3,"
				   "     hash_dimension_id = nextval('_epiphany_timestore.dimension_id_seq')"
				   " WHERE id = $1 RETURNING hash_dimension_id",
				   3, argtypes, values, NULL, &id);
	/* Process the row trigger's invalidation: routing must see the slices. */
	CommandCounterIncrement();
	PG_RETURN_INT32(DatumGetInt32(id));
}

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

/* Whether expr is rel's hash column. */
static bool
IsHashColumn(Node *expr, Index relid, const Hypertable *ht)
{
	if (expr != NULL && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	return IsRelColumn(expr, relid, ht->hash_attno);
}

/*
 * Whether opno compares the hash column equal to a value of its own type,
 * consistently with its hash function: a member of the type's default hash
 * operator family, with the column's collation.
 */
static bool
IsHashEquality(Oid opno, Oid inputcollid, const Hypertable *ht)
{
	TypeCacheEntry *typentry = lookup_type_cache(ht->hash_type, TYPECACHE_HASH_OPFAMILY);

	return OidIsValid(typentry->hash_opf) && op_in_opfamily(opno, typentry->hash_opf) &&
		get_op_opfamily_strategy(opno, typentry->hash_opf) == HTEqualStrategyNumber &&
		inputcollid == ht->hash_collation;
}

/*
 * HashSlicesOfValue - adds to *slices the slice of value, a value of the
 * hash column's type, or with is_array of each element of an array of
 * them; NULL adds none ("= NULL" is never true).
 */
void
HashSlicesOfValue(const Hypertable *ht, Datum value, bool isnull, bool is_array,
				  Bitmapset **slices)
{
	ArrayType  *arr;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	if (isnull)
		return;
	if (!is_array)
	{
		*slices = bms_add_member(*slices,
								 SliceOfHash(ht, PartitionHash(ht->hash_finfo, ht->hash_collation,
															   value, false)));
		return;
	}
	arr = DatumGetArrayTypeP(value);
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		HashSlicesOfValue(ht, elems[i], nulls[i], false, slices);
}

/*
 * The value a restriction compares the hash column with: "column = value"
 * (either side) or, with *is_array set, "column = ANY (value)"; NULL when
 * it says nothing of the hash column.
 */
static Node *
HashComparedValue(Expr *clause, Index relid, const Hypertable *ht, bool *is_array)
{
	*is_array = IsA(clause, ScalarArrayOpExpr);
	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left = linitial(op->args);
		Node	   *right = lsecond(op->args);
		Node	   *value = IsHashColumn(left, relid, ht) ? right :
			IsHashColumn(right, relid, ht) ? left : NULL;

		if (value == NULL || exprType(value) != ht->hash_type ||
			!IsHashEquality(op->opno, op->inputcollid, ht))
			return NULL;
		return value;
	}
	if (*is_array)
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;
		Node	   *array = lsecond(saop->args);

		if (!saop->useOr || !IsHashColumn(linitial(saop->args), relid, ht) ||
			get_element_type(exprType(array)) != ht->hash_type ||
			!IsHashEquality(saop->opno, saop->inputcollid, ht))
			return NULL;
		return array;
	}
	return NULL;
}

/*
 * HashSlicesOfRel - whether rel's restrictions narrow the slices of ht that
 * matching rows can lie in; if so, *slices gets them (maybe none).
 * Restrictions are ANDed: each one on the hash column narrows the set.
 */
bool
HashSlicesOfRel(RelOptInfo *rel, const Hypertable *ht, Bitmapset **slices)
{
	bool		narrowed = false;
	ListCell   *lc;

	*slices = NULL;
	if (ht->hash_partitions == 0)
		return false;
	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst(lc);
		Bitmapset  *allowed = NULL;
		bool		is_array;
		Node	   *value;

		if (rinfo->pseudoconstant ||
			(value = HashComparedValue(rinfo->clause, rel->relid, ht, &is_array)) == NULL ||
			!IsA(value, Const))
			continue;
		HashSlicesOfValue(ht, ((Const *) value)->constvalue, ((Const *) value)->constisnull,
						  is_array, &allowed);
		*slices = narrowed ? bms_int_members(*slices, allowed) : allowed;
		narrowed = true;
	}
	return narrowed;
}

/*
 * HashValuesOfRel - the values known only when the executor starts (a
 * parameter of a generic plan, a stable function) that rel's restrictions
 * compare ht's hash column with, for run-time chunk exclusion; *arrays
 * gets, for each, whether it is the array of "column = ANY (value)".
 */
List *
HashValuesOfRel(RelOptInfo *rel, const Hypertable *ht, List **arrays)
{
	List	   *values = NIL;
	ListCell   *lc;

	*arrays = NIL;
	if (ht->hash_partitions == 0)
		return NIL;
	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst(lc);
		bool		is_array;
		Node	   *value;

		if (rinfo->pseudoconstant ||
			(value = HashComparedValue(rinfo->clause, rel->relid, ht, &is_array)) == NULL ||
			!IsStartupValue(value))
			continue;
		values = lappend(values, value);
		*arrays = lappend_int(*arrays, is_array);
	}
	return values;
}
