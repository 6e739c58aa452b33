/*-------------------------------------------------------------------------
 *
 * procedure_context.c
 *	  epiphany.transaction_control_allowed(): whether the PL/pgSQL
 *	  procedure that calls it may COMMIT, that is, whether it was called
 *	  non-atomically (CALL outside a transaction block, or a time-store job
 *	  worker).  PL/pgSQL cannot ask: a COMMIT inside an exception block is
 *	  refused whatever the context, so a procedure cannot test by trying.
 *
 *	  Guarantees: reads the caller's SPI connection only; false outside a
 *	  procedure and in any atomic context.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  rowstore/src/procedure_context.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "executor/spi.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(ep_transaction_control_allowed);

/*
 * The calling procedure's SPI connection is the current one (this function
 * makes none): it is non-atomic exactly when the procedure may COMMIT.
 */
Datum
ep_transaction_control_allowed(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPI_inside_nonatomic_context());
}
