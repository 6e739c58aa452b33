/*-------------------------------------------------------------------------
 *
 * database_commands.h
 *	  Which utility statements need a database free of other connections.
 *	  A library that keeps a background worker connected to a database
 *	  (the time store's job scheduler, the column store's merge worker)
 *	  stops it before such a statement, which would otherwise fail with
 *	  "database is being accessed by other users".
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/database_commands.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_DATABASE_COMMANDS_H
#define EPIPHANY_DATABASE_COMMANDS_H

#include "nodes/nodes.h"

extern Oid	EpDatabaseNeedingSoleAccess(Node *stmt);

#endif							/* EPIPHANY_DATABASE_COMMANDS_H */
