# common/mk/module.mk
#	Build and test rules shared by every EpiphanyDB module (rowstore, columnstore,
#	vectorstore, timestore).  A module Makefile sets MODULE_big, EXTENSION, DATA,
#	OBJS and EP_COMMON_SRCS (the common/src files it links), then includes this file.
#
#	Guarantees: PostgreSQL's own CFLAGS plus -Werror for our files; hidden symbol
#	visibility with PGDLLEXPORT as default visibility, so the server (and any other
#	extension loaded beside us) sees only our entry points; no CPU-specific
#	flags (SIMD kernels are chosen at run time); no JIT bitcode (keeps clang
#	out of the build).
#
#	Tests: `make check-regress`, `check-isolation`, `check-tap` run every file under
#	test/ on throw-away clusters with the four libraries preloaded
#	(deploy/postgresql/epiphany.conf).  They run as an unprivileged user on a writable
#	copy of the tree; scripts/test.sh arranges that and counts the results.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.

EP_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
EP_COMMON := $(EP_TOP)/common

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)

# Each module compiles its own private copy of the common sources it uses.
EP_COMMON_OBJS = $(patsubst %.c,src/common/%.o,$(EP_COMMON_SRCS))
OBJS += $(EP_COMMON_OBJS)
EXTRA_CLEAN += src/common

PG_CPPFLAGS += -I$(EP_COMMON)/include
PG_CFLAGS += -Werror -fvisibility=hidden '-DPGDLLEXPORT=__attribute__((visibility("default")))'

# Every module's test inputs, found by file name.
EP_REGRESS_TESTS = $(sort $(basename $(notdir $(wildcard test/sql/*.sql))))
EP_ISOLATION_TESTS = $(sort $(basename $(notdir $(wildcard test/specs/*.spec))))
EP_TAP_TESTS = $(sort $(wildcard test/t/*.pl))
# The extensions pg_regress creates, in order, before the tests run.
EP_REGRESS_EXTENSIONS ?= $(firstword $(EXTENSION))
EP_LOAD_EXTENSIONS = $(addprefix --load-extension=,$(EP_REGRESS_EXTENSIONS))

# No JIT bitcode: set before PGXS so that its rules see it.
override with_llvm = no

include $(PGXS)

# Libraries are replaced by a rename, never rewritten in place: a server that
# has the old one loaded would crash (scripts/install-replace.sh).
INSTALL_SHLIB = $(EP_TOP)/scripts/install-replace.sh

src/common/%.o: $(EP_COMMON)/src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

# Coarse header dependencies: any header change rebuilds the module.
$(OBJS): $(wildcard src/*.h) $(wildcard $(EP_COMMON)/include/epiphany/*.h)

EP_PGXS_TEST = $(dir $(PGXS))../../src/test
EP_TEST_CONF = $(EP_TOP)/deploy/postgresql/epiphany.conf

.PHONY: check-regress check-isolation check-tap check-symbols

check-regress:
	@mkdir -p tmp_check
ifneq ($(EP_REGRESS_TESTS),)
	$(EP_PGXS_TEST)/regress/pg_regress --bindir='$(bindir)' \
		--temp-instance=./tmp_check/regress --temp-config=$(EP_TEST_CONF) \
		--inputdir=test --outputdir=test --dbname=contrib_regression \
		$(EP_LOAD_EXTENSIONS) $(EP_REGRESS_TESTS)
endif

check-isolation:
	@mkdir -p tmp_check
ifneq ($(EP_ISOLATION_TESTS),)
	$(EP_PGXS_TEST)/isolation/pg_isolation_regress --bindir='$(bindir)' \
		--temp-instance=./tmp_check/isolation --temp-config=$(EP_TEST_CONF) \
		--inputdir=test --outputdir=test/output_iso --dbname=isolation_regression \
		$(EP_LOAD_EXTENSIONS) $(EP_ISOLATION_TESTS)
endif

# One prove run per file, so that the caller can count files; EP_TAP_TEST picks one.
EP_TAP_TEST ?= $(EP_TAP_TESTS)
check-tap:
ifneq ($(EP_TAP_TEST),)
	rm -rf tmp_check/tap && mkdir -p tmp_check/tap && \
	TESTDIR='$(CURDIR)/tmp_check/tap' PATH="$(bindir):$$PATH" \
	PG_REGRESS='$(EP_PGXS_TEST)/regress/pg_regress' TEMP_CONFIG='$(EP_TEST_CONF)' \
	$(PROVE) -I $(EP_PGXS_TEST)/perl $(PROVE_FLAGS) $(EP_TAP_TEST)
endif

# The shared library must export only what the server looks up.
check-symbols: all
	$(EP_TOP)/scripts/check-symbols.sh $(MODULE_big)$(DLSUFFIX)
