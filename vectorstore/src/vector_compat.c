/*-------------------------------------------------------------------------
 *
 * vector_compat.c
 *	  pgvector's extension name without CASCADE.  Clients (pgvector-python,
 *	  LangChain, LlamaIndex ...) run CREATE EXTENSION [IF NOT EXISTS] vector.
 *	  Our `vector` extension (compat/) holds no object and requires
 *	  epiphany_vectorstore, so PostgreSQL alone would refuse that statement
 *	  in a database without the vector store.  When this library is
 *	  preloaded, its utility hook adds CASCADE to the statement, which then
 *	  installs epiphany_vectorstore first, as a pgvector user expects.
 *
 *	  Another package's vector extension (which `make install` leaves in
 *	  place) requires nothing, so CASCADE changes nothing for it.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/vector_compat.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"
#include "epiphany/utility_hook.h"

#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "vectorstore.h"

static ProcessUtility_hook_type prev_process_utility = NULL;

/* Whether stmt is CREATE EXTENSION vector without a CASCADE option. */
static bool
IsCreateVectorWithoutCascade(Node *stmt)
{
	ListCell   *lc;

	if (!IsA(stmt, CreateExtensionStmt) ||
		strcmp(((CreateExtensionStmt *) stmt)->extname, "vector") != 0)
		return false;
	foreach(lc, ((CreateExtensionStmt *) stmt)->options)
	{
		if (strcmp(((DefElem *) lfirst(lc))->defname, "cascade") == 0)
			return false;
	}
	return true;
}

static void
VectorCompatProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
						   ProcessUtilityContext context, ParamListInfo params,
						   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (IsCreateVectorWithoutCascade(pstmt->utilityStmt))
	{
		CreateExtensionStmt *stmt;

		if (readOnlyTree)
			pstmt = copyObject(pstmt);
		readOnlyTree = false;
		stmt = (CreateExtensionStmt *) pstmt->utilityStmt;
		stmt->options = lappend(stmt->options,
								makeDefElem("cascade", (Node *) makeBoolean(true), -1));
	}
	EpProcessUtilityNext(prev_process_utility, pstmt, queryString, readOnlyTree, context, params,
						 queryEnv, dest, qc);
}

/* VectorCompatInit - installs the utility hook; called once, from _PG_init. */
void
VectorCompatInit(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = VectorCompatProcessUtility;
}
