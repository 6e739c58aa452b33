/*-------------------------------------------------------------------------
 *
 * hypertable_utility.c
 *	  Utility statements on hypertables: COPY FROM, which routes each row to
 *	  its chunk (hypertable_copy.c; PostgreSQL's COPY would store rows in
 *	  the parent); CREATE INDEX and CREATE TRIGGER, which also create the
 *	  index or the row trigger on every chunk (DROP INDEX and DROP TRIGGER
 *	  remove those through their dependency on the hypertable's); VACUUM
 *	  and ANALYZE, which also process every chunk; DROP TABLE, which drops
 *	  the chunks too; ALTER TABLE, whose new constraint indexes, foreign
 *	  keys and storage settings reach the chunks (and which may not
 *	  retype or drop a partitioning column); renaming a partitioning
 *	  column, which the catalog follows.  A restore creates a chunk's copies of its
 *	  hypertable's indexes and triggers twice (from the hypertable's, then
 *	  from the chunk's own entries in the dump): the second is skipped.
 *
 *	  Invariants: a unique index must include the partitioning columns
 *	  (time, and the hash column if any), since uniqueness is enforced per
 *	  chunk, which is only global when equal keys fall in one chunk.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/hypertable_utility.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"
#include "epiphany/utility_hook.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/tablecmds.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "tcop/utility.h"
#include "timestore.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static const Hypertable *HypertableOfRangeVar(RangeVar *relation);

/* ----------------------------------------------------------------
 *		CREATE INDEX
 * ----------------------------------------------------------------
 */

/* The names of ht's partitioning columns: time, then hash (if any). */
static List *
PartitioningColumns(const Hypertable *ht)
{
	List	   *columns = list_make1(get_attname(ht->relid, ht->time_attno, false));

	if (ht->hash_partitions > 0)
		columns = lappend(columns, get_attname(ht->relid, ht->hash_attno, false));
	return columns;
}

/* Errors out: a unique index or constraint on ht leaves out column. */
static void
ReportUniqueWithout(const char *column, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
			 errmsg("cannot create a unique index without the column \"%s\" (used in partitioning)",
					column),
			 errhint("Add the column to the %s: uniqueness is enforced within each chunk.", what)));
}

/* Errors out if a unique index on ht would leave out a partitioning column. */
static void
IndexCheckPartitioningColumns(IndexStmt *stmt, const Hypertable *ht)
{
	ListCell   *lc;
	ListCell   *lc2;

	if (!stmt->unique && !stmt->primary && stmt->excludeOpNames == NIL)
		return;
	foreach(lc, PartitioningColumns(ht))
	{
		bool		found = false;

		foreach(lc2, stmt->indexParams)
		{
			IndexElem  *elem = lfirst(lc2);

			found |= elem->name != NULL && strcmp(elem->name, lfirst(lc)) == 0;
		}
		if (!found)
			ReportUniqueWithout(lfirst(lc), "index");
	}
}

/* Creates on every chunk of ht the indexes of ht that are not in before. */
static void
IndexPropagate(const Hypertable *ht, List *before)
{
	Relation	htrel = table_open(ht->relid, ShareLock);
	List	   *after = RelationGetIndexList(htrel);
	List	   *chunks = find_inheritance_children(ht->relid, ShareLock);
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, after)
	{
		if (list_member_oid(before, lfirst_oid(lc)))
			continue;
		foreach(lc2, chunks)
		{
			Relation	chunkrel = table_open(lfirst_oid(lc2), NoLock);

			ChunkCloneIndex(chunkrel, htrel, lfirst_oid(lc));
			table_close(chunkrel, NoLock);
		}
	}
	table_close(htrel, NoLock);
}

/* Creates on every chunk of ht its new row trigger named name. */
static void
TriggerPropagate(const Hypertable *ht, const char *name)
{
	Relation	htrel = table_open(ht->relid, ShareRowExclusiveLock);
	List	   *chunks = find_inheritance_children(ht->relid, ShareRowExclusiveLock);
	ListCell   *lc;
	int			i;

	for (i = 0; htrel->trigdesc != NULL && i < htrel->trigdesc->numtriggers; i++)
	{
		const Trigger *trigger = &htrel->trigdesc->triggers[i];

		if (strcmp(trigger->tgname, name) != 0)
			continue;
		foreach(lc, chunks)
		{
			Relation	chunkrel = table_open(lfirst_oid(lc), NoLock);

			ChunkCloneTrigger(chunkrel, trigger);
			table_close(chunkrel, NoLock);
		}
	}
	table_close(htrel, NoLock);
}

/* ----------------------------------------------------------------
 *		ALTER TABLE and RENAME
 * ----------------------------------------------------------------
 */

/* Whether a unique, primary key or exclusion constraint covers column. */
static bool
ConstraintHasColumn(Constraint *constraint, const char *column)
{
	ListCell   *lc;

	foreach(lc, constraint->keys)
		if (strcmp(strVal(lfirst(lc)), column) == 0)
			return true;
	foreach(lc, constraint->exclusions)
	{
		IndexElem  *elem = linitial((List *) lfirst(lc));

		if (elem->name != NULL && strcmp(elem->name, column) == 0)
			return true;
	}
	return false;
}

/*
 * Refuses what ALTER TABLE on a hypertable cannot do: change the type of a
 * partitioning column or drop it, or add a unique constraint without it.
 */
static void
AlterTableCheck(AlterTableStmt *stmt, const Hypertable *ht)
{
	List	   *columns = PartitioningColumns(ht);
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		Constraint *constraint = (Constraint *) cmd->def;
		bool		unique = cmd->subtype == AT_AddConstraint && constraint != NULL &&
			IsA(constraint, Constraint) &&
			(constraint->contype == CONSTR_PRIMARY || constraint->contype == CONSTR_UNIQUE ||
			 constraint->contype == CONSTR_EXCLUSION) &&
			constraint->indexname == NULL;

		foreach(lc2, columns)
		{
			const char *column = lfirst(lc2);

			if ((cmd->subtype == AT_AlterColumnType || cmd->subtype == AT_DropColumn) &&
				cmd->name != NULL && strcmp(cmd->name, column) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot %s the partitioning column \"%s\" of a hypertable",
								cmd->subtype == AT_DropColumn ? "drop" : "change the type of",
								column)));
			if (unique && !ConstraintHasColumn(constraint, column))
				ReportUniqueWithout(column, "constraint");
		}
	}
}

/* The foreign keys of relid, by constraint OID. */
static List *
ForeignKeysOf(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(rel))
		result = lappend_oid(result, ((ForeignKeyCacheInfo *) lfirst(lc))->conoid);
	table_close(rel, AccessShareLock);
	return result;
}

/* Adds to every chunk of ht the foreign keys of ht that are not in before. */
static void
ForeignKeysPropagate(const Hypertable *ht, List *before)
{
	List	   *chunks = find_inheritance_children(ht->relid, ShareRowExclusiveLock);
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, ForeignKeysOf(ht->relid))
	{
		Oid			conoid = lfirst_oid(lc);
		char	   *definition;

		if (list_member_oid(before, conoid))
			continue;
		definition = TextDatumGetCString(DirectFunctionCall1(pg_get_constraintdef,
															 ObjectIdGetDatum(conoid)));
		foreach(lc2, chunks)
		{
			char	   *sql = psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s",
									   QualifiedRelationName(lfirst_oid(lc2)),
									   quote_identifier(get_constraint_name(conoid)),
									   definition);

			SPI_connect();
			if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
				elog(ERROR, "could not add a foreign key to a chunk");
			SPI_finish();
		}
	}
}

/*
 * ALTER TABLE ... SET/RESET (storage parameters) and ALTER COLUMN ... SET
 * COMPRESSION on a hypertable, which PostgreSQL applies to the table only:
 * the same on every chunk (new chunks copy the hypertable's settings:
 * create_chunk_table).
 */
static void
StorageSettingsPropagate(const Hypertable *ht, AlterTableStmt *stmt)
{
	List	   *cmds = NIL;
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_SetRelOptions || cmd->subtype == AT_ResetRelOptions ||
			cmd->subtype == AT_SetCompression)
			cmds = lappend(cmds, copyObject(cmd));
	}
	if (cmds == NIL)
		return;
	foreach(lc, find_inheritance_children(ht->relid, AlterTableGetLockLevel(cmds)))
		AlterTableInternal(lfirst_oid(lc), cmds, false);
}

/* RENAME of a hypertable's partitioning column: the catalog follows. */
static void
RenamePartitioningColumn(const Hypertable *ht, const char *oldname, const char *newname)
{
	Oid			argtypes[3] = {INT4OID, NAMEOID, NAMEOID};
	Datum		values[3];
	NameData	old;
	NameData	name;

	namestrcpy(&old, oldname);
	namestrcpy(&name, newname);
	values[0] = Int32GetDatum(ht->id);
	values[1] = NameGetDatum(&old);
	values[2] = NameGetDatum(&name);
	CatalogExecute("UPDATE _epiphany_timestore.hypertable"
				   " SET time_column = CASE WHEN time_column = $2 THEN $3 ELSE time_column END,"
				   "     hash_column = CASE WHEN hash_column = $2 THEN $3 ELSE hash_column END"
				   " WHERE id = $1 AND $2 IN (time_column, hash_column)",
				   3, argtypes, values, NULL, NULL);
	CommandCounterIncrement();
}

/* ----------------------------------------------------------------
 *		Restoring chunks' indexes and triggers
 * ----------------------------------------------------------------
 */

/* Whether object (of class classid) depends automatically on a pg_class or
 * pg_trigger object other than relation relid: a chunk's clone of one of
 * its hypertable's indexes or triggers. */
static bool
IsCloneOfHypertableObject(Oid classid, Oid object, Oid relid)
{
	Relation	depend = table_open(DependRelationId, AccessShareLock);
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		found = false;

	ScanKeyInit(&keys[0], Anum_pg_depend_classid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(classid));
	ScanKeyInit(&keys[1], Anum_pg_depend_objid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(object));
	scan = systable_beginscan(depend, DependDependerIndexId, true, NULL, 2, keys);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

		found = dep->deptype == DEPENDENCY_AUTO && dep->refobjid != relid &&
			dep->refclassid == classid;
	}
	systable_endscan(scan);
	table_close(depend, AccessShareLock);
	return found;
}

/*
 * Whether a CREATE INDEX or CREATE TRIGGER on a chunk would make again what
 * the chunk already has as a clone of its hypertable's: a restore creates
 * the hypertable's index (which reaches every chunk) before the chunks'
 * own, which its dump also lists.  Such a statement is skipped.
 */
static bool
AlreadyCloned(Node *parsetree)
{
	Oid			relid;
	Oid			object = InvalidOid;

	if (IsA(parsetree, IndexStmt) && ((IndexStmt *) parsetree)->idxname != NULL)
	{
		IndexStmt  *stmt = (IndexStmt *) parsetree;

		relid = RangeVarGetRelid(stmt->relation, NoLock, true);
		if (!OidIsValid(relid))
			return false;
		object = get_relname_relid(stmt->idxname, get_rel_namespace(relid));
		if (!OidIsValid(object) || IndexGetRelation(object, true) != relid ||
			!IsCloneOfHypertableObject(RelationRelationId, object, relid))
			return false;
		ereport(NOTICE,
				(errmsg("index \"%s\" of chunk \"%s\" already exists as a copy of its hypertable's, skipping",
						stmt->idxname, get_rel_name(relid))));
		return true;
	}
	if (IsA(parsetree, CreateTrigStmt) && !((CreateTrigStmt *) parsetree)->replace)
	{
		CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;

		relid = RangeVarGetRelid(stmt->relation, NoLock, true);
		if (!OidIsValid(relid))
			return false;
		object = get_trigger_oid(relid, stmt->trigname, true);
		if (!OidIsValid(object) ||
			!IsCloneOfHypertableObject(TriggerRelationId, object, relid))
			return false;
		ereport(NOTICE,
				(errmsg("trigger \"%s\" of chunk \"%s\" already exists as a copy of its hypertable's, skipping",
						stmt->trigname, get_rel_name(relid))));
		return true;
	}
	return false;
}

/* ----------------------------------------------------------------
 *		VACUUM and ANALYZE
 * ----------------------------------------------------------------
 */

/*
 * VACUUM and ANALYZE of a hypertable also process its chunks (PostgreSQL
 * recurses into partitions, not into inheritance children): the chunks'
 * relations are added to the statement's list, with the same columns.
 */
static void
VacuumAddChunks(VacuumStmt *stmt)
{
	List	   *added = NIL;
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, stmt->rels)
	{
		VacuumRelation *vrel = lfirst(lc);
		const Hypertable *ht = HypertableOfRangeVar(vrel->relation);

		if (ht == NULL)
			continue;
		foreach(lc2, find_inheritance_children(ht->relid, NoLock))
		{
			Oid			chunk = lfirst_oid(lc2);
			RangeVar   *rv = makeRangeVar(get_namespace_name(get_rel_namespace(chunk)),
										  get_rel_name(chunk), -1);

			added = lappend(added, makeVacuumRelation(rv, InvalidOid, vrel->va_cols));
		}
	}
	stmt->rels = list_concat(stmt->rels, added);
}

/* ----------------------------------------------------------------
 *		DROP TABLE
 * ----------------------------------------------------------------
 */

/*
 * Before DROP TABLE of hypertables: every chunk depends on its hypertable
 * automatically, so the drop takes the chunks along without CASCADE.  Chunk
 * creation records that dependency; a restored dump has the ordinary one of
 * inheritance instead, which this puts right.
 */
static void
DropPrepareChunks(DropStmt *stmt)
{
	ListCell   *lc;
	ListCell   *lc2;

	if (stmt->removeType != OBJECT_TABLE)
		return;
	foreach(lc, stmt->objects)
	{
		const Hypertable *ht = HypertableOfRangeVar(makeRangeVarFromNameList(lfirst(lc)));
		ObjectAddress parent;

		if (ht == NULL)
			continue;
		ObjectAddressSet(parent, RelationRelationId, ht->relid);
		foreach(lc2, find_inheritance_children(ht->relid, AccessExclusiveLock))
		{
			ObjectAddress chunk;

			ObjectAddressSet(chunk, RelationRelationId, lfirst_oid(lc2));
			if (deleteDependencyRecordsForSpecific(RelationRelationId, chunk.objectId,
												   DEPENDENCY_NORMAL, RelationRelationId,
												   ht->relid) > 0)
				recordDependencyOn(&chunk, &parent, DEPENDENCY_AUTO);
		}
	}
	CommandCounterIncrement();
}

/* ----------------------------------------------------------------
 *		The hook
 * ----------------------------------------------------------------
 */

/* Passes a statement on to the next utility hook, or to PostgreSQL. */
void
UtilityCallNext(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				   ProcessUtilityContext context, ParamListInfo params,
				   QueryEnvironment *queryEnv, DestReceiver *dest,
				   QueryCompletion *qc)
{
	EpProcessUtilityNext(prev_ProcessUtility, pstmt, queryString, readOnlyTree, context, params,
						 queryEnv, dest, qc);
}

/* The hypertable a RangeVar names, or NULL. */
static const Hypertable *
HypertableOfRangeVar(RangeVar *relation)
{
	if (relation == NULL)
		return NULL;
	return HypertableGet(RangeVarGetRelid(relation, NoLock, true));
}

static void
HypertableProcessUtility(PlannedStmt *pstmt, const char *queryString,
						 bool readOnlyTree, ProcessUtilityContext context,
						 ParamListInfo params, QueryEnvironment *queryEnv,
						 DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	const Hypertable *ht;

	if (ContinuousAggProcessUtility(pstmt, queryString, readOnlyTree, context, params,
									queryEnv, dest, qc))
		return;

	if (IsA(parsetree, CopyStmt) && ((CopyStmt *) parsetree)->is_from &&
		(ht = HypertableOfRangeVar(((CopyStmt *) parsetree)->relation)) != NULL)
	{
		CopyStmt   *stmt = (CopyStmt *) parsetree;
		ParseState *pstate = make_parsestate(NULL);
		Relation	rel = table_openrv(stmt->relation, RowExclusiveLock);
		Hypertable	copy = *ht;
		uint64		processed;

		pstate->p_sourcetext = queryString;
		pstate->p_queryEnv = queryEnv;
		processed = HypertableCopyFrom(pstate, stmt, rel, &copy);
		table_close(rel, NoLock);
		free_parsestate(pstate);
		if (qc)
			SetQueryCompletion(qc, CMDTAG_COPY, processed);
		return;
	}

	if (IsA(parsetree, IndexStmt) &&
		(ht = HypertableOfRangeVar(((IndexStmt *) parsetree)->relation)) != NULL)
	{
		IndexStmt  *stmt = (IndexStmt *) parsetree;
		Hypertable	copy = *ht;
		Relation	rel;
		List	   *before;

		IndexCheckPartitioningColumns(stmt, &copy);
		if (stmt->concurrent)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("CREATE INDEX CONCURRENTLY is not supported on hypertables"),
					 errhint("Create the index without CONCURRENTLY, or on each chunk concurrently.")));
		rel = table_open(copy.relid, ShareLock);
		before = RelationGetIndexList(rel);
		table_close(rel, NoLock);
		UtilityCallNext(pstmt, queryString, readOnlyTree, context, params,
						   queryEnv, dest, qc);
		CommandCounterIncrement();
		IndexPropagate(&copy, before);
		return;
	}

	if (IsA(parsetree, CreateTrigStmt) &&
		(ht = HypertableOfRangeVar(((CreateTrigStmt *) parsetree)->relation)) != NULL)
	{
		CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;
		Hypertable	copy = *ht;

		UtilityCallNext(pstmt, queryString, readOnlyTree, context, params,
						   queryEnv, dest, qc);
		CommandCounterIncrement();
		TriggerPropagate(&copy, stmt->trigname);
		return;
	}

	if (AlreadyCloned(parsetree))
		return;

	if (IsA(parsetree, AlterTableStmt) &&
		((AlterTableStmt *) parsetree)->objtype == OBJECT_TABLE &&
		(ht = HypertableOfRangeVar(((AlterTableStmt *) parsetree)->relation)) != NULL)
	{
		Hypertable	copy = *ht;
		Relation	rel;
		List	   *indexes;
		List	   *fkeys;

		AlterTableCheck((AlterTableStmt *) parsetree, &copy);
		rel = table_open(copy.relid, AccessShareLock);
		indexes = RelationGetIndexList(rel);
		table_close(rel, AccessShareLock);
		fkeys = ForeignKeysOf(copy.relid);
		UtilityCallNext(pstmt, queryString, readOnlyTree, context, params,
						   queryEnv, dest, qc);
		CommandCounterIncrement();
		/* a constraint's index (PRIMARY KEY, UNIQUE) and foreign keys reach the chunks */
		IndexPropagate(&copy, indexes);
		ForeignKeysPropagate(&copy, fkeys);
		StorageSettingsPropagate(&copy, (AlterTableStmt *) parsetree);
		return;
	}

	if (IsA(parsetree, RenameStmt) &&
		((RenameStmt *) parsetree)->renameType == OBJECT_COLUMN &&
		(ht = HypertableOfRangeVar(((RenameStmt *) parsetree)->relation)) != NULL)
	{
		RenameStmt *stmt = (RenameStmt *) parsetree;
		Hypertable	copy = *ht;
		char	   *oldname = pstrdup(stmt->subname);
		char	   *newname = pstrdup(stmt->newname);

		UtilityCallNext(pstmt, queryString, readOnlyTree, context, params,
						   queryEnv, dest, qc);
		RenamePartitioningColumn(&copy, oldname, newname);
		return;
	}

	if (IsA(parsetree, DropStmt))
		DropPrepareChunks((DropStmt *) parsetree);

	if (IsA(parsetree, VacuumStmt))
	{
		if (readOnlyTree)
			pstmt = copyObject(pstmt);
		VacuumAddChunks((VacuumStmt *) pstmt->utilityStmt);
		UtilityCallNext(pstmt, queryString, false, context, params,
						   queryEnv, dest, qc);
		return;
	}

	UtilityCallNext(pstmt, queryString, readOnlyTree, context, params,
					   queryEnv, dest, qc);
}

/* Called by _PG_init. */
void
HypertableUtilityInit(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = HypertableProcessUtility;
}
