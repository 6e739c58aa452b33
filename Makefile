# EpiphanyDB - top-level Makefile.
#	make run     install what is missing, build, install, start a local cluster
#	make test    install, build, run every suite; ends with "N passed, M failed"
#	make stop    stop the local cluster (its data stays in ./.epiphany)
#	make build   build every module (no install)
#	make install build and install every module into PostgreSQL
#	make clean   remove build products
#	make bench-columnar  columnar vs heap on a lineitem table (needs make run)
#	make bench-vector    hnsw recall and speed vs exact search (needs make run)
#	make bench-timeseries TSBS cpu-only: hypertable vs heap (needs make run)
# The work is done by scripts/; each module is a PGXS project of its own.

MODULES = rowstore columnstore vectorstore timestore
PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config

.PHONY: run test stop build install clean bench-columnar bench-columnar-decode bench-vector bench-timeseries

run:
	@scripts/run.sh

test:
	@scripts/test.sh

stop:
	@scripts/stop.sh

build:
	@for m in $(MODULES); do $(MAKE) -s -C $$m PG_CONFIG=$(PG_CONFIG) all || exit 1; done

install:
	@scripts/build.sh

clean:
	@for m in $(MODULES); do $(MAKE) -s -C $$m PG_CONFIG=$(PG_CONFIG) clean; done

bench-columnar:
	@bench/columnar/run.sh

bench-columnar-decode:
	@bench/columnar/decode.sh

bench-vector:
	@bench/vector/run.sh

bench-timeseries:
	@bench/timeseries/run.sh
