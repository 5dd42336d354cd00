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
SONAME := libzcfuse.so.$(SOVERSION)

all: $(O)/libzcfuse.so $(O)/libzcfuse.a $(O)/zcfuse.pc $(EXAMPLES) $(TOOLS) $(UNIT_TESTS) $(MOUNT_PROGS) \
	$(BENCH_PROGS)

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

$(O)/tests/mount/%: tests/mount/%.c $(wildcard tests/mount/*.h)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -pthread

include compat/hl.mk

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
	rm -rf build build-san

.PHONY: all deps check demo bench bench-full vm-check vm-probe install clean
.DELETE_ON_ERROR:
