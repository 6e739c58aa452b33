/*-------------------------------------------------------------------------
 *
 * background_worker.h
 *	  The description every background worker of the suite shares: shared
 *	  memory and a database connection, started only once recovery has
 *	  finished (so never on a standby), named by its type.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/background_worker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_BACKGROUND_WORKER_H
#define EPIPHANY_BACKGROUND_WORKER_H

#include "postmaster/bgworker.h"

extern void EpDescribeWorker(BackgroundWorker *worker, const char *library,
							 const char *function, const char *type, Datum arg);

#endif							/* EPIPHANY_BACKGROUND_WORKER_H */
