/*-------------------------------------------------------------------------
 *
 * background_worker.c
 *	  Fills in the description of a background worker of the suite
 *	  (background_worker.h); the caller sets its restart policy and whom
 *	  to notify.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/background_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/background_worker.h"

/*
 * EpDescribeWorker - a worker with shared memory and a database
 * connection, started once recovery has finished, running "function" of
 * "library" with "arg"; "type" is its backend type and name.
 */
void
EpDescribeWorker(BackgroundWorker *worker, const char *library, const char *function,
				 const char *type, Datum arg)
{
	memset(worker, 0, sizeof(BackgroundWorker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "%s", library);
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker->bgw_name, BGW_MAXLEN, "%s", type);
	snprintf(worker->bgw_type, BGW_MAXLEN, "%s", type);
	worker->bgw_main_arg = arg;
}
