/*-------------------------------------------------------------------------
 *
 * columnar_relation_ref.c
 *	  The type of the per-table options catalog's key,
 *	  _epiphany_columnar.relation_ref: a table's OID that prints as the
 *	  table's name, like regclass, but reads the name of a table that does
 *	  not exist as 0 where regclass errors out.
 *
 *	  pg_dump dumps the options catalog (an extension configuration table)
 *	  whole.  A dump that leaves tables out (pg_dump -T) would otherwise
 *	  restore none of the options: the first missing table's name failed
 *	  the catalog's COPY.  Now such rows read as 0, and the catalog's BEFORE
 *	  INSERT trigger drops them, so the restored tables keep their options.
 *	  The type is binary-compatible with oid (casts both ways), so its key
 *	  index uses oid's operators and the column store reads it as an Oid.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_relation_ref.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "catalog/namespace.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/regproc.h"

PG_FUNCTION_INFO_V1(ep_relation_ref_in);
PG_FUNCTION_INFO_V1(ep_relation_ref_out);

/*
 * relation_ref_in(cstring): an OID written as digits, "-" (0), or a
 * possibly qualified table name, looked up on the search path: 0 when no
 * such table exists.  A malformed name is an error, as for regclass.
 */
Datum
ep_relation_ref_in(PG_FUNCTION_ARGS)
{
	char	   *text = PG_GETARG_CSTRING(0);
	List	   *names;

	if (strcmp(text, "-") == 0)
		PG_RETURN_OID(InvalidOid);
	if (text[0] >= '0' && text[0] <= '9' && strspn(text, "0123456789") == strlen(text))
		return DirectFunctionCall1(oidin, CStringGetDatum(text));
	names = EpStringToQualifiedNameList(text);
	PG_RETURN_OID(RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true));
}

/* relation_ref_out(relation_ref): as regclass prints it ("-" for 0). */
Datum
ep_relation_ref_out(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1(regclassout, PG_GETARG_DATUM(0));
}
