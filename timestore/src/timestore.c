/*-------------------------------------------------------------------------
 *
 * timestore.c
 *	  Entry point of epiphany_timestore: registers the time engine.
 *
 *	  The library must be preloaded: its job scheduler is a background
 *	  worker, which can only be registered at server start, so the extension
 *	  refuses to install otherwise.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/timestore.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/engine.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "timestore.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(ep_timestore_require_preload);

/*
 * Registers the engine, the setting epiphany.timeseries_scheduler, the
 * hypertable cache and the planner and utility hooks of hypertables and,
 * at server start, the job scheduler's launcher and shared memory
 * (job_scheduler.c).  Loaded later (not preloaded), the
 * library serves SQL functions only; the extension refuses to install.
 */
void
_PG_init(void)
{
	EpRegisterEngine("time", EP_TIMESTORE_LIBRARY);
	JobSchedulerDefineSettings();
	HypertableDefineSettings();
	HypertableCacheInit();
	ChunkRangeCacheInit();
	ChunkDispatchInit();
	ChunkExclusionInit();
	HypertableExpandInit();
	GapFillInit();
	LastPointInit();
	HypertableUtilityInit();
	CaggInvalidationInit();
	if (process_shared_preload_libraries_in_progress)
		JobSchedulerInit();
}

/*
 * Called by the install script: errors out unless the library was preloaded.
 */
Datum
ep_timestore_require_preload(PG_FUNCTION_ARGS)
{
	EpRequirePreload(EP_TIMESTORE_LIBRARY);
	PG_RETURN_VOID();
}
