/*-------------------------------------------------------------------------
 *
 * ivfkmeans.c
 *	  k-means of the ivfflat build: k-means++ seeding then at most
 *	  IVF_KMEANS_MAX_ITERATIONS rounds of Lloyd's algorithm on the sampled
 *	  rows, all in squared L2 distance over float4 arrays.
 *
 *	  Reproducible: the generator has a fixed seed, so the same samples
 *	  give the same centroids.  An empty cluster is re-seeded with the
 *	  sample farthest from its centroid.  Spherical k-means (cosine) keeps
 *	  the centroids at unit norm; the caller normalizes the samples.
 *	  Binary k-means (bit strings: samples of 0s and 1s) rounds every
 *	  centroid to 0s and 1s, each element the majority of its cluster's,
 *	  so that squared L2 between samples and centroids is their Hamming
 *	  distance throughout.  All memory is allocated in the caller's context
 *	  and freed on return.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/ivfkmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "common/pg_prng.h"
#include "epiphany/simd.h"
#include "ivf.h"
#include "miscadmin.h"

#define Row(base, i, dims) ((base) + (Size) (i) * (dims))

/* Samples assigned between two interrupt checks (a power of two). */
#define ASSIGN_BATCH 256

/* Scales a vector to unit norm; a zero vector is left alone. */
static void
Normalize(float *v, int dims)
{
	double		norm = 0;

	for (int j = 0; j < dims; j++)
		norm += (double) v[j] * v[j];
	norm = sqrt(norm);
	if (norm == 0)
		return;
	for (int j = 0; j < dims; j++)
		v[j] = (float) (v[j] / norm);
}

/* Rounds each element to 1 when above one half, else to 0 (majority vote). */
static void
Binarize(float *v, int dims)
{
	for (int j = 0; j < dims; j++)
		v[j] = v[j] > 0.5f ? 1.0f : 0.0f;
}

/*
 * Brings the centroids back to the samples' space: unit norm (spherical)
 * or 0s and 1s (binary).
 */
static void
ConstrainCentroids(float *centroids, int k, int dims, bool spherical, bool binary)
{
	for (int c = 0; c < k; c++)
	{
		if (spherical)
			Normalize(Row(centroids, c, dims), dims);
		if (binary)
			Binarize(Row(centroids, c, dims), dims);
	}
}

/* Index of the centroid nearest to v, and its distance. */
static int
Nearest(const float *v, const float *centroids, int k, int dims, float *dist)
{
	int			best = 0;
	float		bestd = INFINITY;

	for (int c = 0; c < k; c++)
	{
		float		d = EpDistance->l2_squared_f4(dims, v, Row(centroids, c, dims));

		if (d < bestd)
		{
			bestd = d;
			best = c;
		}
	}
	*dist = bestd;
	return best;
}

/*
 * k-means++ seeding: the first centroid is a random sample, each next one
 * a sample drawn with probability proportional to its squared distance to
 * the nearest centroid so far.  Centroids beyond the number of distinct
 * samples (all distances zero) are random vectors in [-1, 1).
 */
static void
SeedCentroids(pg_prng_state *prng, const float *samples, int n, int dims, int k,
			  float *centroids)
{
	float	   *mind = palloc_array(float, Max(n, 1));
	int			c = 0;

	if (n > 0)
	{
		memcpy(Row(centroids, 0, dims),
			   Row(samples, pg_prng_uint64_range(prng, 0, n - 1), dims),
			   sizeof(float) * dims);
		for (int i = 0; i < n; i++)
			mind[i] = EpDistance->l2_squared_f4(dims, Row(samples, i, dims), centroids);
		c = 1;
	}
	for (; c < k; c++)
	{
		double		total = 0;
		double		target;
		int			chosen = -1;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
			total += mind[i];
		if (total <= 0)
		{
			for (int j = 0; j < dims; j++)
				Row(centroids, c, dims)[j] = (float) (pg_prng_double(prng) * 2 - 1);
			continue;
		}
		target = pg_prng_double(prng) * total;
		for (int i = 0; i < n && chosen < 0; i++)
		{
			target -= mind[i];
			if (target < 0 || i == n - 1)
				chosen = i;
		}
		memcpy(Row(centroids, c, dims), Row(samples, chosen, dims), sizeof(float) * dims);
		for (int i = 0; i < n; i++)
		{
			float		d = EpDistance->l2_squared_f4(dims, Row(samples, i, dims),
													  Row(centroids, c, dims));

			mind[i] = Min(mind[i], d);
		}
	}
	pfree(mind);
}

/*
 * Assigns every sample to its nearest centroid.  Returns the number of
 * samples whose cluster changed; fills dist with each one's distance.
 */
static int64
Assign(const float *samples, int n, int dims, const float *centroids, int k,
	   int *assign, float *dist)
{
	int64		changed = 0;

	for (int i = 0; i < n; i++)
	{
		int			c = Nearest(Row(samples, i, dims), centroids, k, dims, &dist[i]);

		if (c != assign[i])
		{
			assign[i] = c;
			changed++;
		}
		if ((i & (ASSIGN_BATCH - 1)) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	return changed;
}

/*
 * Moves each centroid to the mean of its samples (double sums).  An empty
 * cluster takes the sample farthest from its own centroid, which then
 * leaves its cluster (its distance becomes 0 so it is not taken twice).
 */
static void
Update(const float *samples, int n, int dims, float *centroids, int k,
	   int *assign, float *dist, bool spherical, bool binary)
{
	double	   *sums = palloc0_array(double, (Size) k * dims);
	int		   *counts = palloc0_array(int, k);

	for (int i = 0; i < n; i++)
	{
		const float *v = Row(samples, i, dims);
		double	   *s = sums + (Size) assign[i] * dims;

		for (int j = 0; j < dims; j++)
			s[j] += v[j];
		counts[assign[i]]++;
	}
	for (int c = 0; c < k; c++)
	{
		if (counts[c] == 0 && n > 0)
		{
			int			far = 0;

			for (int i = 1; i < n; i++)
				if (dist[i] > dist[far])
					far = i;
			if (dist[far] <= 0)
				continue;		/* fewer distinct samples than lists */
			memcpy(Row(centroids, c, dims), Row(samples, far, dims), sizeof(float) * dims);
			dist[far] = 0;
			assign[far] = c;
			continue;
		}
		if (counts[c] == 0)
			continue;
		for (int j = 0; j < dims; j++)
			Row(centroids, c, dims)[j] = (float) (sums[(Size) c * dims + j] / counts[c]);
	}
	ConstrainCentroids(centroids, k, dims, spherical, binary);
	pfree(sums);
	pfree(counts);
}

/*
 * IvfKmeans - k centroids of n samples of dims float4s each (row-major),
 * written to centroids (k * dims floats, allocated by the caller).  n may
 * be 0 or smaller than k.  spherical: the samples have unit norm and so
 * will the centroids.  binary: the samples are 0s and 1s and so will the
 * centroids be.
 */
void
IvfKmeans(float *samples, int nsamples, int dims, int k, bool spherical, bool binary,
		  float *centroids)
{
	pg_prng_state prng;
	int		   *assign;
	float	   *dist;

	pg_prng_seed(&prng, IVF_KMEANS_SEED);
	SeedCentroids(&prng, samples, nsamples, dims, k, centroids);
	ConstrainCentroids(centroids, k, dims, spherical, binary);
	if (nsamples == 0)
		return;

	assign = palloc_array(int, nsamples);
	dist = palloc_array(float, nsamples);
	for (int i = 0; i < nsamples; i++)
		assign[i] = -1;
	for (int iter = 0; iter < IVF_KMEANS_MAX_ITERATIONS; iter++)
	{
		if (Assign(samples, nsamples, dims, centroids, k, assign, dist) == 0)
			break;
		Update(samples, nsamples, dims, centroids, k, assign, dist, spherical, binary);
	}
	pfree(assign);
	pfree(dist);
}
