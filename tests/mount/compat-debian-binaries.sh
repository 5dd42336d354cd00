#!/usr/bin/env bash
# Debian's own libfuse 3 programs, unchanged binaries, on zcfuse through
# zcfuse-run over $ZCFUSE_TRANSPORT (the stats JSON must name it):
#  - squashfuse_ll mounts a mksquashfs image of a tree of 600 files
#    (sizes 0..~23 KiB, a 4 MiB file, symlinks, nested folders); every file,
#    link and mode (and every non-folder's size) is compared with the tree (diff -r, then find -printf);
#  - fuse-overlayfs over a lower and an upper directory and the kernel's
#    overlayfs over the same lower directory get the same changes (read,
#    append = copy-up, delete = whiteout, rename of a file and of a folder,
#    new file and folder, folder removal); the two merged views must be
#    equal, and the kernel's overlayfs over fuse-overlayfs's upper
#    directory must show that same view again (less fuse-overlayfs's own
#    .wh..wh..opq marker files, which the kernel does not interpret).
. "$(dirname "$0")/../lib/common.sh"

t_need_root
run=$ZCFUSE_BUILD/compat/zcfuse-run
[ -x "$run" ] || t_fail "$run not built (make compat)"
work=$(mktemp -d "${TMPDIR:-/tmp}/compat-bin.XXXXXX") || t_fail mktemp
t_on_exit "rm -rf '$work'"
t_on_exit "for m in '$work'/*/m*; do mountpoint -q \"\$m\" && umount -l \"\$m\"; done 2>/dev/null; true"

# A sanitizer build's library is loaded into Debian's programs with its
# runtime preloaded; leaks are the programs' own business there.
preload=()
if [ "${ZCFUSE_SANITIZER:-0}" = 1 ]; then
	preload=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so)"
		 "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0")
fi

# start NAME MOUNTPOINT PROGRAM ARGS...: runs it in the foreground through zcfuse-run.
start() {
	local name=$1 mnt=$2
	shift 2
	"$run" --transport="$ZCFUSE_TRANSPORT" --options="stats=$work/$name.json" \
		"${preload[@]}" "$@" > "$work/$name.log" 2>&1 &
	eval "pid_$name=$!"
	t_wait_until 10 t_is_mounted "$mnt" || { cat "$work/$name.log"; t_fail "$name did not mount"; }
}
# stop NAME MOUNTPOINT: unmounts, waits for the server, checks its transport.
stop() {
	local name=$1 mnt=$2 pid
	eval "pid=\$pid_$name"
	fusermount3 -u "$mnt" || t_fail "cannot unmount $name"
	t_wait_until 10 eval "! t_pid_alive $pid" || t_fail "$name did not exit"
	wait "$pid" || { cat "$work/$name.log"; t_fail "$name exited with an error"; }
	! grep -Eq 'ERROR: AddressSanitizer|runtime error:' "$work/$name.log" ||
		{ cat "$work/$name.log"; t_fail "$name: sanitizer report"; }
	grep -q "transport: $ZCFUSE_TRANSPORT" "$work/$name.log" ||
		{ cat "$work/$name.log"; t_fail "$name: no '$ZCFUSE_TRANSPORT' transport line"; }
	grep -q "\"transport\": \"$ZCFUSE_TRANSPORT\"" "$work/$name.json" ||
		t_fail "$name: stats do not say $ZCFUSE_TRANSPORT"
}

# ---- squashfuse_ll ----
if command -v squashfuse_ll >/dev/null && command -v mksquashfs >/dev/null; then
	sq=$work/sq
	mkdir -p "$sq/tree" "$sq/mnt"
	for d in $(seq 1 10); do
		mkdir -p "$sq/tree/d$d/deeper/still"
		for f in $(seq 0 59); do
			head -c $((f * 397 + d)) /dev/urandom > "$sq/tree/d$d/f$f"
		done
		ln -s f1 "$sq/tree/d$d/link"
		chmod 0751 "$sq/tree/d$d/f7"
		echo "$d" > "$sq/tree/d$d/deeper/still/leaf"
	done
	head -c $((4 << 20)) /dev/urandom > "$sq/tree/big"
	mksquashfs "$sq/tree" "$sq/img" -quiet -noappend > /dev/null || t_fail "mksquashfs failed"
	start squashfuse "$sq/mnt" squashfuse_ll -f "$sq/img" "$sq/mnt"
	diff -r --no-dereference "$sq/tree" "$sq/mnt" > "$work/sq.diff" ||
		{ head "$work/sq.diff"; t_fail "squashfuse_ll shows other contents than the tree"; }
	(cd "$sq/tree" && find . -type d -printf '%p d %m\n' -o -printf '%p %y %m %s %l\n' | sort) > "$work/sq.want"
	(cd "$sq/mnt" && find . -type d -printf '%p d %m\n' -o -printf '%p %y %m %s %l\n' | sort) > "$work/sq.got"
	cmp -s "$work/sq.want" "$work/sq.got" ||
		{ diff "$work/sq.want" "$work/sq.got" | head; t_fail "squashfuse_ll: names, types, modes or sizes differ"; }
	stop squashfuse "$sq/mnt"
	t_log "squashfuse_ll: $(wc -l < "$work/sq.want") entries equal over $ZCFUSE_TRANSPORT"
else
	t_log "squashfuse_ll or mksquashfs missing (apt-get install squashfuse squashfs-tools): not run"
	sq_missing=1
fi

# ---- fuse-overlayfs against the kernel's overlayfs ----
if command -v fuse-overlayfs >/dev/null && grep -qw overlay /proc/filesystems; then
	ov=$work/ov
	mkdir -p "$ov"/{lower,u1,w1,u2,w2,u3,w3,m1,m2,m3}
	mkdir -p "$ov/lower/dir/sub" "$ov/lower/gone/deep"
	for f in a b c d e; do echo "lower $f" > "$ov/lower/$f"; done
	head -c 300000 /dev/urandom > "$ov/lower/bigger"
	echo x > "$ov/lower/dir/sub/x"
	echo g > "$ov/lower/gone/deep/g"
	start overlay "$ov/m1" fuse-overlayfs -f \
		-o "lowerdir=$ov/lower,upperdir=$ov/u1,workdir=$ov/w1" "$ov/m1"
	mount -t overlay overlay -o "lowerdir=$ov/lower,upperdir=$ov/u2,workdir=$ov/w2" "$ov/m2" ||
		t_fail "kernel overlayfs mount failed"
	for m in m1 m2; do
		(
			set -e
			cd "$ov/$m"
			cmp a "$ov/lower/a"
			cmp bigger "$ov/lower/bigger"
			echo more >> b                 # copy-up
			dd if=/dev/zero of=bigger bs=4096 seek=10 count=1 conv=notrunc status=none
			rm c                           # whiteout
			mv d d2                        # rename of a lower file
			mv dir dir2                    # rename of a lower folder
			echo y > dir2/sub/y
			rm -r gone                     # whiteout over a tree
			echo new > new
			mkdir -p nd/inner
			ln -s a alink
			chmod 600 e
		) || t_fail "changes through $m failed"
	done
	diff -r --no-dereference "$ov/m1" "$ov/m2" > "$work/ov.diff" ||
		{ head "$work/ov.diff"; t_fail "fuse-overlayfs and the kernel's overlayfs differ"; }
	view() { (cd "$1" && find . -type d -printf '%p d %m\n' -o -printf '%p %y %m %s %l\n' | sort); }
	view "$ov/m2" > "$work/ov.want"
	view "$ov/m1" > "$work/ov.got"
	cmp -s "$work/ov.want" "$work/ov.got" ||
		{ diff "$work/ov.want" "$work/ov.got" | head; t_fail "merged views differ in names, types or modes"; }
	stop overlay "$ov/m1"
	umount "$ov/m2"
	# fuse-overlayfs's upper directory read by the kernel: the same view.
	mount -t overlay overlay -o "lowerdir=$ov/lower,upperdir=$ov/u1,workdir=$ov/w3" "$ov/m3" ||
		t_fail "kernel overlayfs over fuse-overlayfs's upper directory failed"
	# (fuse-overlayfs also marks opaque folders with .wh..wh..opq files of its
	# own, which the kernel lists as they are: left out of this view)
	view "$ov/m3" 2> /dev/null | grep -v '/\.wh\.' > "$work/ov.again"
	umount "$ov/m3"
	cmp -s "$work/ov.want" "$work/ov.again" ||
		{ diff "$work/ov.want" "$work/ov.again" | head; t_fail "the kernel reads fuse-overlayfs's upper directory differently"; }
	t_log "fuse-overlayfs: merged view equal to the kernel's overlayfs over $ZCFUSE_TRANSPORT"
else
	t_log "fuse-overlayfs or the overlay filesystem missing (apt-get install fuse-overlayfs): not run"
	[ -n "${sq_missing:-}" ] && t_skip "neither squashfuse_ll nor fuse-overlayfs can run here"
fi
t_log "PASS"
