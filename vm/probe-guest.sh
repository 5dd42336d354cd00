#!/bin/bash
# Smoke test of the test VM itself.  Runs inside the guest:
#
#   vm/run-vm --command vm/probe-guest.sh
#
# Checks that the guest runs the 7.3 kernel with FUSE over io_uring enabled,
# mounts a FUSE filesystem (vm/fuse-probe.c) and reads the protocol version
# from FUSE_INIT, sets and reads an xattr on tmpfs, and runs a short fio job
# with the io_uring engine on tmpfs whose JSON result it leaves in
# $ZCFUSE_VM_OUT (so the host finds it in build/vm/out/).  Exit 0 if all
# checks pass.

set -u
failed=0

ok() { echo "probe: ok: $*"; }
bad() {
	echo "probe: FAIL: $*"
	failed=1
}
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

rel=$(uname -r)
echo "probe: uname -r: $rel"
echo "probe: CPUs: $(nproc), memory: $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"
check "kernel release is 7.3" test "${rel#7.3}" != "$rel"
check "/sys/module/fuse/parameters exists" test -d /sys/module/fuse/parameters
echo "probe: fuse parameters: $(cd /sys/module/fuse/parameters && grep -H . ./* 2>/dev/null | sed 's,^\./,,' | tr '\n' ' ')"
check "enable_uring is Y" test "$(cat /sys/module/fuse/parameters/enable_uring 2>/dev/null)" = Y
check "/dev/fuse exists" test -c /dev/fuse
check "io_uring is not disabled" test "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0

mkdir -p /tmp/probe-mnt
if command -v zcfuse-vm-fuse-probe >/dev/null; then
	check "FUSE mount, protocol 7.46, io_uring offered" \
		bash -c 'set -o pipefail; zcfuse-vm-fuse-probe /tmp/probe-mnt 46 | tee /tmp/fuse-probe.txt &&
			grep -q "FUSE_OVER_IO_URING offered: yes" /tmp/fuse-probe.txt'
else
	bad "zcfuse-vm-fuse-probe is missing from the guest"
fi

echo hello > /tmp/xattr-test
if command -v setfattr >/dev/null && command -v getfattr >/dev/null; then
	check "user xattr on tmpfs" bash -c 'setfattr -n user.zcfuse -v probe /tmp/xattr-test &&
		test "$(getfattr --only-values -n user.zcfuse /tmp/xattr-test)" = probe'
fi

if [ -n "${ZCFUSE_REPO:-}" ] && [ -d "$ZCFUSE_REPO/build" ]; then
	echo "probe: $ZCFUSE_REPO/build holds $(find "$ZCFUSE_REPO/build" -type f | wc -l) files"
fi

if command -v fio >/dev/null; then
	mkdir -p /tmp/fio "${ZCFUSE_VM_OUT:-/tmp}"
	out=${ZCFUSE_VM_OUT:-/tmp}/probe-fio.json
	if fio --name=probe --directory=/tmp/fio --size=64M --bs=4k --rw=randread \
		--ioengine=io_uring --iodepth=8 --runtime=3 --time_based \
		--output-format=json --output="$out" >/dev/null 2>/tmp/fio.err; then
		iops=$(tr -d ' \n' < "$out" | sed -n 's/.*"read":{[^}]*"iops":\([0-9.]*\).*/\1/p')
		ok "fio io_uring 4K randread on tmpfs: ${iops%.*} IOPS (result in $out)"
	else
		bad "fio io_uring on tmpfs: $(tail -n 3 /tmp/fio.err)"
	fi
else
	bad "fio is missing from the guest"
fi

if [ "$failed" = 0 ]; then echo "probe: all checks passed"; else echo "probe: some checks FAILED"; fi
exit "$failed"
