/*-------------------------------------------------------------------------
 *
 * columnar_hooks.c
 *	  The column store's hooks into PostgreSQL outside the table AM: the
 *	  object access hook that forgets a dropped table's metadata (and a
 *	  dropped column's place in its options), the utility hook that renames
 *	  a column in the options and ends the bulk loads of a statement, the
 *	  relation-info hook that keeps parallel scans out of columnar plans
 *	  when epiphany.enable_parallel_workers is off, and that setting.
 *	  (Bitmap heap paths are replaced by ColumnarBitmapScan,
 *	  columnar_bitmap.c.)
 *
 *	  Invariants: hooks chain to whatever was installed before them; they
 *	  are installed once, from _PG_init, and do nothing for other tables.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_hooks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/htup_details.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "columnar.h"
#include "commands/defrem.h"
#include "epiphany/utility_hook.h"
#include "utils/lsyscache.h"
#include "nodes/pathnodes.h"
#include "optimizer/plancat.h"
#include "utils/guc.h"
#include "utils/syscache.h"

static object_access_hook_type prev_object_access_hook = NULL;
static get_relation_info_hook_type prev_get_relation_info_hook = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/*
 * Whether pg_class says "relid" is a columnar table or materialized view;
 * if so, its storage id goes to *storage_id.
 */
static bool
IsColumnarTable(Oid relid, Oid *storage_id)
{
	HeapTuple	tuple;
	Form_pg_class form;
	Oid			am;
	bool		result;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	form = (Form_pg_class) GETSTRUCT(tuple);
	result = (form->relkind == RELKIND_RELATION || form->relkind == RELKIND_MATVIEW) &&
		OidIsValid(form->relam);
	if (result)
	{
		am = get_am_oid(COLUMNAR_AM_NAME, true);
		result = OidIsValid(am) && form->relam == am;
		*storage_id = form->relfilenode;
	}
	ReleaseSysCache(tuple);
	return result;
}

/*
 * ColumnarRelidIsColumnar - whether pg_class says "relid" is a columnar
 * table or materialized view.
 */
bool
ColumnarRelidIsColumnar(Oid relid)
{
	Oid			storage_id;

	return IsColumnarTable(relid, &storage_id);
}

static void
ColumnarObjectAccess(ObjectAccessType access, Oid classId, Oid objectId, int subId, void *arg)
{
	Oid			storage_id;

	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (access != OAT_DROP || classId != RelationRelationId ||
		!IsColumnarTable(objectId, &storage_id))
		return;
	if (subId == 0)
	{
		ColumnarDropStorage(storage_id);
		ColumnarDropOptions(objectId);
	}
	else
	{
		/* a dropped column leaves the sort keys of the options */
		char	   *name = get_attname(objectId, (AttrNumber) subId, true);

		if (name != NULL)
			ColumnarRenameOptionsColumn(objectId, name, NULL);
	}
}

/*
 * Whether CREATE TABLE AS (SELECT INTO, CREATE MATERIALIZED VIEW) or
 * REFRESH MATERIALIZED VIEW statement "stmt" fills a columnar relation
 * with rows: USING columnar, or no USING clause and the default is
 * columnar (epiphany.default_storage_mode = column for tables that are not
 * temporary, as the core extension applies it, else
 * default_table_access_method).
 */
static bool
FillsColumnarRelation(Node *stmt)
{
	if (IsA(stmt, CreateTableAsStmt))
	{
		CreateTableAsStmt *ctas = (CreateTableAsStmt *) stmt;
		const char *am = ctas->into->accessMethod;
		const char *mode = GetConfigOption("epiphany.default_storage_mode", true, false);

		if (ctas->into->skipData || ctas->into->rel->relpersistence == RELPERSISTENCE_TEMP)
			return false;
		if (am == NULL && ctas->objtype == OBJECT_TABLE && mode != NULL &&
			strcmp(mode, "column") == 0)
			am = COLUMNAR_AM_NAME;
		if (am == NULL)
			am = default_table_access_method;
		return strcmp(am, COLUMNAR_AM_NAME) == 0;
	}
	if (IsA(stmt, RefreshMatViewStmt) && !((RefreshMatViewStmt *) stmt)->skipData)
	{
		Oid			relid = RangeVarGetRelid(((RefreshMatViewStmt *) stmt)->relation,
											 NoLock, true);

		return OidIsValid(relid) && ColumnarRelidIsColumnar(relid);
	}
	return false;
}

/*
 * Every utility statement: the bulk loads it started end with it; after
 * ALTER TABLE ... RENAME COLUMN, the options' sort keys follow the column.
 * A statement filling a columnar relation from a query plans that query
 * without parallel workers: the leader of a parallel query cannot reserve
 * row numbers (an in-place catalog update), and its rows would go to the
 * delta store instead of row groups (columnar_bulk.c).
 */
static void
ColumnarProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					   ProcessUtilityContext context, ParamListInfo params,
					   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	RenameStmt *stmt = (RenameStmt *) pstmt->utilityStmt;
	bool		copy = IsA(pstmt->utilityStmt, CopyStmt);
	int			level = ColumnarUtilityStarts(copy);
	bool		success = false;
	int			guc_level = 0;
	Oid			relid;
	List	   *relids;
	ListCell   *lc;

	if (FillsColumnarRelation(pstmt->utilityStmt))
	{
		guc_level = NewGUCNestLevel();
		(void) set_config_option("max_parallel_workers_per_gather", "0", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	}

	/* the bulk loads the statement started end with it (columnar_bulk.c) */
	PG_TRY();
	{
		EpProcessUtilityNext(prev_ProcessUtility, pstmt, queryString, readOnlyTree, context,
							 params, queryEnv, dest, qc);
		success = true;
	}
	PG_FINALLY();
	{
		ColumnarUtilityEnds(level, copy, success);
	}
	PG_END_TRY();
	if (guc_level > 0)
		AtEOXact_GUC(true, guc_level);

	if (!IsA(stmt, RenameStmt) || stmt->renameType != OBJECT_COLUMN || stmt->relation == NULL)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	/* the rename reached the inheritors too, unless ONLY */
	relids = stmt->relation->inh ? find_all_inheritors(relid, NoLock, NULL) :
		list_make1_oid(relid);
	foreach(lc, relids)
	{
		if (ColumnarRelidIsColumnar(lfirst_oid(lc)))
			ColumnarRenameOptionsColumn(lfirst_oid(lc), stmt->subname, stmt->newname);
	}
}

/*
 * With epiphany.enable_parallel_workers off, no parallel scan of a
 * columnar table is planned.
 */
static void
ColumnarGetRelationInfo(PlannerInfo *root, Oid relid, bool inhparent, RelOptInfo *rel)
{
	Oid			storage_id;

	if (prev_get_relation_info_hook)
		prev_get_relation_info_hook(root, relid, inhparent, rel);
	if (inhparent || !IsColumnarTable(relid, &storage_id))
		return;
	if (!ep_enable_parallel_workers)
		rel->rel_parallel_workers = 0;
}

/*
 * epiphany.enable_parallel_workers: parallel scans of columnar tables, and
 * bulk loads encoding in a background worker (columnar_writer.c).
 */
bool		ep_enable_parallel_workers = true;

/*
 * ColumnarInstallHooks - install the hooks and define the setting; called
 * once from _PG_init.
 */
void
ColumnarInstallHooks(void)
{
	DefineCustomBoolVariable("epiphany.enable_parallel_workers",
							 "Lets columnar tables use more than one process: parallel "
							 "scans, and a background worker encoding bulk loads.",
							 "Off plans every scan of a columnar table in one process and "
							 "encodes bulk loads in the loading backend, to compare.",
							 &ep_enable_parallel_workers, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	prev_object_access_hook = object_access_hook;
	object_access_hook = ColumnarObjectAccess;
	prev_get_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = ColumnarGetRelationInfo;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = ColumnarProcessUtility;
}
