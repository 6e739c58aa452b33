/*-------------------------------------------------------------------------
 *
 * ivfflat.c
 *	  The ivfflat index access method's handler, its option (lists), the
 *	  ivfflat.probes setting, the cost estimate and the operator-class
 *	  validator.  The storage work lives in the other ivf*.c files; ivf.h
 *	  and README.md ("ivfflat index") describe it.
 *
 *	  ivfflat.probes keeps pgvector's name (an exception to the epiphany.*
 *	  rule) so that pgvector's clients work unchanged.  The option is copied
 *	  into the metapage at build time and read from there later.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/ivfflat.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_type.h"
#include "commands/vacuum.h"
#include "fmgr.h"
#include "ivf.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

/* ivfflat.probes: lists a scan reads. */
int			ivfflat_probes = IVF_DEFAULT_PROBES;
int			ivfflat_iterative_scan = IVF_ITERATIVE_SCAN_OFF;
int			ivfflat_max_probes = IVF_MAX_PROBES;

static const struct config_enum_entry ivf_iterative_scan_options[] = {
	{"off", IVF_ITERATIVE_SCAN_OFF, false},
	{"relaxed_order", IVF_ITERATIVE_SCAN_RELAXED, false},
	{NULL, 0, false}
};

static relopt_kind ivf_relopt_kind;

/*
 * IvfInit - register the option and the setting.  Called once, from
 * _PG_init.
 */
void
IvfInit(void)
{
	ivf_relopt_kind = add_reloption_kind();
	add_int_reloption(ivf_relopt_kind, "lists", "Number of inverted lists",
					  IVF_DEFAULT_LISTS, IVF_MIN_LISTS, IVF_MAX_LISTS, AccessExclusiveLock);

	DefineCustomIntVariable("ivfflat.probes",
							"Number of lists an ivfflat index scan reads.",
							"Larger values find more of the exact nearest neighbours, "
							"more slowly; equal to the index's lists, the scan is exact.",
							&ivfflat_probes,
							IVF_DEFAULT_PROBES, IVF_MIN_PROBES, IVF_MAX_PROBES,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("ivfflat.iterative_scan",
							 "Whether an ivfflat scan reads more lists when the ones probed run out.",
							 "off stops after ivfflat.probes lists; relaxed_order reads the next "
							 "nearest lists, ivfflat.probes at a time, up to ivfflat.max_probes, "
							 "so that a filtered LIMIT is filled; each batch comes in distance "
							 "order, so rows may come slightly out of order.",
							 &ivfflat_iterative_scan, IVF_ITERATIVE_SCAN_OFF,
							 ivf_iterative_scan_options, PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ivfflat.max_probes",
							"Lists an iterative ivfflat scan may read in all.",
							"Below ivfflat.probes, ivfflat.probes counts.",
							&ivfflat_max_probes,
							IVF_MAX_PROBES, IVF_MIN_PROBES, IVF_MAX_PROBES,
							PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ivfflat");
}

/* amoptions: parses and checks lists. */
static bytea *
ivfoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
	};

	return (bytea *) build_reloptions(reloptions, validate, ivf_relopt_kind,
									  sizeof(IvfOptions), tab, lengthof(tab));
}

/* Option lists of an index, from its reloptions (build time only). */
int
IvfGetLists(Relation index)
{
	IvfOptions *opts = (IvfOptions *) index->rd_options;

	return opts ? opts->lists : IVF_DEFAULT_LISTS;
}

/* ----------------------------------------------------------------
 *		Cost estimate
 * ----------------------------------------------------------------
 */

/*
 * ivfcostestimate - the index is useful only to order by distance.  A
 * scan computes the distance to every centroid, then reads probes / lists
 * of the tuples and sorts them before the first tuple comes back: the
 * startup cost.  The total cost is that of returning every tuple, each
 * further batch of probes lists costing about what the first did, so that
 * a LIMIT above a very selective filter (which an iterative scan must feed
 * many batches) makes the planner prefer an exact plan, as in
 * hnswcostestimate.  On a small table the first batch is about every
 * tuple plus the centroids, and a sequential scan with a top-N sort wins.
 */
static void
ivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				Cost *indexStartupCost, Cost *indexTotalCost,
				Selectivity *indexSelectivity, double *indexCorrelation,
				double *indexPages)
{
	GenericCosts costs;
	double		ntuples = path->indexinfo->tuples;
	Relation	index;
	IvfMetaPageData meta;
	double		ratio;
	Cost		centroidCost;

	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}

	index = index_open(path->indexinfo->indexoid, NoLock);
	meta = IvfReadMeta(index);
	index_close(index, NoLock);
	ratio = (double) Min((uint32) ivfflat_probes, meta.lists) / meta.lists;
	centroidCost = (meta.nlistpages * random_page_cost +
					meta.lists * (cpu_index_tuple_cost + cpu_operator_cost));

	MemSet(&costs, 0, sizeof(costs));
	costs.numIndexTuples = Max(ntuples * ratio, 1.0);
	genericcostestimate(root, path, loop_count, &costs);

	*indexStartupCost = costs.indexTotalCost + centroidCost;
	*indexTotalCost = centroidCost + costs.indexTotalCost / ratio;
	*indexSelectivity = costs.indexSelectivity;
	*indexCorrelation = 0;
	*indexPages = costs.numIndexPages;
}

/* ----------------------------------------------------------------
 *		Operator class validation
 * ----------------------------------------------------------------
 */

/* ----------------------------------------------------------------
 *		Handler
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_ivfflathandler);

/*
 * ep_ivfflathandler - the IndexAmRoutine of ivfflat.  An approximate
 * nearest-neighbour index: it only orders by an operator, one column,
 * no NULLs, no bitmap scans.
 */
Datum
ep_ivfflathandler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = IVF_NPROC;
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

	amroutine->ambuild = ivfbuild;
	amroutine->ambuildempty = ivfbuildempty;
	amroutine->aminsert = ivfinsert;
	amroutine->ambulkdelete = ivfbulkdelete;
	amroutine->amvacuumcleanup = ivfvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = ivfcostestimate;
	amroutine->amoptions = ivfoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = ivfbuildphasename;
	amroutine->amvalidate = EpValidateDistanceOpclass;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = ivfbeginscan;
	amroutine->amrescan = ivfrescan;
	amroutine->amgettuple = ivfgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = ivfendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = NULL;
	amroutine->aminitparallelscan = NULL;
	amroutine->amparallelrescan = NULL;

	PG_RETURN_POINTER(amroutine);
}
