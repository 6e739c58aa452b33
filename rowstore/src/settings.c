/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  The epiphany.* settings owned by the core.
 *
 *	  A setting is declared here only once something reads it.  Engines
 *	  declare their own epiphany.* settings in their own libraries.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  rowstore/src/settings.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "rowstore.h"
#include "utils/guc.h"

int			ep_default_storage_mode = EP_STORAGE_ROW;

static const struct config_enum_entry storage_mode_options[] = {
	{"row", EP_STORAGE_ROW, false},
	{"column", EP_STORAGE_COLUMN, false},
	{"auto", EP_STORAGE_AUTO, false},
	{NULL, 0, false}
};

/*
 * Accepts only the storage modes an engine can serve today: "auto" waits
 * for the storage advisor and is refused, with the reason, rather than
 * silently mapped to the heap.
 */
static bool
CheckDefaultStorageMode(int *newval, void **extra, GucSource source)
{
	if (*newval != EP_STORAGE_AUTO)
		return true;

	GUC_check_errcode(ERRCODE_FEATURE_NOT_SUPPORTED);
	GUC_check_errmsg("storage mode \"auto\" is not available yet");
	GUC_check_errdetail("The storage advisor that \"auto\" relies on is not part of this version; use \"row\" or \"column\".");
	return false;
}

/*
 * EpDefineCoreSettings - define the core's epiphany.* settings.  Called once,
 * from _PG_init.
 */
void
EpDefineCoreSettings(void)
{
	DefineCustomEnumVariable("epiphany.default_storage_mode",
							 "Storage engine for new tables: row, column or auto.",
							 "row is PostgreSQL's heap; column is the column store; "
							 "auto starts on the heap and follows the storage advisor.",
							 &ep_default_storage_mode,
							 EP_STORAGE_ROW,
							 storage_mode_options,
							 PGC_USERSET,
							 0,
							 CheckDefaultStorageMode,
							 NULL,
							 NULL);
}
