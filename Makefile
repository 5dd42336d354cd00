# zcfuse build. Plain make: `make`, `make check`, `make demo`, `make bench`,
# `make vm-check`, `make install`, `make deb`. Sources are found by folder, so
# a new file needs no edit here:
#   src/**/*.c       -> the library (O/libzcfuse.so, O/libzcfuse.a)
#   examples/*.c     -> O/examples/NAME (and O/bin/zcfuse-NAME for install)
#   tools/*.c        -> O/tools/NAME
#   bench/*.c        -> O/bench/NAME    (benchmark helpers)
#   tests/unit/*.c   -> O/tests/unit/NAME   (linked with the static library,
#   tests/mount/*.c  -> O/tests/mount/NAME   so tests may use internals)
#   man/*.[1-8]      -> installed as they are, plus one .so link page per name
#                       in a section-3 page's NAME line (scripts/man-links)
# O (or BUILDDIR) is the build folder: build/, or build-san/ with SAN=1, which
# builds everything with AddressSanitizer + UBSan.

# The one place the version lives. The SONAME follows the major number, the
# library file carries the whole version, and the newest node of
# src/libzcfuse.map must be ZCFUSE_<major>.<minor> (the link checks it);
# zcfuse.h's ZCFUSE_VERSION_* are checked against it at compile time
# (src/core/util.c), zcfuse.pc gets it, and tests/tools/version.sh holds
# CHANGELOG.md and debian/changelog to it.
VERSION := 0.1.0
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
VERSION_MINOR := $(word 2,$(subst ., ,$(VERSION)))
VERSION_PATCH := $(word 3,$(subst ., ,$(VERSION)))
SOVERSION := $(VERSION_MAJOR)
SONAME := libzcfuse.so.$(SOVERSION)
REALNAME := libzcfuse.so.$(VERSION)
MAP_NODE := ZCFUSE_$(VERSION_MAJOR).$(VERSION_MINOR)

ifeq ($(SAN),1)
BUILDDIR ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILDDIR ?= build
SANFLAGS :=
endif
O ?= $(BUILDDIR)
# make check's sanitizer build: build-san/ beside build/, else O-san.
SAN_O := $(if $(filter build build-san,$(O)),build-san,$(O)-san)

# Install layout (GNU names, upper case). DESTDIR is prepended to each at
# install time only. LIBDIR is Debian's multiarch folder (lib/x86_64-linux-gnu)
# when installing under /usr or /usr/local on Debian, where the linker and
# pkg-config look; PREFIX/lib otherwise.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
ifeq ($(origin LIBDIR),undefined)
ifneq ($(filter /usr /usr/local,$(PREFIX)),)
MULTIARCH ?= $(shell test -e /etc/debian_version && $(CC) -print-multiarch 2>/dev/null)
endif
LIBDIR := $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
endif
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
# libzcfuse-compat's private folder (libfuse3.so.3 for zcfuse-run): compat/
# installs there (see COMPAT below).
COMPATDIR ?= $(LIBDIR)/zcfuse/compat

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
INSTALL_EXAMPLES := $(patsubst examples/%.c,$(O)/bin/zcfuse-%,$(wildcard examples/*.c))

all: $(O)/libzcfuse.so $(O)/libzcfuse.a $(O)/zcfuse.pc $(EXAMPLES) $(TOOLS) $(UNIT_TESTS) $(MOUNT_PROGS) \
	$(BENCH_PROGS) $(FUZZ_REPLAYERS)

$(O)/obj/%.o: %.c $(wildcard include/zcfuse/*.h src/*/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

# The library checks zcfuse.h's version numbers against these (util.c).
$(LIB_OBJS): CPPFLAGS += -DZCF_MAKE_VERSION_MAJOR=$(VERSION_MAJOR) \
	-DZCF_MAKE_VERSION_MINOR=$(VERSION_MINOR) -DZCF_MAKE_VERSION_PATCH=$(VERSION_PATCH)

$(O)/$(REALNAME): $(LIB_OBJS) src/libzcfuse.map
	$(Q)node=$$(sed -n 's/^\(ZCFUSE_[0-9.]*\)[[:space:]]*{.*/\1/p' src/libzcfuse.map | sort -V | tail -1); \
	[ "$$node" = $(MAP_NODE) ] || { echo "src/libzcfuse.map: newest version node is $$node," \
		"but VERSION $(VERSION) needs $(MAP_NODE) (add it, listing the new symbols)" >&2; exit 1; }
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libzcfuse.map \
		-Wl,--no-undefined -o $@ $(LIB_OBJS) $(LDLIBS)

$(O)/$(SONAME): $(O)/$(REALNAME)
	$(Q)ln -sf $(REALNAME) $@

$(O)/libzcfuse.so: $(O)/$(SONAME)
	$(Q)ln -sf $(SONAME) $@

$(O)/libzcfuse.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

# Paths and the version baked into zcfuse.pc. The file is rewritten only
# when a value changes, so the .pc is rebuilt exactly then (make install
# PREFIX=... after a plain make gets the right paths).
PC_VARS := $(VERSION) $(PREFIX) $(LIBDIR) $(INCLUDEDIR)
$(O)/pc-vars: FORCE
	@mkdir -p $(dir $@)
	$(Q)echo '$(PC_VARS)' | cmp -s - $@ 2>/dev/null || echo '$(PC_VARS)' > $@

# libdir and includedir are written relative to ${prefix} where they are
# below it, as distributions' .pc files are.
$(O)/zcfuse.pc: zcfuse.pc.in $(O)/pc-vars
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		-e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' $< > $@

# Examples link the shared library, found next to them at run time.
$(O)/examples/%: examples/%.c $(O)/libzcfuse.so include/zcfuse/zcfuse.h
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -L$(O) -lzcfuse -Wl,-rpath,'$$ORIGIN/..' $(LDFLAGS) $(LDLIBS)

# The installed examples: the same programs named zcfuse-NAME, without the
# build tree's rpath (they find the installed library like any program).
$(O)/bin/zcfuse-%: examples/%.c $(O)/libzcfuse.so include/zcfuse/zcfuse.h
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -L$(O) -lzcfuse $(LDFLAGS) $(LDLIBS)

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

# ---- libfuse 3 compatibility (compat/): build/compat/libfuse3.so.3 ----
# zcfuse linked in whole, libfuse's low-level API on top, libfuse's symbol
# versions (compat/libfuse3.map); headers in include/zcfuse/compat/.
COMPAT_SRCS := $(sort $(wildcard compat/*.c))
COMPAT_OBJS := $(COMPAT_SRCS:%.c=$(O)/obj/%.o)
COMPAT_HDRS := $(wildcard include/zcfuse/compat/*.h compat/*.h)
COMPAT_CPPFLAGS := -Iinclude -Isrc

# The high-level layer is written on libfuse's low-level API: our compat
# headers, and .symver for its names with more than one version.
$(O)/obj/compat/hl-%.o: COMPAT_CPPFLAGS += -Iinclude/zcfuse/compat -DZCFUSE_HL_SHARED

$(O)/obj/compat/%.o: compat/%.c $(COMPAT_HDRS) $(wildcard include/zcfuse/*.h src/*/*.h) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(COMPAT_CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

$(O)/compat/libfuse3.so.3: $(COMPAT_OBJS) $(LIB_OBJS) compat/libfuse3.map
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libfuse3.so.3 -Wl,--version-script=compat/libfuse3.map \
		-Wl,--no-undefined -o $@ $(COMPAT_OBJS) $(LIB_OBJS) $(LDLIBS)

$(O)/compat/libfuse3.so: $(O)/compat/libfuse3.so.3
	$(Q)ln -sf libfuse3.so.3 $@

$(O)/compat/fuse3-zcfuse.pc: compat/fuse3-zcfuse.pc.in Makefile
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|3.14.0|' $< > $@

$(O)/compat/zcfuse-run: compat/zcfuse-run
	@mkdir -p $(dir $@)
	$(Q)install -m 755 $< $@

# Unit tests of the compat library link it as a libfuse program does.
$(O)/tests/unit/compat-%: tests/unit/compat-%.c $(O)/compat/libfuse3.so $(COMPAT_HDRS) tests/unit/test.h
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< -L$(O)/compat -lfuse3 \
		-Wl,-rpath,'$$ORIGIN/../../compat' $(LDFLAGS) -pthread

# libfuse programs the mount tests run (tests/compat/ownloop.c): written
# against libfuse's API only, built with the compat headers.
COMPAT_TEST_PROGS := $(O)/tests/compat/ownloop $(O)/tests/compat/customio
$(COMPAT_TEST_PROGS): $(O)/tests/compat/%: tests/compat/%.c tests/compat/memdata.h $(O)/compat/libfuse3.so $(COMPAT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) -Iinclude/zcfuse/compat $(CFLAGS) -o $@ $< -L$(O)/compat -lfuse3 \
		-Wl,-rpath,'$$ORIGIN/../../compat' $(LDFLAGS) -pthread
# customio again with libfuse 3.17's API (custom_io with a struct size, clone_fd).
$(O)/tests/compat/customio317: tests/compat/customio.c tests/compat/memdata.h $(O)/compat/libfuse3.so $(COMPAT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) -Iinclude/zcfuse/compat -DFUSE_USE_VERSION=317 $(CFLAGS) -o $@ $< -L$(O)/compat \
		-lfuse3 -Wl,-rpath,'$$ORIGIN/../../compat' $(LDFLAGS) -pthread
COMPAT_TEST_PROGS += $(O)/tests/compat/customio317

compat: $(O)/compat/libfuse3.so $(O)/compat/fuse3-zcfuse.pc $(O)/compat/zcfuse-run \
	$(COMPAT_TEST_PROGS)
all: compat
.PHONY: compat

include compat/hl.mk

# Installs what building and testing need (Debian package names), once.
deps:
	@scripts/install-deps

# Debian's fuse3 source packages (bookworm's 3.14, sid's 3.18) for libfuse's
# own examples and tests, unpacked into the cache with the private apt
# configuration (scripts/fetch-fuse3-source). Before the build: compat/hl.mk
# builds the examples only when the source is there. A fetch that fails
# leaves the tests that need it to skip, saying why.
test-sources:
	@for v in 3.14 3.18; do \
		scripts/fetch-fuse3-source --quiet $$v >/dev/null || \
			echo "make: fuse3 $$v source not fetched; the tests that need it will skip"; \
	done

# Runs every test: unit, mount suites over each transport, tools; then the
# whole suite again under AddressSanitizer + UBSan.
# The sanitizer rerun takes the mount tests over uring only (classic's
# reader is also run under valgrind in the first pass), to keep make check
# within a quarter of an hour; SAN_TRANSPORTS="classic uring" for both.
SAN_TRANSPORTS ?= uring
check: deps test-sources
	$(MAKE) all
	tests/run.sh --build $(O)
	$(MAKE) SAN=1 O=$(SAN_O) all
	tests/run.sh --build $(SAN_O) --sanitizer --transports "$(SAN_TRANSPORTS)"

demo: deps all
	scripts/demo.sh $(O)

# The runner builds zcfuse itself (and measures the peers even if that fails).
bench: deps
	bench/run-bench --quick $(BENCH_ARGS)

bench-full: deps
	bench/run-bench --full $(BENCH_ARGS)

# Boots Linux 7.3 under qemu and runs there what the 7.3 transports change:
# the data path, the ring framing, pools and zero copy, kills, locks and
# interrupts that hold ring entries, setuid clearing on direct writes,
# notifications and request timeouts, the INIT flags (parallel dirops,
# dont_mask, POSIX ACLs, cache invalidation, remote locks, names and
# opens, writeback cache), over bufpool and zerocopy (they exist
# only on 7.3). The host's make check covers classic and uring; to run the
# same list over all four transports on 7.3:
#   make vm-check VM_CHECK_TRANSPORTS="classic uring bufpool zerocopy" VM_CHECK_TIMEOUT=7200
# VM_CHECK_TESTS= runs everything (far longer than CI has under TCG).
VM_CHECK_TESTS ?= ^(unit/|mount/(fio-verify|pool-zerocopy|memlock|stuck-reader|kill-server|queue-full|ring-setup|stats|posix-memfs|posix-passthrough|setuid-kill|direct-mmap|locks-ops|lock-kicks|interrupt|interrupt-window|notify|request-timeout|memfs-space|bad-input|signals|parallel-dirops|dont-mask|posix-acl|init-inval|init-locks|init-meta|init-writeback)$$)
VM_CHECK_TRANSPORTS ?= bufpool zerocopy
# Host-side limit for the whole guest run (boot, both transports); a green
# half took 22 min over bufpool under TCG at load 10 (doc/design.md).
VM_CHECK_TIMEOUT ?= 3600
vm-check: deps all
	vm/run-vm --install-deps --timeout $(VM_CHECK_TIMEOUT) --collect build/test-logs \
		--command "ZCFUSE_MOUNT_TIMEOUT=900 tests/run.sh --transports '$(VM_CHECK_TRANSPORTS)' $(if $(VM_CHECK_TESTS),--only '$(VM_CHECK_TESTS)')"

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

# ---- install ----------------------------------------------------------------
# Everything goes through these lists, so uninstall removes exactly what
# install put there. Section-3 pages get one .so link page per extra name in
# their NAME line (scripts/man-links prints "LINK PAGE" pairs).
INSTALL_TOOLS := $(TOOLS)
INSTALL_HEADERS := $(wildcard include/zcfuse/*.h)
MAN_PAGES := $(sort $(wildcard man/*.[1-8]))
D := $(DESTDIR)
# COMPAT: libzcfuse-compat's libfuse3.so.3 goes into its private
# $(COMPATDIR), never on the linker's path where it would replace Debian's
# libfuse3 for every program; zcfuse-run (in BINDIR, its page in MAN_PAGES)
# puts it first for one program. The installed zcfuse-run names COMPATDIR
# itself, because that is LIBDIR-relative (lib/<multiarch>/ under /usr on
# Debian) and not the ../lib/zcfuse/compat the script guesses from BINDIR.
# debian/control marks the matching package (still commented out).
COMPAT_LIB := libfuse3.so.3

install: all $(INSTALL_EXAMPLES)
	install -d $(D)$(BINDIR) $(D)$(LIBDIR) $(D)$(PKGCONFIGDIR) $(D)$(INCLUDEDIR)/zcfuse
	install -m 644 $(INSTALL_HEADERS) $(D)$(INCLUDEDIR)/zcfuse/
	install -m 644 $(O)/$(REALNAME) $(D)$(LIBDIR)/
	ln -sfn $(REALNAME) $(D)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(D)$(LIBDIR)/libzcfuse.so
	install -m 644 $(O)/libzcfuse.a $(D)$(LIBDIR)/
	install -m 644 $(O)/zcfuse.pc $(D)$(PKGCONFIGDIR)/
	install -m 755 $(INSTALL_TOOLS) $(INSTALL_EXAMPLES) $(D)$(BINDIR)/
	install -d $(D)$(COMPATDIR)
	install -m 644 $(O)/compat/$(COMPAT_LIB) $(D)$(COMPATDIR)/
	grep -q '"$$here/../lib/zcfuse/compat"' compat/zcfuse-run
	sed -e 's|"$$here/../lib/zcfuse/compat"|"$(COMPATDIR)"|' compat/zcfuse-run >$(D)$(BINDIR)/zcfuse-run
	chmod 755 $(D)$(BINDIR)/zcfuse-run
	$(Q)set -e; for p in $(MAN_PAGES); do \
		s=$${p##*.}; install -d $(D)$(MANDIR)/man$$s; install -m 644 $$p $(D)$(MANDIR)/man$$s/; \
	done
	$(Q)set -e; scripts/man-links $(MAN_PAGES) | while read -r link page; do \
		s=$${page##*.}; echo ".so man$$s/$${page##*/}" > $(D)$(MANDIR)/man$$s/$$link; \
	done

uninstall:
	rm -f $(addprefix $(D)$(INCLUDEDIR)/zcfuse/,$(notdir $(INSTALL_HEADERS)))
	rmdir $(D)$(INCLUDEDIR)/zcfuse 2>/dev/null || true
	rm -f $(D)$(LIBDIR)/$(REALNAME) $(D)$(LIBDIR)/$(SONAME) $(D)$(LIBDIR)/libzcfuse.so \
		$(D)$(LIBDIR)/libzcfuse.a $(D)$(PKGCONFIGDIR)/zcfuse.pc
	rm -f $(addprefix $(D)$(BINDIR)/,$(notdir $(INSTALL_TOOLS) $(INSTALL_EXAMPLES)) zcfuse-run)
	rm -f $(D)$(COMPATDIR)/$(COMPAT_LIB)
	rmdir $(D)$(COMPATDIR) $(D)$(dir $(COMPATDIR)) 2>/dev/null || true
	rm -f $(foreach p,$(MAN_PAGES),$(D)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	$(Q)scripts/man-links $(MAN_PAGES) | while read -r link page; do \
		rm -f $(D)$(MANDIR)/man$${page##*.}/$$link; done

# ---- Debian packages ----------------------------------------------------------
# make deb builds libzcfuse0, libzcfuse-dev and zcfuse-tools from a copy of
# the working tree in $(O)/deb/ (dpkg-buildpackage writes the .debs beside
# that copy, so nothing lands in the repository or its parent) and runs
# lintian on them. make deb-deps installs what that needs; make deb-chroot
# installs the packages into a debootstrap bookworm tree and runs
# zcfuse-probe and a filesystem built against libzcfuse-dev in it (root;
# it uses the packages in $(O)/deb/ as they are: run make deb first).
deb-deps:
	@scripts/deb-build --deps-only

deb:
	scripts/deb-build --out $(O)/deb

deb-chroot:
	scripts/deb-chroot --debs $(O)/deb

clean:
	rm -rf build build-san build-fuzz $(O) $(SAN_O)

.PHONY: all deps test-sources check demo bench bench-full vm-check vm-cost vm-memory vm-cost-check \
	vm-probe install uninstall deb deb-deps deb-chroot clean fuzz FORCE
.DELETE_ON_ERROR:
