/*-------------------------------------------------------------------------
 *
 * vectorstore.c
 *	  Entry point of epiphany_vectorstore: chooses the distance kernels for
 *	  this CPU, defines the vector engine's settings and the hnsw index's
 *	  options and setting, and registers the vector engine.
 *
 *	  Unlike the column and time engines, the vector engine needs no
 *	  preloading: it starts no background worker, so it also works when
 *	  loaded on first use.  Preloaded, it also lets CREATE EXTENSION vector
 *	  install the vector store without CASCADE (vector_compat.c).
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
#include "epiphany/simd.h"
#include "fmgr.h"
#include "hnsw.h"
#include "ivf.h"
#include "utils/guc.h"
#include "vectorstore.h"

PG_MODULE_MAGIC;

/* epiphany.simd: which distance kernels this backend uses. */
static int	ep_simd_level = EP_SIMD_AUTO;

/* epiphany.vector_index_build_memory, in kB: an index build's memory. */
int			ep_vector_index_build_memory = 128 * 1024;

static const struct config_enum_entry simd_level_options[] = {
	{"auto", EP_SIMD_AUTO, false},
	{"scalar", EP_SIMD_SCALAR, false},
	{"sse2", EP_SIMD_SSE2, false},
	{"avx2", EP_SIMD_AVX2, false},
	{NULL, 0, false}
};

/* The setting's name of a level. */
static const char *
SimdLevelName(EpSimdLevel level)
{
	for (const struct config_enum_entry *e = simd_level_options; e->name; e++)
	{
		if (e->val == (int) level)
			return e->name;
	}
	return "unknown";
}

/*
 * Refuses a kernel family this machine cannot run: installing it would
 * crash on the first distance with an illegal instruction.
 */
static bool
CheckSimdLevel(int *newval, void **extra, GucSource source)
{
	if (EpSimdLevelSupported((EpSimdLevel) *newval))
		return true;
	GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
	GUC_check_errmsg("this CPU cannot run the requested distance kernels");
	GUC_check_errdetail("The best kernels this CPU supports are \"%s\".",
						SimdLevelName(EpSimdBestLevel()));
	GUC_check_errhint("Use \"auto\" or \"scalar\".");
	return false;
}

/* Installs the kernels of the accepted level. */
static void
AssignSimdLevel(int newval, void *extra)
{
	EpSimdUseLevel((EpSimdLevel) newval);
}

/*
 * EpDefineVectorSettings - define the vector engine's epiphany.* settings.
 * Called once, from _PG_init, after EpSimdInit.
 *
 * epiphany.simd is a developer setting: the tests use it to run the portable
 * kernels and the best ones on the same inputs.  It is superuser-only, since
 * it only ever makes distances slower than "auto".
 *
 * epiphany.vector_index_build_memory is what an hnsw build's in-memory
 * graph and an ivfflat build's sample may take (pgvector uses
 * maintenance_work_mem for both); past it an hnsw build carries on on
 * disk, with a NOTICE.
 */
void
EpDefineVectorSettings(void)
{
	DefineCustomEnumVariable("epiphany.simd",
							 "Distance kernels to use: auto, scalar, sse2 or avx2.",
							 "auto picks the fastest kernels this CPU supports; "
							 "the others force one family, for testing.",
							 &ep_simd_level,
							 EP_SIMD_AUTO,
							 simd_level_options,
							 PGC_SUSET,
							 0,
							 CheckSimdLevel,
							 AssignSimdLevel,
							 NULL);
	DefineCustomIntVariable("epiphany.vector_index_build_memory",
							"Memory an hnsw or ivfflat index build may use.",
							"Past it, an hnsw build inserts the remaining rows on disk, "
							"which is slower; an ivfflat build samples fewer rows.",
							&ep_vector_index_build_memory,
							128 * 1024,
							1024,
							MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL,
							NULL,
							NULL);
}

void
_PG_init(void)
{
	EpSimdInit();
	EpDefineVectorSettings();
	HnswInit();
	IvfInit();
	VectorCompatInit();
	EpRegisterEngine("vector", EP_VECTORSTORE_LIBRARY);
}
