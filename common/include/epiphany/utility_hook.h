/*-------------------------------------------------------------------------
 *
 * utility_hook.h
 *	  Chaining of ProcessUtility hooks: every EpiphanyDB library that hooks
 *	  utility statements passes each one on to the hook installed before
 *	  its own, or to PostgreSQL's standard_ProcessUtility when there is
 *	  none, so that the libraries (and others) stack in any load order.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/utility_hook.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_UTILITY_HOOK_H
#define EPIPHANY_UTILITY_HOOK_H

#include "tcop/utility.h"

/* Runs a utility statement through prev, the hook before ours, if any. */
static inline void
EpProcessUtilityNext(ProcessUtility_hook_type prev, PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context, ParamListInfo params,
					 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (prev)
		prev(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
								dest, qc);
}

#endif							/* EPIPHANY_UTILITY_HOOK_H */
