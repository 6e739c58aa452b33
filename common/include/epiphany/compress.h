/*-------------------------------------------------------------------------
 *
 * compress.h
 *	  General-purpose compression (LZ4 and Zstandard, through Debian's liblz4
 *	  and libzstd) for any module that stores compressed bytes.  Typed
 *	  encodings run first; these codecs are applied last, to their output.
 *
 *	  Included by the column store and, later, the time store.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/compress.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_COMPRESS_H
#define EPIPHANY_COMPRESS_H

/* Values are stored on disk: never renumber. */
typedef enum EpCompression
{
	EP_COMPRESSION_NONE = 0,
	EP_COMPRESSION_LZ4 = 1,
	EP_COMPRESSION_ZSTD = 2
} EpCompression;

#define EP_COMPRESSION_LEVEL_DEFAULT	3
#define EP_COMPRESSION_LEVEL_MIN		1
#define EP_COMPRESSION_LEVEL_MAX		19

/*
 * EpCompress - compress "size" bytes at "src" with "method" at "level".
 * Returns a palloc'd buffer and sets *compressed_size, or NULL when the
 * output would not be smaller than the input (the caller stores it raw).
 */
extern char *EpCompress(EpCompression method, int level, const char *src,
						int size, int *compressed_size);

/*
 * EpDecompress - decompress exactly "raw_size" bytes into "dst".  Errors
 * with ERRCODE_DATA_CORRUPTED, naming "what", when the input is damaged.
 */
extern void EpDecompress(EpCompression method, const char *src,
						 int compressed_size, char *dst, int raw_size,
						 const char *what);

extern const char *EpCompressionName(EpCompression method);
extern bool EpCompressionFromName(const char *name, EpCompression *method);

#endif							/* EPIPHANY_COMPRESS_H */
