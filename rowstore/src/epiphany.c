/*-------------------------------------------------------------------------
 *
 * epiphany.c
 *	  Entry point of epiphany_rowstore, the EpiphanyDB core library: defines
 *	  the epiphany.* core settings, installs the storage-mode hook and
 *	  registers the row engine.
 *
 *	  The row engine is PostgreSQL's own heap and index access methods, so
 *	  this library adds no storage of its own; it carries what every engine
 *	  shares.  It may be loaded on demand, but the suite expects it first in
 *	  shared_preload_libraries.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  rowstore/src/epiphany.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/engine.h"
#include "fmgr.h"
#include "rowstore.h"

PG_MODULE_MAGIC;

void
_PG_init(void)
{
	EpDefineCoreSettings();
	EpInstallStorageModeHook();
	EpRegisterEngine("row", EP_ROWSTORE_LIBRARY);
}
