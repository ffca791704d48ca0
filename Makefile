# courtsync — plain GNU Makefile.  `make`, `make check`, `make install PREFIX=…`.
# SAN=1 builds with AddressSanitizer and UBSan into build/asan; SAN=fuzz
# with clang, libFuzzer, ASan and UBSan into build/fuzz (make fuzz).

PKGS     := sqlite3 openssl msgpack libcurl libevent libevent_openssl
PREFIX   ?= /usr/local
CC       ?= cc
# Debian's python3 (with python3-pytest and friends from tests/run.sh), else
# whichever python3 is first on PATH.
PYTHON   ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

ifeq ($(SAN),1)
BUILD    ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT      := -O1 -g
else ifeq ($(SAN),fuzz)
BUILD    ?= build/fuzz
CC       := clang
SANFLAGS := -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT      := -O1 -g
else
BUILD    ?= build
SANFLAGS :=
OPT      := -O2 -g
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wformat=2 -Wvla -Wcast-qual -Wwrite-strings -Wundef \
        -Wold-style-definition -Wnull-dereference
CFLAGS  ?= $(OPT)
# Layers (docs/ARCHITECTURE.md): sync/ sees only the public API in
# include/courtsync/; node/, the tests and the benchmarks also see node/.
ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
        -Iinclude $(PKG_CFLAGS) $(WARN) $(CFLAGS) $(SANFLAGS) -pthread -MMD -MP
NODE_CFLAGS := $(ALL_CFLAGS) -Inode
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -pthread
LIBS := $(PKG_LIBS)

SYNC_SRC := $(sort $(wildcard sync/*.c))
NODE_SRC := $(filter-out node/main.c,$(sort $(wildcard node/*.c)))
SYNC_OBJ := $(SYNC_SRC:%.c=$(BUILD)/%.o)
NODE_OBJ := $(NODE_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/node/main.o

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzzers/%)
FUZZ_SECONDS ?= 60
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIBSYNC := $(BUILD)/libcourtsync-sync.a
LIBNODE := $(BUILD)/libcourtsync-node.a

.PHONY: all check test unit functional check-one check-layers bench bench-full demo install uninstall clean fuzz fuzz-smoke fuzz-run

all: $(BUILD)/courtsync

# One archive per layer; a program links the upper one first.
$(LIBSYNC): $(SYNC_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBNODE): $(NODE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/courtsync: $(MAIN_OBJ) $(LIBNODE) $(LIBSYNC)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/sync/%.o: sync/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(NODE_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/unit/harness.o $(LIBNODE) $(LIBSYNC)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/fuzzers/%: $(BUILD)/tests/fuzz/%.o $(LIBNODE) $(LIBSYNC)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIBNODE) $(LIBSYNC)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# The layer rule and the absence of cycles, from the objects themselves
# (nm) and the #include lines (tests/layers.py, docs/ARCHITECTURE.md).
check-layers: $(BUILD)/courtsync
	$(PYTHON) tests/layers.py --build $(BUILD)

# Unit tests: one binary per module, run from the repository root.
unit: $(UNIT_BIN)
	@set -e; for t in $(abspath $(UNIT_BIN)); do echo "== $$t"; $$t; done

# Functional tests: real courtsync processes in temporary home directories.
functional: $(BUILD)/courtsync
	COURTSYNC_BIN=$(abspath $(BUILD)/courtsync) $(PYTHON) -m pytest -q tests/functional $(PYTEST_ARGS)

check-one: check-layers unit functional

# Everything, then everything again under ASan+UBSan, then each fuzzer
# for a few seconds.
check:
	$(MAKE) check-one
	$(MAKE) SAN=1 check-one PYTEST_ARGS="$(PYTEST_ARGS) -m 'not slow'"
	$(MAKE) fuzz-smoke

# libFuzzer harnesses (tests/fuzz, clang, ASan+UBSan): each runs
# FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/NAME) plus what
# earlier runs found (build/fuzz/corpus/NAME); a crash stops make and
# leaves the input in build/fuzz/fuzzers/NAME-crash-….
fuzz:
	$(MAKE) SAN=fuzz fuzz-run FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-smoke:
	$(MAKE) SAN=fuzz fuzz-run FUZZ_SECONDS=10

fuzz-run: $(FUZZ_BIN)
	@set -e; for f in $(abspath $(FUZZ_BIN)); do n=$$(basename $$f); \
		mkdir -p $(BUILD)/corpus/$$n; \
		echo "== $$n, $(FUZZ_SECONDS) s"; \
		if ! $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$$f- $(BUILD)/corpus/$$n \
			tests/fuzz/corpus/$$n >$$f.log 2>&1; then \
			tail -60 $$f.log; echo "$$n: FAILED (input: $$f-…)"; \
			exit 1; fi; \
		grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|#[0-9]+ +DONE)' \
			$$f.log || true; done

test: check

# Benchmarks (bench/README.md): the C ones, hub ingest beside PostgreSQL
# logical replication (postgresql-15 from Debian; skipped if absent) and
# the views at 10k and 100k cases, each printing its ratios.  bench-full
# adds the 10M-entries ingest steps and the views at 1M cases (hours).
bench: $(BUILD)/courtsync $(BENCH_BIN)
	@set -e; for b in $(abspath $(BENCH_BIN)); do $$b; done
	$(PYTHON) bench/bench_ingest.py --peer --bin $(abspath $(BUILD)/courtsync)
	$(PYTHON) bench/bench_views.py --bin $(abspath $(BUILD)/courtsync)

bench-full: $(BUILD)/courtsync $(BENCH_BIN)
	@set -e; for b in $(abspath $(BENCH_BIN)); do $$b; done
	$(PYTHON) bench/bench_ingest.py --bin $(abspath $(BUILD)/courtsync)
	$(PYTHON) bench/bench_views.py --full --bin $(abspath $(BUILD)/courtsync)

demo: $(BUILD)/courtsync
	sh tests/demo/city.sh $(abspath $(BUILD)/courtsync)

# What a Debian server gets (docs/OPERATIONS.md): the binary, the CA tool,
# the man pages, the systemd unit (ExecStart in $(BINDIR)), its sysusers
# and tmpfiles entries, a logrotate example and the docs.
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/courtsync
UNITDIR  ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DOCS     := README.md docs/ARCHITECTURE.md docs/FORMAT.md docs/PROTOCOL.md \
            docs/VIEWS.md docs/ACCESS.md docs/OPERATIONS.md docs/SCALE.md \
            docs/DEMO.md docs/service/courtsync.logrotate

install: $(BUILD)/courtsync
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR)
	install -m 0755 $(BUILD)/courtsync $(DESTDIR)$(BINDIR)/courtsync
	install -m 0755 certs/courtsync-certs $(DESTDIR)$(BINDIR)/courtsync-certs
	install -m 0644 docs/courtsync.1 docs/courtsync-certs.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 docs/courtsync.conf.5 $(DESTDIR)$(MANDIR)/man5/
	sed 's|@BINDIR@|$(BINDIR)|g' docs/service/courtsync.service \
		>$(DESTDIR)$(UNITDIR)/courtsync.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/courtsync.service
	install -m 0644 docs/service/courtsync.sysusers $(DESTDIR)$(SYSUSERSDIR)/courtsync.conf
	install -m 0644 docs/service/courtsync.tmpfiles $(DESTDIR)$(TMPFILESDIR)/courtsync.conf
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/courtsync $(DESTDIR)$(BINDIR)/courtsync-certs \
		$(DESTDIR)$(MANDIR)/man1/courtsync.1 \
		$(DESTDIR)$(MANDIR)/man1/courtsync-certs.1 \
		$(DESTDIR)$(MANDIR)/man5/courtsync.conf.5 \
		$(DESTDIR)$(UNITDIR)/courtsync.service \
		$(DESTDIR)$(SYSUSERSDIR)/courtsync.conf \
		$(DESTDIR)$(TMPFILESDIR)/courtsync.conf
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
