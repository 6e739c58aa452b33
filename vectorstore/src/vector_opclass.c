/*-------------------------------------------------------------------------
 *
 * vector_opclass.c
 *	  The amvalidate callback shared by the vector index access methods
 *	  (hnsw, ivfflat): their operator classes have the same shape, one
 *	  ORDER BY operator and a distance support function, plus an optional
 *	  norm function.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/vector_opclass.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "utils/syscache.h"
#include "vectorstore.h"

/* Reports one problem of an operator family at INFO level. */
static void
ReportOpfamilyProblem(const char *opfamilyname, const char *amname, const char *what,
					  Oid object)
{
	ereport(INFO,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("operator family \"%s\" of access method %s %s %u",
					opfamilyname, amname, what, object)));
}

/*
 * EpValidateDistanceOpclass - checks an operator class: support procedure 1 is
 * float8 f(T, T), optional procedure 2 is float8 f(T), and the only
 * operator is strategy 1, an ORDER BY operator returning float8 sorted by a
 * btree family that can sort float8.
 */
bool
EpValidateDistanceOpclass(Oid opclassoid)
{
	bool		result = true;
	HeapTuple	classtup;
	HeapTuple	familytup;
	Form_pg_opclass classform;
	Oid			opfamilyoid;
	Oid			opcintype;
	char	   *opfamilyname;
	char	   *amname;
	CatCList   *proclist;
	CatCList   *oprlist;
	bool		hasdistance = false;

	classtup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclassoid));
	if (!HeapTupleIsValid(classtup))
		elog(ERROR, "cache lookup failed for operator class %u", opclassoid);
	classform = (Form_pg_opclass) GETSTRUCT(classtup);
	opfamilyoid = classform->opcfamily;
	opcintype = classform->opcintype;
	amname = get_am_name(classform->opcmethod);
	familytup = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(opfamilyoid));
	if (!HeapTupleIsValid(familytup))
		elog(ERROR, "cache lookup failed for operator family %u", opfamilyoid);
	opfamilyname = pstrdup(NameStr(((Form_pg_opfamily) GETSTRUCT(familytup))->opfname));
	ReleaseSysCache(familytup);

	proclist = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(opfamilyoid));
	for (int i = 0; i < proclist->n_members; i++)
	{
		Form_pg_amproc procform = (Form_pg_amproc) GETSTRUCT(&proclist->members[i]->tuple);
		bool		ok;

		if (procform->amproclefttype != opcintype || procform->amprocrighttype != opcintype)
			continue;
		switch (procform->amprocnum)
		{
			case EP_INDEX_DISTANCE_PROC:
				ok = check_amproc_signature(procform->amproc, FLOAT8OID, false,
											2, 2, opcintype, opcintype);
				hasdistance = true;
				break;
			case EP_INDEX_NORM_PROC:
				ok = check_amproc_signature(procform->amproc, FLOAT8OID, false,
											1, 1, opcintype);
				break;
			default:
				ok = false;
				break;
		}
		if (!ok)
		{
			ReportOpfamilyProblem(opfamilyname, amname, "contains an invalid support function",
								  procform->amproc);
			result = false;
		}
	}
	ReleaseSysCacheList(proclist);

	oprlist = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(opfamilyoid));
	for (int i = 0; i < oprlist->n_members; i++)
	{
		Form_pg_amop oprform = (Form_pg_amop) GETSTRUCT(&oprlist->members[i]->tuple);

		if (oprform->amopstrategy != EP_INDEX_ORDER_STRATEGY ||
			oprform->amoppurpose != AMOP_ORDER ||
			!OidIsValid(oprform->amopsortfamily) ||
			!opfamily_can_sort_type(oprform->amopsortfamily, FLOAT8OID) ||
			!check_amop_signature(oprform->amopopr, FLOAT8OID,
								  oprform->amoplefttype, oprform->amoprighttype))
		{
			ReportOpfamilyProblem(opfamilyname, amname, "contains an invalid operator",
								  oprform->amopopr);
			result = false;
		}
	}
	ReleaseSysCacheList(oprlist);

	if (!hasdistance)
	{
		ReportOpfamilyProblem(opfamilyname, amname, "lacks the distance function for operator class",
							  opclassoid);
		result = false;
	}
	ReleaseSysCache(classtup);
	return result;
}
