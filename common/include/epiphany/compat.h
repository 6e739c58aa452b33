/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The one place that tests PG_VERSION_NUM.  Every module includes it
 *	  right after postgres.h.
 *
 *	  Each shim names the PostgreSQL version that changed an API and the
 *	  upstream change; a "Compat" suffix marks a shim whose behaviour differs
 *	  between versions.  We build for 15; 16 to 18 are a matter of adding
 *	  shims here, never of #if blocks elsewhere.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_COMPAT_H
#define EPIPHANY_COMPAT_H

#if PG_VERSION_NUM < 150000
#error "EpiphanyDB requires PostgreSQL 15 or later"
#endif

#if PG_VERSION_NUM >= 190000
#error "EpiphanyDB has not been ported to PostgreSQL 19 yet: add its shims to compat.h"
#endif

/*
 * PostgreSQL 16 (commit 8cdfc3aa) gave PGDLLEXPORT default visibility on
 * every platform; on 15 it is empty outside Windows, so common/mk/module.mk
 * defines it on the command line.  Either way it must be set by now.
 */
#ifndef PGDLLEXPORT
#error "PGDLLEXPORT must be defined by the build (see common/mk/module.mk)"
#endif

#include "fmgr.h"

/*
 * PostgreSQL 16 (commit 8cdfc3aa) also marks the function that
 * PG_FUNCTION_INFO_V1 declares PGDLLEXPORT; on 15 only its info function
 * is, so with hidden visibility the server could not find the function.
 */
#if PG_VERSION_NUM < 160000
#undef PG_FUNCTION_INFO_V1
#define PG_FUNCTION_INFO_V1(funcname) \
extern PGDLLEXPORT Datum funcname(PG_FUNCTION_ARGS); \
extern PGDLLEXPORT const Pg_finfo_record *CppConcat(pg_finfo_,funcname)(void); \
const Pg_finfo_record * \
CppConcat(pg_finfo_,funcname) (void) \
{ \
	static const Pg_finfo_record my_finfo = { 1 }; \
	return &my_finfo; \
} \
extern int no_such_variable
#endif

/*
 * PostgreSQL 16 (commit 9a6aa3e9) declares _PG_init in fmgr.h; on 15 each
 * library must declare it, or -Wmissing-prototypes fails the build.
 */
#if PG_VERSION_NUM < 160000
extern PGDLLEXPORT void _PG_init(void);
#endif

/*
 * PostgreSQL 16 (commit b0a55e43) renamed RelFileNode to RelFileLocator:
 * rd_node.relNode became rd_locator.relNumber.
 */
#if PG_VERSION_NUM < 160000
#define EpRelationFileNumber(rel) ((rel)->rd_node.relNode)
#else
#define EpRelationFileNumber(rel) ((rel)->rd_locator.relNumber)
#endif

/*
 * PostgreSQL 16 added the Datum conversions of ItemPointer (tid) to
 * storage/itemptr.h; on 15 only tid.c had them, privately.
 */
#if PG_VERSION_NUM < 160000
#include "storage/itemptr.h"
static inline ItemPointer
DatumGetItemPointer(Datum X)
{
	return (ItemPointer) DatumGetPointer(X);
}
static inline Datum
ItemPointerGetDatum(const ItemPointerData *X)
{
	return PointerGetDatum(X);
}
#endif

/*
 * PostgreSQL 16 made the reg* input functions report their errors softly:
 * stringToQualifiedNameList takes an error context (NULL: throw).
 */
#if PG_VERSION_NUM < 160000
#define EpStringToQualifiedNameList(string) stringToQualifiedNameList(string)
#else
#define EpStringToQualifiedNameList(string) stringToQualifiedNameList((string), NULL)
#endif

#endif							/* EPIPHANY_COMPAT_H */
