/*-------------------------------------------------------------------------
 *
 * engine_registry.c
 *	  Registers a loaded EpiphanyDB library in the backend-wide engine
 *	  registry, and refuses work that needs a preloaded library when the
 *	  library was loaded on demand instead.
 *
 *	  Invariants: the registry is created once per process, in
 *	  TopMemoryContext, by whichever library registers first; entries are
 *	  only appended, from _PG_init, and never removed (PostgreSQL does not
 *	  unload libraries).  Strings stored in it are string literals.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/engine_registry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/engine.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#define EP_ENGINE_REGISTRY_RENDEZVOUS "epiphany engine registry"

/*
 * Returns the process's registry, creating it on first use.  A registry made
 * by a library of another layout version is an installation error: two
 * EpiphanyDB builds are loaded in one server.
 */
static EpEngineRegistry *
GetOrCreateRegistry(void)
{
	EpEngineRegistry **slot;

	slot = (EpEngineRegistry **) find_rendezvous_variable(EP_ENGINE_REGISTRY_RENDEZVOUS);
	if (*slot == NULL)
	{
		EpEngineRegistry *registry;

		registry = MemoryContextAllocZero(TopMemoryContext, sizeof(EpEngineRegistry));
		registry->version = EP_ENGINE_REGISTRY_VERSION;
		*slot = registry;
	}
	else if ((*slot)->version != EP_ENGINE_REGISTRY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("EpiphanyDB libraries from different builds are loaded in one server"),
				 errdetail("The engine registry has layout version %d; this library expects %d.",
						   (*slot)->version, EP_ENGINE_REGISTRY_VERSION),
				 errhint("Install all EpiphanyDB libraries from the same build and restart the server.")));
	return *slot;
}

/*
 * EpRegisterEngine - record that "library", carrying "engine", is loaded.
 *
 * Called from a module's _PG_init.  Both strings must outlive the process
 * (string literals).  Registering the same library twice is a no-op.
 */
void
EpRegisterEngine(const char *engine, const char *library)
{
	EpEngineRegistry *registry = GetOrCreateRegistry();
	EpEngineRegistration *entry;

	for (int i = 0; i < registry->count; i++)
	{
		if (strcmp(registry->engines[i].library, library) == 0)
			return;
	}
	if (registry->count >= EP_MAX_ENGINES)
		elog(ERROR, "too many EpiphanyDB libraries registered (at most %d)", EP_MAX_ENGINES);

	entry = &registry->engines[registry->count++];
	entry->engine = engine;
	entry->library = library;
	entry->preloaded = process_shared_preload_libraries_in_progress;
}

/*
 * EpGetEngineRegistry - the registry of this process, for read-only use.
 */
const EpEngineRegistry *
EpGetEngineRegistry(void)
{
	return GetOrCreateRegistry();
}

/*
 * EpRequirePreload - error out unless "library" was loaded through
 * shared_preload_libraries.
 *
 * Modules that start background workers, reserve shared memory or install a
 * WAL resource manager call this from their install script, so that
 * CREATE EXTENSION fails cleanly instead of leaving a half-working engine.
 */
void
EpRequirePreload(const char *library)
{
	const EpEngineRegistry *registry = GetOrCreateRegistry();

	for (int i = 0; i < registry->count; i++)
	{
		if (strcmp(registry->engines[i].library, library) == 0 &&
			registry->engines[i].preloaded)
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("library \"%s\" must be loaded via shared_preload_libraries", library),
			 errhint("Add \"%s\" to shared_preload_libraries in postgresql.conf and restart the server; "
					 "EpiphanyDB expects shared_preload_libraries = "
					 "'epiphany_rowstore,epiphany_columnstore,epiphany_vectorstore,epiphany_timestore'.",
					 library)));
}
