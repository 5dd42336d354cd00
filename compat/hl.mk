# compat/hl.mk: libfuse's high-level API (compat/hl-*.c), and its test harness
# over Debian's libfuse3 low-level library. Included by the Makefile.
#
# Until zcfuse's own libfuse3.so.3 exists the layer is tested by linking its
# objects into libfuse's unmodified high-level examples, with our fuse.h
# ahead of Debian's headers and -lfuse3 for the low-level API: the
# program's own fuse_main_real, fuse_new, ... win over the library's.
# Everything goes into $(O)/compat-hl/:
#   obj/hl-*.o                 the layer (program build)
#   libzcfuse-hl.a             the same, archived
#   symcheck/libhl-symcheck.so the layer built as a shared library with
#                              compat/libfuse3-hl.map.in (-DZCFUSE_HL_SHARED),
#                              only for the symbol-version test
#   hl-abi                     struct layouts: ours against Debian's fuse.h
#   3.14/example/NAME          libfuse 3.14's high-level examples, unmodified,
#   3.14/test/...              and its test programs, in the layout libfuse's
#                              test_examples.py expects
#   libfuse-3.14/passthrough   the same example on Debian's libfuse3 alone
#                              (its own high-level API): what the tests
#                              compare our layer's behaviour with
#   3.18/passthrough           libfuse 3.18's high-level passthrough example
#                              built on zcfuse's headers and libfuse3.so.3
#                              alone (bench/run-bench zcfuse-compat-hl-uring)
# Needs libfuse3-dev; the examples need Debian's fuse3 3.14 source, fetched by
# bench/build-peers under $(ZCFUSE_CACHE)/peers/src (skipped without it).

HL_SYS_INC := /usr/include/fuse3
HL_DIR := $(O)/compat-hl
HL_SRCS := $(sort $(wildcard compat/hl-*.c))
HL_OBJS := $(HL_SRCS:compat/%.c=$(HL_DIR)/obj/%.o)
HL_SHOBJS := $(HL_SRCS:compat/%.c=$(HL_DIR)/symcheck/%.o)
HL_CPPFLAGS := -Iinclude/zcfuse/compat -I$(HL_SYS_INC)
HL_HDRS := include/zcfuse/compat/fuse.h compat/hl-int.h
ZCFUSE_CACHE ?= $(or $(HOME),/root)/.cache/zcfuse
HL_SRC314 := $(ZCFUSE_CACHE)/peers/src/fuse3-3.14.0
HL_EXAMPLES := hello null passthrough passthrough_fh ioctl poll invalidate_path
# libfuse's own build defines these (its config.h); the example sources are
# compiled as they are.
HL_EXFLAGS := -O2 -g -Wall -D_FILE_OFFSET_BITS=64 -DHAVE_SETXATTR \
	-DHAVE_UTIMENSAT -DHAVE_POSIX_FALLOCATE -DHAVE_COPY_FILE_RANGE -DHAVE_FALLOCATE \
	-DHAVE_FSTATAT -DHAVE_OPENAT -DHAVE_READLINKAT -DHAVE_PIPE2 -DHAVE_SPLICE \
	-DHAVE_VMSPLICE -DHAVE_FDATASYNC -pthread $(SANFLAGS)
HL_T314 := $(HL_DIR)/3.14
HL_LF314 := $(HL_DIR)/libfuse-3.14
HL_SRC318 := $(ZCFUSE_CACHE)/peers/src/fuse3-3.18.3
HL_T318 := $(HL_DIR)/3.18

HL_TARGETS := $(HL_DIR)/libzcfuse-hl.a $(HL_DIR)/symcheck/libhl-symcheck.so $(HL_DIR)/hl-abi
ifneq ($(wildcard $(HL_SRC314)/example/hello.c),)
HL_TARGETS += $(HL_EXAMPLES:%=$(HL_T314)/example/%) $(HL_T314)/test/test_syscalls \
	$(HL_T314)/test/readdir_inode $(HL_T314)/example/ioctl_client $(HL_T314)/example/poll_client \
	$(HL_T314)/example/printcap $(HL_LF314)/passthrough
endif
# Needs only our own library, not Debian's headers.
ifneq ($(wildcard $(HL_SRC318)/example/passthrough.c),)
all: $(HL_T318)/passthrough
compat-hl: $(HL_T318)/passthrough
endif

# Only where Debian's libfuse3-dev is installed (scripts/install-deps adds it).
ifneq ($(wildcard $(HL_SYS_INC)/fuse_lowlevel.h),)
all: compat-hl
endif
compat-hl: $(HL_TARGETS)

$(HL_DIR)/obj/%.o: compat/%.c $(HL_HDRS) compat/hl.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(HL_CPPFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

$(HL_DIR)/libzcfuse-hl.a: $(HL_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(HL_DIR)/symcheck/%.o: compat/%.c $(HL_HDRS) compat/hl.mk
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HL_CPPFLAGS) $(CFLAGS) -DZCFUSE_HL_SHARED -fPIC -fvisibility=hidden -c -o $@ $<

$(HL_DIR)/symcheck/hl.map: compat/libfuse3-hl.map.in
	@mkdir -p $(dir $@)
	$(Q)grep -v '^#' $< > $@

$(HL_DIR)/symcheck/libhl-symcheck.so: $(HL_SHOBJS) $(HL_DIR)/symcheck/hl.map
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,--version-script=$(HL_DIR)/symcheck/hl.map -o $@ \
		$(HL_SHOBJS) -lfuse3 -pthread

# The ABI test: the same member list compiled once against each fuse.h.
$(HL_DIR)/abi/ours.o: tests/compat/hl-abi-side.c tests/compat/hl-abi.h $(HL_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HL_CPPFLAGS) $(CFLAGS) -DHL_ABI_SIDE=hl_abi_ours -c -o $@ $<
$(HL_DIR)/abi/debian.o: tests/compat/hl-abi-side.c tests/compat/hl-abi.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -I$(HL_SYS_INC) $(CFLAGS) -DHL_ABI_SIDE=hl_abi_debian -c -o $@ $<
$(HL_DIR)/hl-abi: tests/compat/hl-abi.c tests/compat/hl-abi.h $(HL_DIR)/abi/ours.o $(HL_DIR)/abi/debian.o
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(HL_DIR)/abi/ours.o $(HL_DIR)/abi/debian.o $(LDFLAGS)

$(HL_T314)/example/%: $(HL_SRC314)/example/%.c $(HL_DIR)/libzcfuse-hl.a
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@ (libfuse 3.14 example, zcfuse high-level layer)"
	$(Q)$(CC) $(HL_CPPFLAGS) $(HL_EXFLAGS) -o $@ $< $(HL_DIR)/libzcfuse-hl.a -lfuse3 $(LDFLAGS)

$(HL_LF314)/%: $(HL_SRC314)/example/%.c
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@ (libfuse 3.14 example, Debian's libfuse3)"
	$(Q)$(CC) -I$(HL_SYS_INC) $(HL_EXFLAGS) -o $@ $< -lfuse3 $(LDFLAGS)

# A 3.18 example as its users build it: our headers, our library (found
# through the rpath), nothing of Debian's.
$(HL_T318)/%: $(HL_SRC318)/example/%.c $(O)/compat/libfuse3.so $(wildcard include/zcfuse/compat/*.h)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@ (libfuse 3.18 example, zcfuse's libfuse3.so.3)"
	$(Q)$(CC) -Iinclude/zcfuse/compat $(HL_EXFLAGS) -DHAVE_STATX -o $@ $< -L$(O)/compat -lfuse3 \
		-Wl,-rpath,'$$ORIGIN/../../compat' $(LDFLAGS)

# Clients and test programs: no FUSE library at all.
$(HL_T314)/example/%_client: $(HL_SRC314)/example/%_client.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -I$(HL_SYS_INC) $(HL_EXFLAGS) -o $@ $< $(LDFLAGS)

# printcap (libfuse's test suite asks it for the kernel's capabilities) is a
# low-level program: the library alone.
$(HL_T314)/example/printcap: $(HL_SRC314)/example/printcap.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -I$(HL_SYS_INC) $(HL_EXFLAGS) -o $@ $< -lfuse3 $(LDFLAGS)

$(HL_T314)/test/fuse_config.h: compat/hl.mk
	@mkdir -p $(dir $@)
	$(Q)printf '/* generated by compat/hl.mk: what libfuse'"'"'s build would find here */\n#define HAVE_COPY_FILE_RANGE 1\n#define HAVE_UTIMENSAT 1\n#define HAVE_SETXATTR 1\n' > $@

$(HL_T314)/test/%: $(HL_SRC314)/test/%.c $(HL_T314)/test/fuse_config.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) -I$(HL_T314)/test $(HL_EXFLAGS) -o $@ $< $(LDFLAGS)

.PHONY: compat-hl
