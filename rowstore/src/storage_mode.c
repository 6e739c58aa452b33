/*-------------------------------------------------------------------------
 *
 * storage_mode.c
 *	  Applies epiphany.default_storage_mode to new tables: under "column",
 *	  CREATE TABLE and CREATE TABLE AS without a USING clause create
 *	  columnar tables; under "auto", heap tables, which the storage advisor
 *	  may later move.
 *
 *	  Guarantees: an explicit USING always wins; partitioned parents (which
 *	  have no storage) and temporary tables (which the column store does
 *	  not take) keep PostgreSQL's default; when the column store is not
 *	  installed in the database, the statement fails and says so rather
 *	  than silently creating a heap table.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  rowstore/src/storage_mode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"
#include "epiphany/utility_hook.h"

#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "nodes/parsenodes.h"
#include "rowstore.h"
#include "tcop/utility.h"

#define COLUMNAR_AM_NAME "columnar"
#define HEAP_AM_NAME "heap"

static ProcessUtility_hook_type prev_process_utility = NULL;

/*
 * The access method the storage mode gives a new table, or NULL for
 * PostgreSQL's default.  Under "auto" every new table starts on the heap,
 * whatever default_table_access_method says: the storage advisor moves it
 * once the workload is known (epiphany.advise_storage).
 */
static char *
AccessMethodFor(RangeVar *relation, bool partitioned)
{
	if (partitioned || ep_default_storage_mode == EP_STORAGE_ROW)
		return NULL;
	if (ep_default_storage_mode == EP_STORAGE_AUTO)
		return pstrdup(HEAP_AM_NAME);
	if (relation->relpersistence == RELPERSISTENCE_TEMP)
		return NULL;
	if (!OidIsValid(get_am_oid(COLUMNAR_AM_NAME, true)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("epiphany.default_storage_mode is \"column\" but the column store is not installed"),
				 errhint("Run CREATE EXTENSION epiphany_columnstore, or SET epiphany.default_storage_mode = 'row'.")));
	return pstrdup(COLUMNAR_AM_NAME);
}

/*
 * Gives CREATE TABLE and CREATE TABLE AS the storage mode's access method
 * when they name none.  The parse tree may be cached and reused, so the
 * statement is copied before it is changed.
 */
static void
EpProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				 ProcessUtilityContext context, ParamListInfo params,
				 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;

	if (IsA(parsetree, CreateStmt) && ((CreateStmt *) parsetree)->accessMethod == NULL)
	{
		CreateStmt *stmt = (CreateStmt *) parsetree;
		char	   *am = AccessMethodFor(stmt->relation, stmt->partspec != NULL);

		if (am != NULL)
		{
			pstmt = copyObject(pstmt);
			((CreateStmt *) pstmt->utilityStmt)->accessMethod = am;
			readOnlyTree = false;
		}
	}
	else if (IsA(parsetree, CreateTableAsStmt) &&
			 ((CreateTableAsStmt *) parsetree)->objtype == OBJECT_TABLE &&
			 ((CreateTableAsStmt *) parsetree)->into->accessMethod == NULL)
	{
		CreateTableAsStmt *stmt = (CreateTableAsStmt *) parsetree;
		char	   *am = AccessMethodFor(stmt->into->rel, false);

		if (am != NULL)
		{
			pstmt = copyObject(pstmt);
			((CreateTableAsStmt *) pstmt->utilityStmt)->into->accessMethod = am;
			readOnlyTree = false;
		}
	}

	EpProcessUtilityNext(prev_process_utility, pstmt, queryString, readOnlyTree, context, params,
						 queryEnv, dest, qc);
}

/*
 * EpInstallStorageModeHook - install the utility hook; called once, from
 * _PG_init.
 */
void
EpInstallStorageModeHook(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = EpProcessUtility;
}
