# zcfuse build. Plain make: `make`, `make check`, `make demo`, `make bench`,
# `make vm-check`. Sources are found by folder, so a new file needs no edit here:
#   src/**/*.c       -> the library (build/libzcfuse.so, build/libzcfuse.a)
#   examples/*.c     -> build/examples/NAME
#   tools/*.c        -> build/tools/NAME
#   bench/*.c        -> build/bench/NAME    (benchmark helpers)
#   tests/unit/*.c   -> build/tests/unit/NAME   (linked with the static library,
#   tests/mount/*.c  -> build/tests/mount/NAME   so tests may use internals)
# SAN=1 builds everything with AddressSanitizer + UBSan into build-san/.

VERSION := 0.1.0
SOVERSION := 0
PREFIX ?= /usr/local

ifeq ($(SAN),1)
O ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
O ?= build
SANFLAGS :=
endif

CC ?= cc
# V=1 shows the commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif
WERROR ?= -Werror
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wno-unused-parameter -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -pthread $(SANFLAGS)
CPPFLAGS += -Iinclude -Isrc
LDLIBS += -luring -pthread
LDFLAGS += $(SANFLAGS)

LIB_SRCS := $(sort $(wildcard src/*/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
EXAMPLES := $(patsubst examples/%.c,$(O)/examples/%,$(wildcard examples/*.c))
TOOLS := $(patsubst tools/%.c,$(O)/tools/%,$(wildcard tools/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(wildcard tests/unit/*.c))
MOUNT_PROGS := $(patsubst tests/mount/%.c,$(O)/tests/mount/%,$(wildcard tests/mount/*.c))
BENCH_PROGS := $(patsubst bench/%.c,$(O)/bench/%,$(wildcard bench/*.c))
FUZZERS := classic ring opts
FUZZ_REPLAYERS := $(FUZZERS:%=$(O)/tests/fuzz/%)
SONAME := libzcfuse.so.$(SOVERSION)

all: $(O)/libzcfuse.so $(O)/libzcfuse.a $(O)/zcfuse.pc $(EXAMPLES) $(TOOLS) $(UNIT_TESTS) $(MOUNT_PROGS) \
	$(BENCH_PROGS) $(FUZZ_REPLAYERS)

$(O)/obj/%.o: %.c $(wildcard include/zcfuse/*.h src/*/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(O)/$(SONAME): $(LIB_OBJS) src/libzcfuse.map
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libzcfuse.map \
		-Wl,--no-undefined -o $@ $(LIB_OBJS) $(LDLIBS)

$(O)/libzcfuse.so: $(O)/$(SONAME)
	$(Q)ln -sf $(SONAME) $@

$(O)/libzcfuse.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/zcfuse.pc: zcfuse.pc.in Makefile
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# Examples link the shared library, found next to them at run time.
$(O)/examples/%: examples/%.c $(O)/libzcfuse.so include/zcfuse/zcfuse.h
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -L$(O) -lzcfuse -Wl,-rpath,'$$ORIGIN/..' $(LDFLAGS) $(LDLIBS)

$(O)/tools/%: tools/%.c $(O)/libzcfuse.a
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(O)/libzcfuse.a $(LDFLAGS) $(LDLIBS)

$(O)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(O)/tests/unit/%: tests/unit/%.c $(O)/libzcfuse.a $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(O)/libzcfuse.a $(LDFLAGS) $(LDLIBS)

# Test servers (tests/mount/*fs.c) are zcfuse filesystems: the static library.
$(O)/tests/mount/%fs: tests/mount/%fs.c $(O)/libzcfuse.a
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(O)/libzcfuse.a $(LDFLAGS) $(LDLIBS)

$(O)/tests/mount/%: tests/mount/%.c $(wildcard tests/mount/*.h)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -pthread

# ---- Fuzzing: tests/fuzz/NAME.c, each built twice. With the normal compiler
# and replay.c (part of all): tests/tools/fuzz-replay.sh replays the corpora
# in make check. With clang and libFuzzer into build-fuzz/: `make fuzz` runs
# each for FUZZ_SECONDS, new inputs in build-fuzz/corpus/NAME, crashes in
# build-fuzz/crashes/ (copy each into tests/fuzz/corpus/NAME once fixed).
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_FLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE \
	-D_FILE_OFFSET_BITS=64 -pthread -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_DEPS := tests/fuzz/fakefs.c tests/fuzz/harness.h

$(O)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_DEPS) $(O)/libzcfuse.a
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< tests/fuzz/fakefs.c tests/fuzz/replay.c \
		$(O)/libzcfuse.a $(LDFLAGS) $(LDLIBS)

build-fuzz/%: tests/fuzz/%.c $(FUZZ_DEPS) $(LIB_SRCS) $(wildcard include/zcfuse/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $< tests/fuzz/fakefs.c $(LIB_SRCS) -luring

fuzz: $(FUZZERS:%=build-fuzz/%)
	@for f in $(FUZZERS); do \
		mkdir -p build-fuzz/corpus/$$f build-fuzz/crashes; \
		echo "  FUZZ    $$f for $(FUZZ_SECONDS) s"; \
		build-fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=9000 -close_fd_mask=2 \
			-print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$$f- \
			build-fuzz/corpus/$$f tests/fuzz/corpus/$$f || exit 1; \
	done

# Installs what building and testing need (Debian package names), once.
deps:
	@scripts/install-deps

# Runs every test: unit, mount suites over each transport, tools; then the
# whole suite again under AddressSanitizer + UBSan.
check: deps
	$(MAKE) all
	tests/run.sh --build $(O)
	$(MAKE) SAN=1 all
	tests/run.sh --build build-san --sanitizer

demo: deps all
	scripts/demo.sh $(O)

# The runner builds zcfuse itself (and measures the peers even if that fails).
bench: deps
	bench/run-bench --quick $(BENCH_ARGS)

bench-full: deps
	bench/run-bench --full $(BENCH_ARGS)

# Boots Linux 7.3 under qemu and runs the whole suite there over all four
# transports (bufpool and zerocopy exist only on 7.3).
vm-check: deps all
	vm/run-vm --install-deps --collect build/test-logs \
		--command 'tests/run.sh --transports "classic uring bufpool zerocopy"'

# Cost per I/O in the 7.3 guest: instructions (QEMU plugin), copy and pin
# calls, context switches (bench/README.md); transport memory at 2 to 64 vCPUs.
vm-cost: deps all
	bench/vm-bench --cost $(BENCH_ARGS)

vm-memory: deps all
	bench/vm-bench --memory $(BENCH_ARGS)

vm-cost-check: deps all
	ZCFUSE_VM_COST=1 tests/tools/vm-cost.sh

vm-probe: deps
	vm/run-vm --install-deps --command vm/probe-guest.sh --timeout 600

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/zcfuse
	install -m 644 include/zcfuse/zcfuse.h $(DESTDIR)$(PREFIX)/include/zcfuse/
	install -m 755 $(O)/$(SONAME) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libzcfuse.so
	install -m 644 $(O)/libzcfuse.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(O)/zcfuse.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

clean:
	rm -rf build build-san build-fuzz

.PHONY: all deps check demo bench bench-full vm-check vm-cost vm-memory vm-cost-check vm-probe install clean fuzz
.DELETE_ON_ERROR:
