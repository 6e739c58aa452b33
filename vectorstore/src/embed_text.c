/*-------------------------------------------------------------------------
 *
 * embed_text.c
 *	  epiphany.embed_text(text, dims): a lexical embedding without a model,
 *	  by feature hashing.  Each word, and each character trigram of each
 *	  word, adds +-1 (trigrams +-0.5) to one dimension chosen by a hash;
 *	  the vector is then L2-normalised.  Texts that share words and spellings
 *	  come out close; meaning plays no part.  For demos, tests and keyword-
 *	  like similarity, not for semantic search.
 *
 *	  Guarantees: the same text and dims always give the same vector, on
 *	  every platform (PostgreSQL's portable hash_bytes_extended); a text with
 *	  no word gives the zero vector.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/embed_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "vectorstore.h"

/* Distinct seeds, so that a word and a trigram of the same bytes hash apart. */
#define EMBED_WORD_SEED		0x45504957
#define EMBED_TRIGRAM_SEED	0x45505447
#define EMBED_TRIGRAM_WEIGHT 0.5

PG_FUNCTION_INFO_V1(ep_embed_text);

/* Adds +-weight to the dimension "bytes" hash to. */
static void
AddFeature(float4 *x, int dims, const char *bytes, int len, uint64 seed, float4 weight)
{
	uint64		h = hash_bytes_extended((const unsigned char *) bytes, len, seed);

	x[h % (uint64) dims] += (h >> 63) ? -weight : weight;
}

/* A byte that belongs to a word: ASCII letters and digits, any non-ASCII. */
static inline bool
IsWordByte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Adds one word and the trigrams of " word " to the vector. */
static void
AddWord(float4 *x, int dims, const char *word, int len)
{
	char	   *padded = palloc(len + 2);

	AddFeature(x, dims, word, len, EMBED_WORD_SEED, 1.0f);
	padded[0] = ' ';
	memcpy(padded + 1, word, len);
	padded[len + 1] = ' ';
	for (int i = 0; i + 3 <= len + 2; i++)
		AddFeature(x, dims, padded + i, 3, EMBED_TRIGRAM_SEED, EMBED_TRIGRAM_WEIGHT);
	pfree(padded);
}

/*
 * epiphany.embed_text(text, dims integer) -> vector
 */
Datum
ep_embed_text(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	int32		dims = PG_GETARG_INT32(1);
	char	   *lowered;
	int			len;
	EpVector   *result;
	double		norm = 0;
	int			start = -1;

	if (dims < 1 || dims > EP_VECTOR_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dims must be between 1 and %d", EP_VECTOR_MAX_DIM),
				 errdetail("The value given was %d.", dims)));

	lowered = str_tolower(VARDATA_ANY(input), VARSIZE_ANY_EXHDR(input), PG_GET_COLLATION());
	len = strlen(lowered);
	result = EpInitVector(dims);
	for (int i = 0; i <= len; i++)
	{
		bool		in_word = i < len && IsWordByte((unsigned char) lowered[i]);

		if (in_word && start < 0)
			start = i;
		else if (!in_word && start >= 0)
		{
			AddWord(result->x, dims, lowered + start, i - start);
			start = -1;
		}
	}
	for (int i = 0; i < dims; i++)
		norm += (double) result->x[i] * result->x[i];
	if (norm > 0)
	{
		norm = sqrt(norm);
		for (int i = 0; i < dims; i++)
			result->x[i] = (float4) (result->x[i] / norm);
	}
	PG_RETURN_POINTER(result);
}
