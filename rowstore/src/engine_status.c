/*-------------------------------------------------------------------------
 *
 * engine_status.c
 *	  SQL access to the in-process engine registry: which EpiphanyDB
 *	  libraries this backend has loaded, and whether each came from
 *	  shared_preload_libraries.  The view epiphany.storage_engines joins
 *	  this with the catalogs.
 *
 *	  Guarantees: reads the registry only; a library that is preloaded is
 *	  loaded in every backend before any query runs, so "not listed" here
 *	  means "not preloaded".
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  rowstore/src/engine_status.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/engine.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#define LOADED_LIBRARIES_COLUMNS 3

PG_FUNCTION_INFO_V1(ep_loaded_libraries);

/*
 * epiphany.loaded_libraries() -> setof (engine text, library text, preloaded bool)
 */
Datum
ep_loaded_libraries(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	const EpEngineRegistry *registry = EpGetEngineRegistry();

	InitMaterializedSRF(fcinfo, 0);

	for (int i = 0; i < registry->count; i++)
	{
		const EpEngineRegistration *entry = &registry->engines[i];
		Datum		values[LOADED_LIBRARIES_COLUMNS];
		bool		nulls[LOADED_LIBRARIES_COLUMNS] = {false};

		values[0] = CStringGetTextDatum(entry->engine);
		values[1] = CStringGetTextDatum(entry->library);
		values[2] = BoolGetDatum(entry->preloaded);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
