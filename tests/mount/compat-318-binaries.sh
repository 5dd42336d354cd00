#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compat-318-binaries: programs compiled against libfuse 3.18's own headers
# (Debian's fuse3 3.18 source, not zcfuse's compat headers) and linked with
# zcfuse's libfuse3.so.3. 3.17+'s headers turn fuse_session_new(),
# fuse_new() and fuse_main() into inline calls of
# fuse_session_new_versioned, _fuse_new_31 and fuse_main_real_versioned
# (FUSE_3.17), so such a binary needs those names. Built: hello_ll,
# passthrough_ll, passthrough_hp (low level), hello, passthrough (high
# level); each is run over $ZCFUSE_TRANSPORT, with data written and read
# back through the passthrough ones. hello_ll_uds (custom_io becomes
# fuse_session_custom_io_317 with a struct size) answers an INIT on its
# socket.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd fusermount3 g++
src=${ZCFUSE_FUSE3_318_SRC:-${ZCFUSE_CACHE:-${HOME:-/root}/.cache/zcfuse}/peers/src/fuse3-3.18.3}
[ -f "$src/include/fuse_lowlevel.h" ] ||
	t_skip "fuse3 3.18 source not at $src (bench/build-peers fetches it)"
lib=$ZCFUSE_BUILD/compat/libfuse3.so.3
[ -f "$lib" ] || t_fail "$lib not built (make compat)"

# libfuse's headers include libfuse_config.h, which meson generates; the
# examples also want fuse_config.h. Written here with what this machine
# has (the facts of Debian's 3.18 build, not its files).
# Built once per build directory (the programs load the library at run
# time, so a rebuilt library needs no rebuild here); this script or the
# 3.18 headers changing rebuilds them.
bin=$ZCFUSE_BUILD/compat/bin-318h$([ "$ZCFUSE_SANITIZER" = 1 ] && echo -san)
stamp=$bin/.built
if [ ! -f "$stamp" ] || [ -n "$(find "$src/include" "$0" -newer "$stamp" -print -quit)" ]; then
	rm -rf "$bin"
	cfg=$bin/cfg
	mkdir -p "$cfg" "$bin"
	# Debian's 3.18 build: version 3.18.3, versioned symbols (fuse_parse_cmdline
	# binds fuse_parse_cmdline@FUSE_3.12); hello_ll is also built without them
	# (then it calls fuse_parse_cmdline_312 by that name).
	printf '#pragma once\n#define FUSE_MAJOR_VERSION 3\n#define FUSE_MINOR_VERSION 18\n#define FUSE_HOTFIX_VERSION 3\n' \
		> "$cfg/libfuse_config.h"
	mkdir -p "$cfg/plain"
	cp "$cfg/libfuse_config.h" "$cfg/plain/"
	echo '#define LIBFUSE_BUILT_WITH_VERSIONED_SYMBOLS 1' >> "$cfg/libfuse_config.h"
	{
		printf '#pragma once\n'
		printf '#define %s\n' HAVE_COPY_FILE_RANGE HAVE_FALLOCATE HAVE_FDATASYNC HAVE_FSTATAT \
			HAVE_OPENAT HAVE_PIPE2 HAVE_POSIX_FALLOCATE HAVE_READLINKAT HAVE_SETXATTR HAVE_SPLICE \
			HAVE_STATX HAVE_UTIMENSAT HAVE_VMSPLICE HAVE_STRUCT_STAT_ST_ATIM HAVE_SYS_XATTR_H \
			HAVE_LINUX_LIMITS_H
		echo '#define PACKAGE_VERSION "3.18.3"'
	} > "$cfg/fuse_config.h"
	flags="-O2 -g -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DHAVE_LIBFUSE_PRIVATE_CONFIG_H -I$src/include -I$cfg -I$src/example -pthread"
	[ "$ZCFUSE_SANITIZER" = 1 ] && flags="$flags -fsanitize=address,undefined -fno-omit-frame-pointer"
	# -l:libfuse3.so.3: our library by file name (3.18's own is libfuse3.so.4).
	link="-L$ZCFUSE_BUILD/compat -l:libfuse3.so.3 -Wl,-rpath,$ZCFUSE_BUILD/compat"
	for e in hello_ll passthrough_ll hello passthrough hello_ll_uds; do
		gcc $flags -o "$bin/$e" "$src/example/$e.c" $link > "$bin/cc.log" 2>&1 ||
			{ cat "$bin/cc.log"; t_fail "$e (3.18 headers) does not link with zcfuse's libfuse3.so.3"; }
	done
	gcc ${flags/-I$cfg/-I$cfg/plain -I$cfg} -o "$bin/hello_ll_plain" "$src/example/hello_ll.c" $link \
		> "$bin/cc.log" 2>&1 || { cat "$bin/cc.log"; t_fail "hello_ll (no versioned symbols) does not link"; }
	if [ "$ZCFUSE_SANITIZER" != 1 ]; then # an ASan build of it takes minutes here
		g++ -std=c++20 $flags -o "$bin/passthrough_hp" "$src/example/passthrough_hp.cc" $link \
			> "$bin/cc.log" 2>&1 || { cat "$bin/cc.log"; t_fail "passthrough_hp (3.18 headers) does not link"; }
	fi
	touch "$stamp"
fi
objdump -T "$bin/hello_ll_plain" | grep '(FUSE_3.12) *fuse_parse_cmdline_312$' > /dev/null ||
	t_fail "hello_ll_plain does not bind fuse_parse_cmdline_312"
# The binaries call 3.17's entry points, bound at FUSE_3.17.
objdump -T "$bin/hello_ll" | grep '(FUSE_3.17) *fuse_session_new_versioned$' > /dev/null ||
	t_fail "hello_ll does not bind fuse_session_new_versioned@FUSE_3.17"
objdump -T "$bin/hello" | grep '(FUSE_3.17) *fuse_main_real_versioned$' > /dev/null ||
	t_fail "hello does not bind fuse_main_real_versioned@FUSE_3.17"
ldd "$bin/hello" | grep "$lib" > /dev/null || t_fail "hello does not load $lib"
# 3.18's header turns fuse_session_custom_io(se, io, fd) into the 3.17 call
# with the size of a struct without clone_fd.
objdump -T "$bin/hello_ll_uds" | grep '(FUSE_3.17) *fuse_session_custom_io_317$' > /dev/null ||
	t_fail "hello_ll_uds does not bind fuse_session_custom_io_317@FUSE_3.17"

export ZCFUSE_OPTIONS="transport=$TR"
mnt=$T/mnt
mkdir -p "$mnt" "$T/src"
t_on_exit "mountpoint -q '$mnt' && fusermount3 -u '$mnt'"
# run NAME ARGS...: start it in the foreground on $mnt, wait for the mount.
run() {
	local name=$1
	shift
	"$bin/$name" "$@" "$mnt" > "$T/$name.log" 2>&1 &
	pid=$!
	t_wait_until $((10 * T_SLOW)) t_is_mounted "$mnt" ||
		{ cat "$T/$name.log"; t_fail "$name did not mount"; }
}
stop() {
	local name=$1 st
	fusermount3 -u "$mnt" || t_fail "cannot unmount $name"
	wait "$pid"
	st=$?
	[ "$st" = 0 ] || { cat "$T/$name.log"; t_fail "$name exited with status $st"; }
	grep -q "transport: $TR " "$T/$name.log" ||
		{ cat "$T/$name.log"; t_fail "$name did not run on $TR"; }
	[ "$ZCFUSE_SANITIZER" = 1 ] && t_sanitizer_check "$T/$name.log"
	return 0
}

for name in hello_ll hello_ll_plain hello; do
	run $name -f
	[ "$(cat "$mnt/hello" 2>/dev/null)" = "Hello World!" ] || t_fail "$name: wrong hello content"
	stop $name
done

# hello_ll_uds serves a socket through fuse_session_custom_io: an INIT
# written by hand (protocol 7.38, no flags, as 3.18's own check does) must
# be answered on it, and the daemon must end when the peer leaves, with
# status 1: its read then returns 0 bytes, a short read, for which
# fuse_session_loop returns -EIO. The same program on libfuse 3.18 itself
# (built with -Denable-custom-io=true; Debian's and meson's default leave
# custom io out) exits 1 too.
if [ -x /usr/bin/python3 ]; then
	(cd "$T" && exec "$bin/hello_ll_uds" --socket=uds.sock) > "$T/uds.log" 2>&1 &
	pid=$!
	t_wait_until $((10 * T_SLOW)) test -S "$T/uds.sock" || { cat "$T/uds.log"; t_fail "no socket"; }
	(cd "$T" && /usr/bin/python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect("uds.sock")
s.sendall(struct.pack("<IIQQIIII", 104, 26, 7, 0, 0, 0, 0, 0) + struct.pack("<IIIII44x", 7, 38, 0, 0, 0))
h = b""
while len(h) < 16:
	c = s.recv(16 - len(h))
	if not c:
		sys.exit("peer closed")
	h += c
n, err, unique = struct.unpack("<IiQ", h)
body = s.recv(n - 16, socket.MSG_WAITALL)
sys.exit(0 if (err, unique, struct.unpack_from("<I", body)[0]) == (0, 7, 7) else "bad reply")
') || { cat "$T/uds.log"; t_fail "hello_ll_uds: no INIT reply on its socket"; }
	t_wait_until $((10 * T_SLOW)) eval "! t_pid_alive $pid" || t_fail "hello_ll_uds still running"
	wait "$pid"
	st=$?
	[ $st = 1 ] || { cat "$T/uds.log"; t_fail "hello_ll_uds exited with status $st, not 1"; }
	grep -q "short read" "$T/uds.log" || { cat "$T/uds.log"; t_fail "hello_ll_uds: no short read logged"; }
	grep -q "transport: classic .*(fuse_session_custom_io)" "$T/uds.log" ||
		{ cat "$T/uds.log"; t_fail "hello_ll_uds: no custom-io transport line"; }
	[ "$ZCFUSE_SANITIZER" = 1 ] && t_sanitizer_check "$T/uds.log"
fi

head -c $((3 << 20)) /dev/urandom > "$T/data"
check_passthrough() {
	local name=$1 d=$mnt$T/src
	case $name in passthrough_hp|passthrough-subdir) d=$mnt ;; esac
	cp "$T/data" "$d/f" || t_fail "$name: write failed"
	cmp -s "$T/data" "$T/src/f" || t_fail "$name: the source holds other data"
	# Read a file written beside the mount, never through its page cache.
	cp "$T/data" "$T/src/r"
	cmp -s "$T/data" "$d/r" || t_fail "$name: read other data than the source holds"
	rm -f "$T/src/r"
	mv "$d/f" "$d/g" && [ -f "$T/src/g" ] || t_fail "$name: rename failed"
	rm "$d/g" && [ ! -e "$T/src/g" ] || t_fail "$name: unlink failed"
}
for name in passthrough_ll passthrough passthrough-subdir passthrough_hp; do
	[ -x "$bin/${name%-subdir}" ] || continue
	case $name in
	passthrough_ll) run $name -f -o source=/ ;;
	passthrough) ZCFUSE_OPTIONS="transport=$TR,stats=$T/hl-stats.json" run $name -f ;;
	# As bench/run-bench mounts it: the subdir module over the plain read op.
	passthrough-subdir) ZCFUSE_OPTIONS="transport=$TR,stats=$T/hl-subdir-stats.json" \
		run passthrough -f -o "modules=subdir,subdir=$T/src" ;;
	passthrough_hp) run $name --foreground --nocache "$T/src" ;;
	esac
	check_passthrough $name
	stop "${name%-subdir}"
done
# The high-level passthrough has a plain read op: on a ring its data must
# go straight into the entry's payload, never through a buffer copied in,
# also under the subdir module (a path-mapping layer between them).
if [ "$TR" != classic ]; then
	for s in hl-stats hl-subdir-stats; do
		python3 - "$T/$s.json" <<'PY' || t_fail "high-level READ data was copied into the payload ($s above)"
import json, sys
d = json.load(open(sys.argv[1]))["data_path"]
print(sys.argv[1].rsplit("/", 1)[-1], "data_path:", {k: v["bytes"] for k, v in d.items() if v["bytes"]})
assert d["reply_copy"]["bytes"] == 0 and d["reply_inplace"]["bytes"] >= 3 << 20
PY
	done
fi
t_log "libfuse 3.18-header binaries (hello_ll, hello_ll_uds, hello, passthrough_ll, passthrough$([ -x "$bin/passthrough_hp" ] && echo ', passthrough_hp')) ran on zcfuse's libfuse3.so.3 over $TR"
