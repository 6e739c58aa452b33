/*-------------------------------------------------------------------------
 *
 * compress.c
 *	  LZ4 and Zstandard behind one interface (compress.h).
 *
 *	  Guarantees: compression never expands (NULL tells the caller to store
 *	  raw bytes); decompression checks that the output has exactly the
 *	  expected size and reports damaged input as ERRCODE_DATA_CORRUPTED,
 *	  never reading or writing out of bounds.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/compress.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <lz4.h>
#include <zstd.h>

#include "epiphany/compress.h"

/*
 * The process's Zstandard contexts, made on first use and kept:
 * ZSTD_compress and ZSTD_decompress make and free one per call (about 100
 * kB to decompress, more to compress), which was a third of decompressing
 * a small chunk for a point read.
 */
static ZSTD_CCtx *compression_context = NULL;
static ZSTD_DCtx *decompression_context = NULL;

static void
CheckContextMade(const void *context)
{
	if (context == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Could not create a Zstandard context.")));
}

static char *
CompressLz4(const char *src, int size, int *compressed_size)
{
	int			bound = LZ4_compressBound(size);
	char	   *dst = palloc(bound);
	int			written;

	written = LZ4_compress_default(src, dst, size, bound);
	if (written <= 0 || written >= size)
	{
		pfree(dst);
		return NULL;
	}
	*compressed_size = written;
	return dst;
}

static char *
CompressZstd(const char *src, int size, int level, int *compressed_size)
{
	size_t		bound = ZSTD_compressBound(size);
	char	   *dst = palloc(bound);
	size_t		written;

	if (compression_context == NULL)
		compression_context = ZSTD_createCCtx();
	CheckContextMade(compression_context);
	written = ZSTD_compressCCtx(compression_context, dst, bound, src, size, level);
	if (ZSTD_isError(written) || written >= (size_t) size)
	{
		pfree(dst);
		return NULL;
	}
	*compressed_size = (int) written;
	return dst;
}

char *
EpCompress(EpCompression method, int level, const char *src, int size,
		   int *compressed_size)
{
	Assert(size >= 0);
	if (size == 0)
		return NULL;

	switch (method)
	{
		case EP_COMPRESSION_NONE:
			return NULL;
		case EP_COMPRESSION_LZ4:
			return CompressLz4(src, size, compressed_size);
		case EP_COMPRESSION_ZSTD:
			return CompressZstd(src, size, level, compressed_size);
	}
	elog(ERROR, "unknown compression method %d", (int) method);
	return NULL;				/* keep compiler quiet */
}

static void
ReportCorrupt(EpCompression method, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("could not decompress %s", what),
			 errdetail("The %s data is damaged.", EpCompressionName(method))));
}

void
EpDecompress(EpCompression method, const char *src, int compressed_size,
			 char *dst, int raw_size, const char *what)
{
	switch (method)
	{
		case EP_COMPRESSION_NONE:
			if (compressed_size != raw_size)
				ReportCorrupt(method, what);
			memcpy(dst, src, raw_size);
			return;
		case EP_COMPRESSION_LZ4:
			if (LZ4_decompress_safe(src, dst, compressed_size, raw_size) != raw_size)
				ReportCorrupt(method, what);
			return;
		case EP_COMPRESSION_ZSTD:
			{
				size_t		n;

				if (decompression_context == NULL)
					decompression_context = ZSTD_createDCtx();
				CheckContextMade(decompression_context);
				n = ZSTD_decompressDCtx(decompression_context, dst, raw_size, src,
										compressed_size);

				if (ZSTD_isError(n) || n != (size_t) raw_size)
					ReportCorrupt(method, what);
				return;
			}
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("could not decompress %s", what),
			 errdetail("Unknown compression method %d.", (int) method)));
}

const char *
EpCompressionName(EpCompression method)
{
	switch (method)
	{
		case EP_COMPRESSION_NONE:
			return "none";
		case EP_COMPRESSION_LZ4:
			return "lz4";
		case EP_COMPRESSION_ZSTD:
			return "zstd";
	}
	return "unknown";
}

bool
EpCompressionFromName(const char *name, EpCompression *method)
{
	if (strcmp(name, "none") == 0)
		*method = EP_COMPRESSION_NONE;
	else if (strcmp(name, "lz4") == 0)
		*method = EP_COMPRESSION_LZ4;
	else if (strcmp(name, "zstd") == 0)
		*method = EP_COMPRESSION_ZSTD;
	else
		return false;
	return true;
}
