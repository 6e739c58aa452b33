/*-------------------------------------------------------------------------
 *
 * hnsw.c
 *	  The hnsw index access method's handler, its options (m,
 *	  ef_construction and quantization), its settings (hnsw.ef_search and
 *	  the others), the cost estimate and
 *	  the operator-class validator.  The storage work lives in the other
 *	  hnsw*.c files; hnsw.h and README.md ("hnsw index") describe it.
 *
 *	  hnsw.ef_search keeps pgvector's name (an exception to the epiphany.*
 *	  rule) so that pgvector's clients work unchanged.  The options are
 *	  copied into the metapage at build time and read from there later, so
 *	  an ALTER INDEX ... SET cannot make the pages and the options disagree.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnsw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_type.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "fmgr.h"
#include "hnsw.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

/* hnsw.ef_search: candidates kept by a scan's search at level 0. */
int			hnsw_ef_search = HNSW_DEFAULT_EF_SEARCH;

/* hnsw.iterative_scan and hnsw.max_scan_tuples (see hnswscan.c). */
int			hnsw_iterative_scan = HNSW_ITERATIVE_SCAN_OFF;
int			hnsw_max_scan_tuples = HNSW_DEFAULT_MAX_SCAN_TUPLES;

/* epiphany.hnsw_rerank_candidates: candidates a quantized scan re-ranks. */
int			ep_hnsw_rerank_candidates = HNSW_DEFAULT_RERANK;

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", HNSW_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", HNSW_ITERATIVE_SCAN_RELAXED, false},
	{"strict_order", HNSW_ITERATIVE_SCAN_STRICT, false},
	{NULL, 0, false}
};

static relopt_kind hnsw_relopt_kind;

static relopt_enum_elt_def quantization_values[] = {
	{"none", HNSW_QUANT_NONE},
	{"sq8", HNSW_QUANT_SQ8},
	{"binary", HNSW_QUANT_BINARY},
	{(const char *) NULL}
};

/*
 * HnswInit - register the options and the setting.  Called once, from
 * _PG_init.
 */
void
HnswInit(void)
{
	hnsw_relopt_kind = add_reloption_kind();
	add_int_reloption(hnsw_relopt_kind, "m",
					  "Maximum number of neighbours of an element per level",
					  HNSW_DEFAULT_M, HNSW_MIN_M, HNSW_MAX_M, AccessExclusiveLock);
	add_int_reloption(hnsw_relopt_kind, "ef_construction",
					  "Size of the candidate list while building the graph",
					  HNSW_DEFAULT_EF_CONSTRUCTION, HNSW_MIN_EF_CONSTRUCTION,
					  HNSW_MAX_EF_CONSTRUCTION, AccessExclusiveLock);
	add_enum_reloption(hnsw_relopt_kind, "quantization",
					   "What the graph keeps of each value: the value, or a compact code",
					   quantization_values, HNSW_QUANT_NONE,
					   "Valid values are \"none\", \"sq8\" and \"binary\".",
					   AccessExclusiveLock);

	DefineCustomIntVariable("hnsw.ef_search",
							"Size of the candidate list of an hnsw index scan.",
							"Larger values find more of the exact nearest neighbours, "
							"more slowly; a scan returns at most this many rows.",
							&hnsw_ef_search,
							HNSW_DEFAULT_EF_SEARCH, HNSW_MIN_EF_SEARCH, HNSW_MAX_EF_SEARCH,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("hnsw.iterative_scan",
							 "What an hnsw index scan does once it has returned its candidates.",
							 "off stops; relaxed_order searches wider and returns the new rows, "
							 "slightly out of order; strict_order does the same but drops rows "
							 "closer than one already returned.",
							 &hnsw_iterative_scan, HNSW_ITERATIVE_SCAN_OFF, iterative_scan_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Candidates an iterative hnsw scan may consider before it stops.",
							NULL,
							&hnsw_max_scan_tuples,
							HNSW_DEFAULT_MAX_SCAN_TUPLES, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("epiphany.hnsw_rerank_candidates",
							"Candidates of a quantized hnsw index scan re-ranked by exact distance.",
							"The nearest candidates by the quantized distance get their exact "
							"distance from the table row and come first, in exact order; the "
							"others follow in quantized order.",
							&ep_hnsw_rerank_candidates,
							HNSW_DEFAULT_RERANK, HNSW_MIN_RERANK, HNSW_MAX_RERANK,
							PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("hnsw");
}

/* amoptions: parses and checks m and ef_construction. */
static bytea *
hnswoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(HnswOptions, efConstruction)},
		{"quantization", RELOPT_TYPE_ENUM, offsetof(HnswOptions, quantization)},
	};

	return (bytea *) build_reloptions(reloptions, validate, hnsw_relopt_kind,
									  sizeof(HnswOptions), tab, lengthof(tab));
}

/* Option m of an index, from its reloptions (build time only). */
int
HnswGetM(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->m : HNSW_DEFAULT_M;
}

/* Option ef_construction of an index, from its reloptions (build time only). */
int
HnswGetEfConstruction(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? opts->efConstruction : HNSW_DEFAULT_EF_CONSTRUCTION;
}

/* Option quantization of an index, from its reloptions (build time only). */
HnswQuantization
HnswGetQuantization(Relation index)
{
	HnswOptions *opts = (HnswOptions *) index->rd_options;

	return opts ? (HnswQuantization) opts->quantization : HNSW_QUANT_NONE;
}

/* ----------------------------------------------------------------
 *		Cost estimate
 * ----------------------------------------------------------------
 */

/*
 * hnswcostestimate - the index is useful only to order by distance.  A
 * search computes about ef_search * m distances at level 0 plus m per
 * upper level before the first tuple comes back: the startup cost.  It
 * returns about ef_search tuples for that; the total cost is that of
 * returning every tuple, each further batch of ef_search costing about
 * what the first did.  So a LIMIT of k above a filter of selectivity s,
 * which the scan must feed about k / s tuples (an iterative scan keeps
 * searching), pays about startup * (1 + k / (ef_search * s)), and the
 * planner prefers an exact plan (a sequential or btree scan and a top-N
 * sort) when the filter is very selective.  On a small table the first
 * search visits about every tuple, and a sequential scan with a top-N sort
 * wins.
 */
void
hnswcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				 Cost *indexStartupCost, Cost *indexTotalCost,
				 Selectivity *indexSelectivity, double *indexCorrelation,
				 double *indexPages)
{
	GenericCosts costs;
	double		ntuples = path->indexinfo->tuples;
	double		levels;

	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	MemSet(&costs, 0, sizeof(costs));
	levels = ntuples > 1 ? ceil(log(ntuples) / log((double) HNSW_DEFAULT_M)) : 1;
	costs.numIndexTuples = Min(Max(ntuples, 1.0),
							   (double) hnsw_ef_search * HNSW_DEFAULT_M +
							   levels * HNSW_DEFAULT_M);
	genericcostestimate(root, path, loop_count, &costs);

	*indexStartupCost = costs.indexTotalCost;
	*indexTotalCost = costs.indexTotalCost * Max(1.0, ntuples / Max(hnsw_ef_search, 1));
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}

/*
 * hnswbuildphasename - the name of a build phase, as
 * pg_stat_progress_create_index shows it after "building index: ".
 */
char *
hnswbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case HNSW_PHASE_LOAD:
			return "loading tuples";
		case HNSW_PHASE_WRITE:
			return "writing pages";
		default:
			return NULL;
	}
}

/* ----------------------------------------------------------------
 *		Handler
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_hnswhandler);

/*
 * ep_hnswhandler - the IndexAmRoutine of hnsw.  An approximate
 * nearest-neighbour index: it only orders by an operator, one column,
 * no NULLs, no bitmap scans.
 */
Datum
ep_hnswhandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = HNSW_NPROC;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = false;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = false;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = hnswbuild;
	amroutine->ambuildempty = hnswbuildempty;
	amroutine->aminsert = hnswinsert;
	amroutine->ambulkdelete = hnswbulkdelete;
	amroutine->amvacuumcleanup = hnswvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = hnswcostestimate;
	amroutine->amoptions = hnswoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = hnswbuildphasename;
	amroutine->amvalidate = EpValidateDistanceOpclass;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = hnswbeginscan;
	amroutine->amrescan = hnswrescan;
	amroutine->amgettuple = hnswgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = hnswendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}
