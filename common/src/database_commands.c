/*-------------------------------------------------------------------------
 *
 * database_commands.c
 *	  Finds the database that a utility statement needs free of other
 *	  connections (database_commands.h).
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/database_commands.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "epiphany/database_commands.h"
#include "nodes/parsenodes.h"

/* The database named by the option "name" of options, or NULL. */
static const char *
OptionNamingDatabase(List *options, const char *name, const char *dbname)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *option = (DefElem *) lfirst(lc);

		if (strcmp(option->defname, name) == 0 && option->arg != NULL)
			return dbname != NULL ? dbname : defGetString(option);
	}
	return NULL;
}

/*
 * EpDatabaseNeedingSoleAccess - the database that stmt needs to be free of
 * other connections (dropped, renamed, moved to another tablespace or
 * copied as a template), or InvalidOid.
 */
Oid
EpDatabaseNeedingSoleAccess(Node *stmt)
{
	const char *dbname = NULL;

	switch (nodeTag(stmt))
	{
		case T_DropdbStmt:
			dbname = ((DropdbStmt *) stmt)->dbname;
			break;
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->renameType == OBJECT_DATABASE)
				dbname = ((RenameStmt *) stmt)->subname;
			break;
		case T_AlterDatabaseStmt:
			dbname = OptionNamingDatabase(((AlterDatabaseStmt *) stmt)->options, "tablespace",
										  ((AlterDatabaseStmt *) stmt)->dbname);
			break;
		case T_CreatedbStmt:
			dbname = OptionNamingDatabase(((CreatedbStmt *) stmt)->options, "template", NULL);
			break;
		default:
			break;
	}
	return dbname ? get_database_oid(dbname, true) : InvalidOid;
}
