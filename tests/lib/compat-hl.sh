# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Helpers for the tests of libfuse's high-level API on zcfuse
# (tests/mount/compat-hl-*.sh); source after common.sh.
#
# The programs come from compat/hl.mk: libfuse's unmodified high-level
# examples with zcfuse's high-level layer linked in, over a libfuse3.so.3
# for the low-level API. Which one:
#   - zcfuse's own (BUILD/compat/libfuse3.so.3, the low-level compat
#     library) when it is built: the tests run over the test's transport
#     (ZCFUSE_OPTIONS=transport=...);
#   - else Debian's libfuse3 (/dev/fuse only): the tests run under classic
#     and skip the other transports.

HL_DIR=$ZCFUSE_BUILD/compat-hl
HL_T314=$HL_DIR/3.14
HL_COMPAT_LIB=$ZCFUSE_BUILD/compat/libfuse3.so.3

# hl_need_examples: skip unless the harness examples are built.
hl_need_examples() {
	[ -x "$HL_T314/example/passthrough" ] ||
		t_skip "libfuse 3.14 examples not built in $HL_T314 (needs libfuse3-dev and Debian's fuse3 source from bench/build-peers, then make)"
}

# hl_setup_lib: choose the low-level library (see above); sets HL_LIB_NAME.
hl_setup_lib() {
	if [ -e "$HL_COMPAT_LIB" ]; then
		export LD_LIBRARY_PATH=$ZCFUSE_BUILD/compat${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
		export ZCFUSE_OPTIONS="transport=$TR${ZCFUSE_OPTIONS:+,$ZCFUSE_OPTIONS}"
		HL_LIB_NAME="zcfuse ($HL_COMPAT_LIB, transport $TR)"
	else
		[ "$TR" = classic ] ||
			t_skip "transport $TR needs zcfuse's libfuse3.so.3 ($HL_COMPAT_LIB, the low-level compat library of issue 12); Debian's libfuse3 serves /dev/fuse only"
		HL_LIB_NAME="Debian's libfuse3 (low level), classic /dev/fuse"
	fi
	t_log "low-level library: $HL_LIB_NAME"
}

# hl_wait_mounted PID MNT: wait for MNT to be a FUSE mount, or fail if PID dies.
hl_wait_mounted() {
	local pid=$1 mnt=$2 i=0
	while ! t_in_mounts "$mnt"; do
		t_pid_alive "$pid" || t_fail "server $pid exited before mounting $mnt"
		i=$((i + 1))
		[ $i -ge $((200 * T_SLOW)) ] && t_fail "$mnt not mounted after $((10 * T_SLOW)) s"
		sleep 0.05
	done
}

# hl_stop PID MNT: unmount, wait for the server, fail if it does not exit 0.
hl_stop() {
	local pid=$1 mnt=$2 st
	cd / || true
	fusermount3 -u "$mnt" 2>/dev/null || umount "$mnt" 2>/dev/null || t_fail "cannot unmount $mnt"
	t_wait_until $((30 * T_SLOW)) eval "! t_pid_alive $pid" || t_fail "server $pid still running after unmount"
	wait "$pid" 2>/dev/null
	st=$?
	[ "$st" = 0 ] || t_fail "server $pid exited with status $st"
}
