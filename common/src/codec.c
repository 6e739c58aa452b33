/*-------------------------------------------------------------------------
 *
 * codec.c
 *	  The table of typed encodings (codec.h); each codec lives in its own
 *	  encode_<name>.c.
 *
 *	  Invariant: the table is indexed by EpCodecId, in the enum's order.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/codec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/codec.h"

const EpCodec EpCodecs[EP_CODEC_COUNT] = {
	[EP_CODEC_BITPACK] = {
		"bitpack", EpBitpackEncodedSize, EpBitpackEncode, EpBitpackDecode, EpBitpackValuesAt,
		EpBitpackValueBytes
	},
	[EP_CODEC_DELTA] = {
		"delta", EpDeltaEncodedSize, EpDeltaEncode, EpDeltaDecode, EpDeltaValuesAt,
		EpDeltaValueBytes
	},
	[EP_CODEC_DELTADELTA] = {
		"deltadelta", EpDeltaDeltaEncodedSize, EpDeltaDeltaEncode, EpDeltaDeltaDecode, NULL, NULL
	},
	[EP_CODEC_RLE] = {
		"rle", EpRleEncodedSize, EpRleEncode, EpRleDecode, NULL, NULL
	},
	[EP_CODEC_GORILLA] = {
		"gorilla", EpGorillaEncodedSize, EpGorillaEncode, EpGorillaDecode, NULL, NULL
	},
};
