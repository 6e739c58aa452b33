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

#include <ctype.h>

#include "rowstore.h"
#include "utils/guc.h"

int			ep_default_storage_mode = EP_STORAGE_ROW;
bool		ep_auto_apply_advice = false;
char	   *ep_maintenance_window_start = NULL;
char	   *ep_maintenance_window_end = NULL;

static const struct config_enum_entry storage_mode_options[] = {
	{"row", EP_STORAGE_ROW, false},
	{"column", EP_STORAGE_COLUMN, false},
	{"auto", EP_STORAGE_AUTO, false},
	{NULL, 0, false}
};

/* Two decimal digits at text[0..1], or -1. */
static int
TwoDigits(const char *text)
{
	if (!isdigit((unsigned char) text[0]) || !isdigit((unsigned char) text[1]))
		return -1;
	return (text[0] - '0') * 10 + (text[1] - '0');
}

/*
 * Checks a maintenance window bound: a time of day written "HH:MM" or
 * "HH:MM:SS" on a 24-hour clock, read in the server's TimeZone by the
 * storage advisor's job (epiphany.in_maintenance_window).
 */
static bool
CheckTimeOfDay(char **newval, void **extra, GucSource source)
{
	const char *text = *newval;
	size_t		len = strlen(text);
	int			hour;
	int			minute;
	int			second = 0;

	if ((len == 5 || len == 8) && text[2] == ':' && (len == 5 || text[5] == ':'))
	{
		hour = TwoDigits(text);
		minute = TwoDigits(text + 3);
		if (len == 8)
			second = TwoDigits(text + 6);
		if (hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 &&
			second >= 0 && second <= 59)
			return true;
	}
	GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
	GUC_check_errmsg("invalid time of day \"%s\"", text);
	GUC_check_errhint("Write a time of day as HH:MM or HH:MM:SS on a 24-hour clock, for example \"02:30\".");
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
							 NULL,
							 NULL,
							 NULL);

	DefineCustomBoolVariable("epiphany.auto_apply_advice",
							 "Lets the storage advisor's job convert tables it advises to convert.",
							 "Only inside the maintenance window set by "
							 "epiphany.maintenance_window_start and epiphany.maintenance_window_end.",
							 &ep_auto_apply_advice,
							 false,
							 PGC_SUSET,
							 0,
							 NULL,
							 NULL,
							 NULL);

	DefineCustomStringVariable("epiphany.maintenance_window_start",
							   "Time of day at which the maintenance window opens (HH:MM).",
							   "The storage advisor's job converts tables only inside the window, "
							   "read in the server's TimeZone; a window may span midnight.",
							   &ep_maintenance_window_start,
							   EP_MAINTENANCE_WINDOW_START,
							   PGC_SUSET,
							   0,
							   CheckTimeOfDay,
							   NULL,
							   NULL);

	DefineCustomStringVariable("epiphany.maintenance_window_end",
							   "Time of day at which the maintenance window closes (HH:MM).",
							   "Equal start and end make an empty window.",
							   &ep_maintenance_window_end,
							   EP_MAINTENANCE_WINDOW_END,
							   PGC_SUSET,
							   0,
							   CheckTimeOfDay,
							   NULL,
							   NULL);
}
