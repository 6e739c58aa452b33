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

/* settings.c */
extern int	ep_default_storage_mode;
extern void EpDefineCoreSettings(void);

/* storage_mode.c */
extern void EpInstallStorageModeHook(void);

#endif							/* EPIPHANY_ROWSTORE_H */
