# i40: build, test, sanitize, fuzz, benchmark.  See README.md.
#
#   make deps     install the Debian packages the build and tests need
#   make          build (gcc, warnings are errors; CC=clang works too)
#   make test     build and run every test through prove
#   make check    every test again under AddressSanitizer + UBSan
#   make fuzz     each libFuzzer target for FUZZ_SECONDS, then replay corpora
#   make bench    every benchmark
#   make clang    every binary, tests and benchmarks too, with clang (no run)
#   make install  PREFIX=/usr/local DESTDIR=
#   make man      the manual pages (scdoc), into $(BUILD)/man
#   make deb      the i40 Debian package (debhelper), checked by lintian

ifeq ($(origin CC),default)
CC = gcc
endif
BUILD ?= build
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang

# lmdb-utils: mdb_copy, for hot backups (docs/operations.md, "Backups").
DEB_PKGS = make gcc clang libclang-rt-14-dev pkg-config perl \
	libsodium-dev libmsgpack-dev libcmocka-dev libjansson-dev \
	libzmq3-dev liblmdb-dev libinih-dev libsystemd-dev \
	nftables iproute2 procps jq lmdb-utils libcsv-dev \
	libcairo2-dev fonts-dejavu-core libstemmer-dev wswedish \
	scdoc debhelper lintian fakeroot libmicrohttpd-dev curl \
	chromium chromium-driver

PKGS = libsodium msgpack lmdb
TEST_PKGS = cmocka jansson libzmq
# What i40d and i40ctl link besides the library.
APP_PKGS = libzmq inih libsystemd jansson libmicrohttpd
# i40ctl alone draws PDF transcripts (cairo, with the DejaVu fonts).
CTL_PKGS = cairo
APP_CFLAGS = $(shell pkg-config --cflags $(APP_PKGS) $(CTL_PKGS) 2>/dev/null)
CTL_LIBS = $(shell pkg-config --libs $(CTL_PKGS) 2>/dev/null)
# libcsv and libstemmer have no pkg-config file.
APP_LIBS = $(shell pkg-config --libs $(APP_PKGS) 2>/dev/null) -lcsv -lstemmer \
	-lm -lpthread
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

WARN = -Wall -Wextra -Werror -Wshadow -Wconversion -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla
OPT ?= -O2 -g
CFLAGS ?=
ifdef SAN
OPT = -O1 -g -fno-omit-frame-pointer
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE $(OPT) $(WARN) \
	-fstack-protector-strong -I. $(PKG_CFLAGS) $(APP_CFLAGS) $(CFLAGS)

PROTO_SRC = $(wildcard protocol/*.c)
STORE_SRC = $(wildcard store/*.c)
# match/: course matching over the store's catalog (i40ctl, later i40d).
MATCH_SRC = $(wildcard match/*.c)
LIB_SRC = $(PROTO_SRC) $(STORE_SRC) $(MATCH_SRC)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB = $(BUILD)/libi40.a
# daemon/ and tools/ are archives too, so unit tests can link their modules;
# main.c of each is the program.
DAEMON_SRC = $(filter-out daemon/main.c,$(wildcard daemon/*.c))
DAEMON_OBJ = $(DAEMON_SRC:%.c=$(BUILD)/%.o)
DLIB = $(BUILD)/libi40d.a
CTL_SRC = $(filter-out tools/main.c,$(wildcard tools/*.c))
CTL_OBJ = $(CTL_SRC:%.c=$(BUILD)/%.o)
CLIB = $(BUILD)/libi40ctl.a
I40D = $(BUILD)/i40d
I40CTL = $(BUILD)/i40ctl

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TESTLIB_SRC = $(wildcard tests/lib/*.c)
TESTLIB_OBJ = $(TESTLIB_SRC:%.c=$(BUILD)/%.o)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
REPLAY_BIN = $(FUZZ_NAMES:%=$(BUILD)/tests/replay_%)
BENCH_SRC = $(wildcard tests/bench/bench_*.c)
BENCH_BIN = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/testtools/%)
# Script tests are executable and name their interpreter (#!).
SCRIPT_TESTS = $(wildcard tests/*.t) $(wildcard tests/integration/*.t)

.PHONY: all deps test check fuzz bench install clean vectors demo clang man deb

all: deps $(LIB) $(I40D) $(I40CTL) $(TOOL_BIN)

deps:
	@missing=""; \
	for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "make deps: missing Debian packages:$$missing" >&2; \
			echo "make deps: run 'sudo make deps' (or apt-get install$$missing) and try again" >&2; \
			exit 1; \
		fi; \
		echo "make deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		    apt-get install -y -qq --no-install-recommends $$missing \
		    >/dev/null || exit 1; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(DLIB): $(DAEMON_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(CLIB): $(CTL_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The web face (daemon/web*.c) verifies transcripts and matches needs with
# i40ctl's own code, so that both decide alike: the two archives need each
# other, and every program links them as one group.
ALIBS = -Wl,--start-group $(CLIB) $(DLIB) -Wl,--end-group $(LIB)

$(I40D): $(BUILD)/daemon/main.o $(DLIB) $(CLIB) $(LIB)
	$(CC) $(BUILD)/daemon/main.o $(ALIBS) $(CTL_LIBS) $(APP_LIBS) \
	    $(PKG_LIBS) $(LDFLAGS) -o $@

$(I40CTL): $(BUILD)/tools/main.o $(CLIB) $(DLIB) $(LIB)
	$(CC) $(BUILD)/tools/main.o $(ALIBS) $(CTL_LIBS) $(APP_LIBS) \
	    $(PKG_LIBS) $(LDFLAGS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(TESTLIB_OBJ) $(CLIB) $(DLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-missing-prototypes $< \
	    $(TESTLIB_OBJ) $(ALIBS) $(TEST_LIBS) $(CTL_LIBS) $(APP_LIBS) \
	    $(PKG_LIBS) $(LDFLAGS) -o $@

# Replay drivers: each fuzz target linked with a main() that runs every
# saved input (seed corpus and regressions) and prints TAP.
$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes \
	    -DFUZZ_NAME='"$*"' $< tests/fuzz/replay.c $(LIB) $(PKG_LIBS) \
	    $(LDFLAGS) -o $@

# -MMD: a benchmark rebuilds when a header it includes (bench_sync.h) changes.
$(BUILD)/bench/bench_%: tests/bench/bench_%.c $(TESTLIB_OBJ) $(CLIB) $(DLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -Wno-missing-prototypes $< $(TESTLIB_OBJ) \
	    $(ALIBS) \
	    $(PKG_LIBS) $(CTL_LIBS) $(APP_LIBS) $(LDFLAGS) -o $@

$(BUILD)/testtools/%: tests/tools/%.c $(TESTLIB_OBJ) $(CLIB) $(DLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -Wno-missing-prototypes $< \
	    $(TESTLIB_OBJ) $(ALIBS) \
	    $(TEST_LIBS) $(CTL_LIBS) $(APP_LIBS) $(PKG_LIBS) $(LDFLAGS) -o $@

# Unit tests and replays two at a time (each is one CPU-bound process);
# the integration tests one at a time (their daemons time each other).
test: all $(UNIT_BIN) $(REPLAY_BIN)
	@for t in $(SCRIPT_TESTS); do test -x $$t || { \
	    echo "$$t is not executable: chmod +x it and commit the mode" >&2; \
	    exit 1; }; done
	BUILD=$(BUILD) prove -j2 -f --timer --exec '' $(UNIT_BIN) $(REPLAY_BIN)
	BUILD=$(BUILD) prove -f --timer --exec '' $(SCRIPT_TESTS)

# Under the sanitizers every test runs again, the long ones in a shorter
# form (the full forms run in `make test`).  CHECK_SCRIPTS narrows the
# script tests (CI runs a subset to stay inside its time: .ci/run).
CHECK_SCRIPTS ?= $(SCRIPT_TESTS)
check: deps
	I40_ORDER_RUNS=$${I40_ORDER_RUNS:-6} \
	I40_CRASH_ROUNDS=$${I40_CRASH_ROUNDS:-40} \
	CHAOS_SECONDS=$${CHAOS_SECONDS:-8} \
	I40_WRONGPREV_SECONDS=$${I40_WRONGPREV_SECONDS:-8} \
	HOLD_SECONDS=$${HOLD_SECONDS:-6} \
	LIFECYCLE_N=$${LIFECYCLE_N:-5} \
	I40_IMPORT_ROWS=$${I40_IMPORT_ROWS:-1000} \
	    $(MAKE) BUILD=$(BUILD)/san SAN=1 SCRIPT_TESTS="$(CHECK_SCRIPTS)" test

# libFuzzer needs clang.  New inputs go to $(BUILD)/fuzz, never into the
# tree; crashes are written there too, to be minimised and saved into
# tests/fuzz/regress/NAME/ by hand.
FUZZ_BIN = $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
fuzz: deps $(REPLAY_BIN) $(FUZZ_BIN)
	@set -e; for n in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/work_$$n tests/fuzz/regress/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$(BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
		    -artifact_prefix=$(BUILD)/fuzz/$$n- \
		    $(BUILD)/fuzz/work_$$n tests/fuzz/corpus/$$n \
		    tests/fuzz/regress/$$n >$(BUILD)/fuzz/$$n.log 2>&1 || \
		    { tail -n 40 $(BUILD)/fuzz/$$n.log; \
		      echo "fuzz: $$n failed; the input is in $(BUILD)/fuzz/"; \
		      exit 1; }; \
		$(BUILD)/fuzz/fuzz_$$n -runs=0 tests/fuzz/corpus/$$n \
		    tests/fuzz/regress/$$n >>$(BUILD)/fuzz/$$n.log 2>&1 || \
		    { tail -n 40 $(BUILD)/fuzz/$$n.log; exit 1; }; \
	done; echo "fuzz: all targets ran clean"

# The fuzzers eat protocol/ only: it is pure, so no store library is needed.
FUZZ_LIB_OBJ = $(PROTO_SRC:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_FLAGS = -std=c11 -D_DEFAULT_SOURCE -O1 -g -I. $(PKG_CFLAGS) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_OBJ_FLAGS = -std=c11 -D_DEFAULT_SOURCE -O1 -g -I. $(PKG_CFLAGS) \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_OBJ_FLAGS) -c $< -o $@
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/bench/bench_sync: tests/bench/bench_sync.h
# The import benchmark runs i40ctl's replay (tools/ctl_replay.c).
$(BUILD)/bench/bench_log: tests/bench/bench_log.c $(TESTLIB_OBJ) $(CLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $< $(TESTLIB_OBJ) $(CLIB) \
	    $(LIB) $(PKG_LIBS) $(APP_LIBS) $(LDFLAGS) -o $@
bench: all $(BENCH_BIN)
	@for b in $(BENCH_BIN); do BUILD=$(BUILD) $$b || exit 1; done

# clang warns where gcc does not (-Wsign-conversion under -Wconversion,
# non-literal formats): build everything with it, run nothing.
clang: deps
	$(MAKE) CC=clang BUILD=$(BUILD)/clang all $(UNIT_BIN:$(BUILD)/%=$(BUILD)/clang/%) \
	    $(REPLAY_BIN:$(BUILD)/%=$(BUILD)/clang/%) \
	    $(BENCH_BIN:$(BUILD)/%=$(BUILD)/clang/%)

# A 13-node federation on loopback with the sample data (demo/run.sh).
demo: all
	demo/run.sh $(BUILD)

vectors: all
	$(BUILD)/testtools/genvectors docs/vectors
	$(BUILD)/testtools/gentranscript docs/vectors

# Manual pages from man/*.scd: i40d(8), i40ctl(1), i40d.conf(5).
MAN_SRC = $(wildcard man/*.scd)
MAN_OUT = $(MAN_SRC:man/%.scd=$(BUILD)/man/%)

man: $(MAN_OUT)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	scdoc <$< >$@

install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/i40 \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 $(I40D) $(I40CTL) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 README.md docs/*.md docs/i40d.conf.example docs/i40-alerts.yml \
	    docs/i40d.service $(DESTDIR)$(PREFIX)/share/doc/i40/
	install -m 644 $(BUILD)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(BUILD)/man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 $(BUILD)/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/

# The package, built from a copy of the tracked files (dpkg-buildpackage
# writes beside its source tree), then checked: lintian must find no error.
DEB_VERSION = $(shell sed -n '1s/.*(\(.*\)).*/\1/p' debian/changelog)
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_FILE = $(BUILD)/i40_$(DEB_VERSION)_$(DEB_ARCH).deb

deb: deps
	rm -rf $(BUILD)/debsrc && mkdir -p $(BUILD)/debsrc/i40
	if [ -d .git ]; then git ls-files -z --cached --others --exclude-standard | xargs -0 tar cf - | \
	    tar xf - -C $(BUILD)/debsrc/i40; \
	else tar cf - --exclude=./build . | tar xf - -C $(BUILD)/debsrc/i40; fi
	cd $(BUILD)/debsrc/i40 && DEB_BUILD_OPTIONS="parallel=$$(nproc)" \
	    dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
	    { tail -30 ../build.log; exit 1; }
	cp $(BUILD)/debsrc/i40_$(DEB_VERSION)_$(DEB_ARCH).deb $(DEB_FILE)
	lintian --fail-on error $(DEB_FILE)
	@echo "make deb: $(DEB_FILE)"

clean:
	rm -rf $(BUILD)

# Keep shared objects: they are inputs of several links, not intermediates.
.SECONDARY: $(TESTLIB_OBJ) $(FUZZ_LIB_OBJ)

-include $(LIB_OBJ:.o=.d) $(DAEMON_OBJ:.o=.d) $(CTL_OBJ:.o=.d) \
	$(BUILD)/daemon/main.d $(BUILD)/tools/main.d $(BENCH_BIN:=.d)

# ---- I/O fault injection (tests/preload/iofail.c) --------------------------
# An LD_PRELOAD shim that fails chosen writes/fsyncs with EIO or ENOSPC;
# tests/unit/test_store_io.c re-executes itself with it.  Kept out of
# tests/lib/ so it is not linked into every test.  Built without the
# sanitizers: under ASan the test skips itself.
$(BUILD)/tests/iofail.so: tests/preload/iofail.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(OPT) $(WARN) -fPIC -shared $< -ldl -o $@
test: $(BUILD)/tests/iofail.so
