/*-------------------------------------------------------------------------
 *
 * rowstore.h
 *	  Declarations shared by the files of epiphany_rowstore, the EpiphanyDB
 *	  core library.  Included only by the files under rowstore/src.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  rowstore/src/rowstore.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_ROWSTORE_H
#define EPIPHANY_ROWSTORE_H

#define EP_ROWSTORE_LIBRARY "epiphany_rowstore"

/* Values of epiphany.default_storage_mode. */
typedef enum EpStorageMode
{
	EP_STORAGE_ROW,				/* PostgreSQL's heap */
	EP_STORAGE_COLUMN,			/* the column store's access method "columnar" */
	EP_STORAGE_AUTO				/* heap first, then the storage advisor decides */
} EpStorageMode;

/*
 * Default maintenance window of the storage advisor's job: the small hours,
 * when most sites are quiet.  A conversion rewrites the table under an
 * ACCESS EXCLUSIVE lock, so it belongs where a pause in writes is expected.
 */
#define EP_MAINTENANCE_WINDOW_START "01:00"
#define EP_MAINTENANCE_WINDOW_END "05:00"

/* settings.c */
extern int	ep_default_storage_mode;
extern bool ep_auto_apply_advice;
extern char *ep_maintenance_window_start;
extern char *ep_maintenance_window_end;
extern void EpDefineCoreSettings(void);

/* storage_mode.c */
extern void EpInstallStorageModeHook(void);

#endif							/* EPIPHANY_ROWSTORE_H */
