/*-------------------------------------------------------------------------
 *
 * engine.h
 *	  The in-process engine registry: each EpiphanyDB library registers the
 *	  engine it carries when it is loaded, and says whether that happened
 *	  while shared_preload_libraries was being processed.
 *
 *	  Included by every module's _PG_init and by the core's monitoring code.
 *	  The registry lives behind a rendezvous variable, so every library
 *	  loaded in a backend sees the same one although each links its own copy
 *	  of common/src/engine_registry.c; EP_ENGINE_REGISTRY_VERSION guards the
 *	  layout against libraries from different builds.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/engine.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_ENGINE_H
#define EPIPHANY_ENGINE_H

#define EP_ENGINE_REGISTRY_VERSION	1
#define EP_MAX_ENGINES				16

/* One loaded library and the engine it carries. */
typedef struct EpEngineRegistration
{
	const char *engine;			/* "row", "column", "vector", "time" */
	const char *library;		/* shared library name, e.g. "epiphany_timestore" */
	bool		preloaded;		/* loaded by shared_preload_libraries */
} EpEngineRegistration;

/* What the rendezvous variable points at; allocated in TopMemoryContext. */
typedef struct EpEngineRegistry
{
	int			version;		/* EP_ENGINE_REGISTRY_VERSION */
	int			count;			/* entries used in engines[] */
	EpEngineRegistration engines[EP_MAX_ENGINES];
} EpEngineRegistry;

/* engine_registry.c */
extern void EpRegisterEngine(const char *engine, const char *library);
extern const EpEngineRegistry *EpGetEngineRegistry(void);
extern void EpRequirePreload(const char *library);

#endif							/* EPIPHANY_ENGINE_H */
