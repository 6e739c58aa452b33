/*-------------------------------------------------------------------------
 *
 * vectorstore.c
 *	  Entry point of epiphany_vectorstore: registers the vector engine.
 *
 *	  Unlike the column and time engines, the vector engine needs no
 *	  preloading: it starts no background worker, so it also works when
 *	  loaded on first use.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/vectorstore.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/engine.h"
#include "fmgr.h"

#define EP_VECTORSTORE_LIBRARY "epiphany_vectorstore"

PG_MODULE_MAGIC;

void
_PG_init(void)
{
	EpRegisterEngine("vector", EP_VECTORSTORE_LIBRARY);
}
