/*-------------------------------------------------------------------------
 *
 * columnstore.c
 *	  Entry point of epiphany_columnstore: registers the column engine and
 *	  installs its hooks.
 *
 *	  The library must be preloaded: its background merge worker and WAL
 *	  resource manager can only be installed at server start, so the
 *	  extension refuses to install otherwise.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnstore.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "columnar.h"
#include "epiphany/engine.h"
#include "fmgr.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(ep_columnstore_require_preload);

void
_PG_init(void)
{
	EpRegisterEngine("column", EP_COLUMNSTORE_LIBRARY);
	ColumnarInstallHooks();
	ColumnarInstallScan();
	ColumnarInstallBitmapScan();
	ColumnarInstallSummary();
	ColumnarInstallAggregate();
	ColumnarInstallBulkInsertHooks();
	ColumnarInstallAutoMerge();
}

/*
 * Called by the install script: errors out unless the library was preloaded.
 */
Datum
ep_columnstore_require_preload(PG_FUNCTION_ARGS)
{
	EpRequirePreload(EP_COLUMNSTORE_LIBRARY);
	PG_RETURN_VOID();
}
