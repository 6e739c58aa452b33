/*-------------------------------------------------------------------------
 *
 * timestore.h
 *	  Declarations shared by the files of epiphany_timestore, the time
 *	  engine: the library name, the bucketing primitives that the SQL
 *	  functions of time_bucket.c are built on (and that continuous
 *	  aggregates and chunk ranges reuse), and the job scheduler's pieces
 *	  (job_api.c, job_worker.c, job_scheduler.c, job_slots.c).  Included
 *	  only by the files under timestore/src.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/timestore.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_TIMESTORE_H
#define EPIPHANY_TIMESTORE_H

#include "datatype/timestamp.h"
#include "nodes/execnodes.h"
#include "nodes/pg_list.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/utility.h"
#include "storage/latch.h"
#include "utils/date.h"
#include "utils/jsonb.h"

struct CopyStmt;
struct ParseState;
struct PlannerInfo;
struct RelOptInfo;
struct Trigger;
struct TriggerDesc;

#define EP_TIMESTORE_LIBRARY "epiphany_timestore"
#define EP_TIMESTORE_EXTENSION "epiphany_timestore"

/*
 * The default origin of time_bucket for dates and timestamps: Monday
 * 2000-01-03, two days after PostgreSQL's epoch (a Saturday), so that week
 * buckets start on Mondays like date_trunc('week', ...).  Month buckets only
 * look at the origin's year and month, so theirs is 2000-01-01.  Integer
 * buckets are aligned to 0.
 */
#define TIME_BUCKET_DEFAULT_ORIGIN_DAYS		2
#define TIME_BUCKET_DEFAULT_ORIGIN \
	((Timestamp) TIME_BUCKET_DEFAULT_ORIGIN_DAYS * USECS_PER_DAY)

/* time_bucket.c */
extern int64 TimeBucketInt64(int64 width, int64 value, int64 origin,
							 int64 min_value);
extern Timestamp TimeBucketTimestamp(const Interval *width, Timestamp value,
									 Timestamp origin);
extern DateADT TimeBucketDate(const Interval *width, DateADT value,
							  DateADT origin);
extern TimestampTz TimeBucketInZone(const Interval *width, TimestampTz value,
									Datum zone, const TimestampTz *origin);

/*
 * Jobs (README.md, "Jobs").  A failed run is retried after
 * retry_period * 2^(n - 1) for the n-th consecutive failure, the exponent
 * capped at EP_JOB_MAX_FAILURES_MULTIPLIER and the delay at
 * EP_JOB_MAX_INTERVALS_BACKOFF schedule intervals, as in TimescaleDB.
 */
#define EP_JOB_MAX_INTERVALS_BACKOFF	5
#define EP_JOB_MAX_FAILURES_MULTIPLIER	20
#define EP_JOB_DEFAULT_MAX_RETRIES		(-1)	/* retry for ever */
#define EP_JOB_DEFAULT_RETRY_PERIOD		(5 * USECS_PER_MINUTE)
#define EP_JOB_APPLICATION_NAME			"User-Defined Action"
#define EP_JOB_SCHEDULER_APPLICATION_NAME	"epiphany_timestore scheduler"

/*
 * One job: its catalog row (_epiphany_timestore.bgw_job) and the fields of
 * its stats row the scheduler needs.  Loaded by JobLoad into the caller's
 * memory context; every pointer field is a private copy.
 */
typedef struct EpJob
{
	int32		id;
	char	   *application_name;
	Interval	schedule_interval;
	Interval	max_runtime;		/* zero: no limit */
	int32		max_retries;		/* -1: no limit */
	Interval	retry_period;
	char	   *proc_schema;
	char	   *proc_name;
	Oid			owner;
	bool		scheduled;
	bool		fixed_schedule;
	bool		has_initial_start;
	TimestampTz initial_start;
	Jsonb	   *config;			/* NULL for SQL NULL */
	char	   *check_schema;	/* NULL when there is no check function */
	char	   *check_name;
	char	   *timezone;		/* NULL: the server's time zone */
	bool		has_stat;		/* the stats row exists */
	TimestampTz next_start;		/* from the stats row, if any */
	int32		consecutive_failures;	/* from the stats row, else 0 */
} EpJob;

/* The trigger create_hypertable puts on every hypertable (hypertable.c). */
#define HYPERTABLE_INSERT_BLOCKER "_epiphany_insert_blocker"

/*
 * A hypertable, as cached by hypertable.c: the parent table, its time
 * column and the length of a chunk in internal time units (hypertable.c,
 * "Internal times"), whose ranges are aligned on origin; and its hash
 * dimension, if any (hash_dimension.c).
 */
typedef struct Hypertable
{
	Oid			relid;
	int32		id;
	AttrNumber	time_attno;
	Oid			time_type;
	int64		chunk_interval;
	int64		origin;
	int16		hash_partitions;	/* 0: no hash dimension */
	AttrNumber	hash_attno;
	Oid			hash_type;
	Oid			hash_collation;
	FmgrInfo   *hash_finfo;		/* the type cache's */
} Hypertable;

/*
 * One chunk: catalog id, table, range [range_start, range_end) and hash
 * slice (0 without a hash dimension).
 */
typedef struct ChunkRef
{
	int32		id;
	Oid			relid;
	int64		range_start;	/* PG_INT64_MIN: unbounded */
	int64		range_end;		/* PG_INT64_MAX: unbounded */
	int16		slice;
} ChunkRef;

/*
 * Routes the rows of one INSERT or COPY statement to their chunks, opening
 * each chunk once (chunk_router.c).  root is the ResultRelInfo each chunk's
 * is modelled on.
 */
typedef struct ChunkRouterEntry
{
	ChunkRef	chunk;
	ResultRelInfo *rri;
	struct BulkInsertStateData *bistate;	/* COPY's, made on first use */
} ChunkRouterEntry;

typedef struct ChunkRouter
{
	Hypertable	ht;				/* a copy: the cache may change meanwhile */
	EState	   *estate;
	ResultRelInfo *root;
	bool		speculative;	/* open unique indexes for ON CONFLICT */
	ChunkRouterEntry **entries; /* sorted by slice, range_start */
	int			nentries;
	int			maxentries;
	ChunkRouterEntry *last;
	/* times routed, for continuous aggregates (cagg_invalidation.c) */
	int32		invalidated_ht_id;	/* 0: the chunks' triggers track them */
	int64		lowest;
	int64		greatest;
	/* late rows copied for merging (cagg_merge.c) */
	bool		late_opened;
	List	   *late_tables;
	int64		late_threshold;
} ChunkRouter;

/* hypertable.c */
extern bool TimeTypeIsSupported(Oid type);
extern bool TimeTypeIsInteger(Oid type);
extern int64 TimeToInternal(Datum value, Oid type);
extern int64 TimeToInternalOrClamp(Datum value, Oid type);
extern bool InternalToTime(int64 internal, Oid type, Datum *value);
extern int64 TimeOrigin(Oid type);
extern int64 ChunkIntervalInternal(Oid time_type, Datum value, Oid value_type,
								   bool isnull);
extern struct HTAB *RelidCacheCreate(const char *name, Size entrysize);
extern void HypertableCacheInit(void);
extern void HypertableDefineSettings(void);
extern const Hypertable *HypertableGet(Oid relid);
extern const Hypertable *HypertableGetChecked(Oid relid);
extern char *QualifiedRelationName(Oid relid);

/* hash_dimension.c */
extern FmgrInfo *PartitionHashFunction(Oid type);
extern int16 HashSliceOfRow(const Hypertable *ht, TupleTableSlot *slot);
extern char *HashSliceCheck(const Hypertable *ht, int16 slice);
extern bool HashSlicesOfRel(struct RelOptInfo *rel, const Hypertable *ht,
							Bitmapset **slices);
extern List *HashValuesOfRel(struct RelOptInfo *rel, const Hypertable *ht, List **arrays);
extern void HashSlicesOfValue(const Hypertable *ht, Datum value, bool isnull, bool is_array,
							  Bitmapset **slices);

/* chunk.c */
extern void ChunkFindOrCreate(const Hypertable *ht, int16 slice, int64 value,
							  ChunkRef *chunk);
extern void ChunkCloneIndex(Relation chunkrel, Relation htrel, Oid parent_index);
extern void ChunkRangeCacheInit(void);
extern bool ChunkRangeOf(const Hypertable *ht, Oid relid, ChunkRef *chunk);
extern void ChunkCloneTrigger(Relation chunkrel, const struct Trigger *trigger);
extern int64 TimeArgToInternal(Oid time_type, Datum value, Oid type, const char *argname);

/* chunk_router.c */
extern void ChunkRouterInit(ChunkRouter *router, const Hypertable *ht,
							EState *estate, ResultRelInfo *root, bool speculative);
extern ChunkRouterEntry *ChunkRouterRoute(ChunkRouter *router, TupleTableSlot *slot);
extern void ChunkRouterClose(ChunkRouter *router);

/* chunk_dispatch.c */
extern void ChunkDispatchInit(void);

/* chunk_exclusion.c */
extern void ChunkExclusionInit(void);
extern void ChunkExclusionAddPaths(struct PlannerInfo *root, struct RelOptInfo *rel,
								   const Hypertable *ht);
extern List *ChunkExclusionPlanning(void);
extern void ChunkExclusionPlanned(List *outer);

/* time_bounds.c: a bound "time <strategy> expr" and a range of internal times */
typedef struct TimeBound
{
	uint16		strategy;		/* BTLessStrategyNumber .. BTGreaterStrategyNumber */
	Expr	   *expr;
} TimeBound;

typedef struct TimeRange
{
	int64		lower;			/* inclusive */
	int64		upper;			/* inclusive */
	bool		empty;
} TimeRange;

extern uint16 TimeOperatorStrategy(Oid opno, Oid time_type, bool commuted);
extern Oid	TimeTypeBtreeFamily(Oid type);
extern bool IsRelColumn(Node *expr, Index relid, AttrNumber attno);
extern bool IsTimeColumn(Node *expr, Index relid, const Hypertable *ht);
extern bool IsTimeBucketOfTime(Node *expr, Index relid, const Hypertable *ht);
extern List *TimeBoundsOfRel(struct RelOptInfo *rel, const Hypertable *ht,
							 bool constants);
extern bool IsStartupValue(Node *value);
extern void TimeRangeInit(TimeRange *range);
extern void TimeRangeNarrow(TimeRange *range, uint16 strategy, Datum value,
							bool isnull, Oid time_type);
extern bool TimeRangeOverlaps(const TimeRange *range, int64 start, int64 end);

/* gapfill.c */
extern void GapFillInit(void);
extern const char *LibraryFunctionSymbol(Oid funcid);
extern bool IsOurFunction(Node *node, const char *symbol);

/* lastpoint.c */
extern void LastPointInit(void);

/* hypertable_expand.c */
extern void HypertableExpandInit(void);

/* hypertable_copy.c */
extern uint64 HypertableCopyFrom(struct ParseState *pstate, struct CopyStmt *stmt,
								 Relation rel, const Hypertable *ht);

/* hypertable_utility.c */
extern void HypertableUtilityInit(void);
extern void UtilityCallNext(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
							ProcessUtilityContext context, ParamListInfo params,
							QueryEnvironment *queryEnv, DestReceiver *dest,
							QueryCompletion *qc);

/*
 * A continuous aggregate, as its catalog row describes it (README.md,
 * "Continuous aggregates").  The source is the hypertable whose rows its
 * query reads: the raw hypertable, or the materialization of the continuous
 * aggregate it is defined on.  Buckets are times of the source's time type.
 */
typedef struct ContinuousAgg
{
	int32		id;
	Oid			user_view;
	Oid			direct_view;
	int32		mat_hypertable_id;
	Oid			mat_relid;
	int32		source_hypertable_id;
	Oid			source_relid;
	Oid			time_type;
	char	   *bucket_column;
	char	   *bucket_function;	/* time_bucket(...) of $1, qualified */
	int64		bucket_min_width;	/* no bucket is shorter, internal units */
	bool		materialized_only;
	/* mergeable aggregates only (cagg_merge.c); InvalidOid/NULL otherwise */
	Oid			late_rows;		/* the parent of the two late-row tables: */
	Oid			late_rows_active;	/* the one writers copy late rows into */
	Oid			late_rows_spare;	/* the one they wrote before the last flip */
	Oid			partial_view;
	Oid			late_view;
	char	   *merge_keys;		/* bucket, then grouping columns: quoted, by commas */
	char	   *merge_set;
} ContinuousAgg;

/* How a continuous aggregate merges late rows (cagg_merge.c). */
typedef struct CaggMergeSpec
{
	List	   *hidden_targets;	/* raw ResTargets: sum and count of each avg */
	List	   *avg_resnos;		/* each avg's target number ... */
	List	   *avg_quotients;	/* ... and a raw ResTarget of its output name
								 * and sum / NULLIF(count, 0) */
	char	   *merge_keys;
	char	   *merge_set;
} CaggMergeSpec;

#define CAGG_SCHEMA					"_epiphany_caggs"

/* continuous_aggregate.c */
extern ContinuousAgg *ContinuousAggFind(Oid user_view);
extern ContinuousAgg *ContinuousAggGetOwned(Oid relid);
extern ContinuousAgg *ContinuousAggFindByMatHypertable(int32 mat_hypertable_id);
extern bool ContinuousAggProcessUtility(PlannedStmt *pstmt, const char *queryString,
										bool readOnlyTree, ProcessUtilityContext context,
										ParamListInfo params, QueryEnvironment *queryEnv,
										DestReceiver *dest, QueryCompletion *qc);

/* cagg_merge.c */
extern bool CaggMergePlan(Query *query, SelectStmt *select, List *names,
						  AttrNumber bucket_resno, CaggMergeSpec *spec);
extern SelectStmt *CaggPartialSelect(SelectStmt *select, const CaggMergeSpec *spec);
extern SelectStmt *CaggLateSelect(SelectStmt *partial, const char *late_table);
extern List *LateRowsOpen(const Hypertable *ht, Relation htrel, int64 *threshold);
extern void LateRowsCopy(List *targets, TupleTableSlot *row);
extern void LateRowsClose(List *targets);
extern void LateRowsFlip(const ContinuousAgg *cagg);
extern Oid	LateRowsDrainable(const ContinuousAgg *cagg, bool nonatomic, Oid *active);
extern void LateRowsTruncate(Oid drained);
extern char *CaggMergeStatement(const ContinuousAgg *cagg, const char *bucket_cond,
								const char *time_cond, Oid drained, Oid active);
extern char *CaggRecomputeStatement(const ContinuousAgg *cagg, const char *bucket_cond,
									const char *time_cond);

/* cagg_invalidation.c */
extern void InvalidationThresholdRaise(int32 hypertable_id, int64 threshold);
extern int64 InvalidationThresholdGet(int32 hypertable_id);
extern void InvalidationFlushPending(int32 hypertable_id);
extern int32 InvalidationTriggerStrip(struct TriggerDesc *trigdesc);
extern void InvalidationAddRange(int32 hypertable_id, int64 lowest, int64 greatest);
extern void CaggInvalidationInit(void);

/* cagg_refresh.c */
extern void ContinuousAggRefresh(const ContinuousAgg *cagg, int64 window_start,
								 int64 window_end, bool force, bool nonatomic);
extern void ContinuousAggRefreshCalled(FunctionCallInfo fcinfo, const ContinuousAgg *cagg,
									   int64 start, int64 end, bool force);

/* job_worker.c (CatalogEnter, Leave and Execute serve every catalog) */
extern Oid	CatalogOwner(void);
extern int	CatalogEnter(void);
extern void CatalogLeave(int nestlevel);
extern void CatalogReadLatest(const char *sql, int nargs, Oid *argtypes,
							  Datum *values, const char *nulls);
extern uint64 CatalogExecute(const char *sql, int nargs, Oid *argtypes,
								Datum *values, const char *nulls,
								Datum *first_value);
extern EpJob *JobLoad(int32 job_id, bool lock_for_run);
extern Oid	JobLookupRoutine(const char *schema, const char *name, int nargs,
							 const Oid *argtypes);
extern bool JobExecutionLogging;
extern void JobExecute(const EpJob *job, bool nonatomic);
extern void JobRunNow(const EpJob *job, bool nonatomic);
extern bool JobStartScheduled(int32 job_id, Oid *owner, bool *owner_can_login);
extern void JobRunStarted(int32 job_id, bool as_owner);
extern void JobFailedToStart(int32 job_id);
extern TimestampTz JobNextStartOnSuccess(const EpJob *job, TimestampTz finish);
extern TimestampTz JobNextStartOnFailure(const EpJob *job, TimestampTz finish,
										 int failures);

/* job_scheduler.c */
extern void JobSchedulerDefineSettings(void);
extern void JobSchedulerInit(void);

/* job_slots.c */
extern void JobSlotsInit(void);
extern void JobSchedulerWakeAtCommit(void);
extern void JobSlotsSetLauncherLatch(Latch *latch);
extern bool JobSlotTakeExit(Oid dboid, TimestampTz now);
extern bool JobSlotTakeStartRequest(Oid dboid);
extern TimestampTz JobSlotPausedUntil(Oid dboid);
extern void JobSlotsFreeStale(List *dboids, TimestampTz now);
extern bool JobSlotAttach(void);
extern void JobSlotReportNoExtension(void);

#endif							/* EPIPHANY_TIMESTORE_H */
