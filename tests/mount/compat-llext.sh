#!/usr/bin/env bash
# A libfuse low-level filesystem gets, through zcfuse's libfuse3.so.3,
# what zcfuse's own API gives (issue 12 wiring of issue 11): POSIX locks
# served by its getlk/setlk (a conflict refused, F_GETLK naming the holder),
# statx answered by its statx op (a birth time only it knows),
# notify_retrieve handing the kernel's cached pages to retrieve_reply, and
# notify_increment_epoch making the kernel look cached names up again. BMAP
# reaches filesystems only on fuseblk mounts, so bmap is not exercised.
# The program (compat-llext/llext.c) is built here against the compat headers.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd gcc python3
lib=$ZCFUSE_BUILD/compat/libfuse3.so.3
[ -f "$lib" ] || t_fail "$lib not built (make compat)"
prog=$T/llext
cflags="-O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I$T_REPO/include/zcfuse/compat"
[ "$ZCFUSE_SANITIZER" = 1 ] && cflags="$cflags -fsanitize=address,undefined -fno-omit-frame-pointer"
# shellcheck disable=SC2086
gcc $cflags -o "$prog" "$(dirname "$0")/compat-llext/llext.c" -L"$ZCFUSE_BUILD/compat" -lfuse3 \
	-Wl,-rpath,"$ZCFUSE_BUILD/compat" -pthread >"$T/cc.log" 2>&1 ||
	{ cat "$T/cc.log"; t_fail "llext does not build against the compat headers"; }

mnt=$T/mnt
mkdir -p "$mnt"
mkfifo "$T/cmd"
: >"$T/out"
ZCFUSE_OPTIONS="transport=$TR" "$prog" "$mnt" "$T/cmd" "$T/out" >"$T/llext.log" 2>&1 &
pid=$!
t_on_exit "fusermount3 -u '$mnt' 2>/dev/null; kill $pid 2>/dev/null"
t_wait_until 10 t_is_mounted "$mnt" || { cat "$T/llext.log"; t_fail "llext did not mount"; }
# The transport line follows the INIT reply, so it may lag the mount.
t_wait_until 10 grep -q "transport: $TR" "$T/llext.log" || t_fail "llext runs over: $(grep transport "$T/llext.log")"
exec 3>"$T/cmd"
# ask CMD: one answer line
# (The count is re-read on every try: expanded once, in t_wait_until's
# arguments, it made the test fail whenever the answer came a moment late.)
ask() {
	local had
	had=$(wc -l <"$T/out")
	echo "$1" >&3
	t_wait_until 10 eval '[ "$(wc -l <"$T/out")" -gt "$had" ]' || t_fail "no answer to $1"
	tail -1 "$T/out"
}

# Locks: a holder, a refused second owner, F_GETLK naming the holder.
python3 - "$mnt/f" <<'PY' || t_fail "POSIX locks through the libfuse API"
import errno, fcntl, os, struct, sys
path = sys.argv[1]
rd, wr = os.pipe(); go_r, go_w = os.pipe()
pid = os.fork()
if pid == 0:
    fd = os.open(path, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 0)
    os.write(wr, b"x"); os.read(go_r, 1)
    os._exit(0)
os.read(rd, 1)
try:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 50)
        sys.exit("a conflicting lock was granted")
    except OSError as e:
        if e.errno not in (errno.EAGAIN, errno.EACCES):
            sys.exit("conflicting lock: %s" % e)
    t, _, start, length, holder = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK,
        struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0)))
    if t != fcntl.F_WRLCK or holder != pid or (start, length) != (0, 100):
        sys.exit("F_GETLK: type %d pid %d range %d+%d, want the holder %d, 0+100" % (t, holder, start, length, pid))
finally:
    os.write(go_w, b"x"); os.waitpid(pid, 0)
PY
read -r _ _ _ setlk _ getlk _ statx _ bmap < <(ask counts)
[ "$setlk" -ge 2 ] && [ "$getlk" -ge 1 ] || t_fail "locks did not reach the filesystem: setlk $setlk getlk $getlk"

# statx: the birth time is the filesystem's.
b=$(stat -c %W "$mnt/f") || t_fail "stat of f"
[ "$b" = 1234567890 ] || t_fail "statx birth time $b, not the filesystem's 1234567890"
read -r _ _ _ _ _ _ _ statx _ < <(ask counts)
[ "$statx" -ge 1 ] || t_fail "no STATX reached the statx op"

# retrieve: the kernel's cached pages come back to retrieve_reply.
cat "$mnt/f" >/dev/null
got=$(ask retrieve)
[ "$got" = "retrieve 8192 ok" ] || t_fail "retrieve: '$got'"

# epoch: cached names are looked up again afterwards.
stat "$mnt/f" >/dev/null
read -r _ before _ < <(ask counts)
stat "$mnt/f" >/dev/null
read -r _ again _ < <(ask counts)
[ "$again" = "$before" ] || t_fail "the name was not cached ($before, then $again lookups)"
got=$(ask epoch)
if [ "$got" = "epoch -38" ]; then
	t_log "notify_increment_epoch: ENOSYS on protocol $(uname -r) (not checked)"
else
	[ "$got" = "epoch 0" ] || t_fail "notify_increment_epoch: '$got'"
	stat "$mnt/f" >/dev/null
	read -r _ after _ < <(ask counts)
	[ "$after" -gt "$before" ] || t_fail "after the epoch increment the kernel did not look f up again ($before, $after)"
fi
t_log "locks, statx, retrieve and epoch reached the libfuse filesystem (lookups $before -> ${after:-?}, setlk $setlk, getlk $getlk, statx $statx, bmap $bmap)"
exec 3>&-
fusermount3 -u "$mnt" || t_fail "unmount failed"
wait $pid || t_fail "llext exited with status $?: $(tail -3 "$T/llext.log")"
t_log "PASS"
