#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# POSIX locks through libfuse's high-level API on zcfuse's libfuse3.so.3:
# like libfuse's fuse.c, the layer remembers the locks it granted per node,
# so F_GETLK names a conflicting holder (its pid, its range, what is left
# of it after a partial unlock; read locks do not conflict with read locks;
# an owner never conflicts with itself) even when the filesystem's lock op
# (compat-hl-locks/hllocks.c: grants everything, F_GETLK always F_UNLCK)
# keeps nothing, and a close unlocks the owner's locks through the lock op
# and in that table. Two processes: a holder that takes and drops locks on
# command, and a prober. The same checks pass on Debian's libfuse 3.14
# (hllocks.c built against it; checked by hand).
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd gcc python3
lib=$ZCFUSE_BUILD/compat/libfuse3.so.3
[ -f "$lib" ] || t_fail "$lib not built (make compat)"
prog=$T/hllocks
cflags="-O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -I$T_REPO/include/zcfuse/compat"
[ "$ZCFUSE_SANITIZER" = 1 ] && cflags="$cflags -fsanitize=address,undefined -fno-omit-frame-pointer"
# shellcheck disable=SC2086
gcc $cflags -o "$prog" "$(dirname "$0")/compat-hl-locks/hllocks.c" -L"$ZCFUSE_BUILD/compat" -lfuse3 \
	-Wl,-rpath,"$ZCFUSE_BUILD/compat" -pthread >"$T/cc.log" 2>&1 ||
	{ cat "$T/cc.log"; t_fail "hllocks does not build against the compat headers"; }

mnt=$T/mnt
mkdir -p "$mnt"
export HLLOCKS_LOG=$T/locks.log
: >"$HLLOCKS_LOG"
ZCFUSE_OPTIONS="transport=$TR" ZCFUSE_HL_TRACE=1 "$prog" -f "$mnt" >"$T/hllocks.log" 2>&1 &
pid=$!
t_on_exit "fusermount3 -u '$mnt' 2>/dev/null; kill $pid 2>/dev/null"
t_wait_until 10 t_is_mounted "$mnt" || { cat "$T/hllocks.log"; t_fail "hllocks did not mount"; }
# The transport line follows the INIT reply, so it may lag the mount.
t_wait_until 10 grep -q "transport: $TR" "$T/hllocks.log" || t_fail "hllocks runs over: $(grep transport "$T/hllocks.log")"

/usr/bin/python3 - "$mnt/f" <<'PY' || t_fail "F_GETLK through the high-level layer (see above)"
import fcntl, os, struct, sys
path = sys.argv[1]
FL = "hhqqi4x"  # struct flock on x86_64 and aarch64: 32 bytes
NAMES = {fcntl.F_RDLCK: "RD", fcntl.F_WRLCK: "WR", fcntl.F_UNLCK: "UN"}
TYPES = {v: k for k, v in NAMES.items()}

def getlk(fd, t, start, length):
    r = struct.unpack(FL, fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack(FL, t, 0, start, length, 0)))
    return r[0], r[2], r[3], r[4]

def setlk(fd, t, start, length):
    fcntl.fcntl(fd, fcntl.F_SETLK, struct.pack(FL, t, 0, start, length, 0))

# The holder: one command per line on cmd_r, one answer line on ans_w.
cmd_r, cmd_w = os.pipe()
ans_r, ans_w = os.pipe()
holder = os.fork()
if holder == 0:
    fd = os.open(path, os.O_RDWR)
    cin = os.fdopen(cmd_r)
    for line in cin:
        w = line.split()
        out = "ok"
        try:
            if w[0] == "set":
                setlk(fd, TYPES[w[1]], int(w[2]), int(w[3]))
            elif w[0] == "get":
                r = getlk(fd, TYPES[w[1]], int(w[2]), int(w[3]))
                out = "%s %d %d %d" % ((NAMES[r[0]],) + r[1:])
            elif w[0] == "close":
                os.close(fd)
            elif w[0] == "quit":
                os._exit(0)
        except OSError as e:
            out = "error %s" % e
        os.write(ans_w, (out + "\n").encode())
    os._exit(0)
ans = os.fdopen(ans_r)

def tell(cmd):
    os.write(cmd_w, (cmd + "\n").encode())
    if cmd == "quit":
        return None
    a = ans.readline().strip()
    if a.startswith("error"):
        sys.exit("holder: %s: %s" % (cmd, a))
    return a

bad = []
def want(what, got, exp):
    print("%-44s %s" % (what, "ok" if got == exp else "got %s, want %s" % (got, exp)))
    if got != exp:
        bad.append(what)

fd = os.open(path, os.O_RDWR)
try:
    tell("set WR 0 100")
    want("write lock [0,100): F_GETLK WR 0+0", getlk(fd, fcntl.F_WRLCK, 0, 0), (fcntl.F_WRLCK, 0, 100, holder))
    want("... F_GETLK RD 50+10", getlk(fd, fcntl.F_RDLCK, 50, 10), (fcntl.F_WRLCK, 0, 100, holder))
    want("... F_GETLK WR 100+10 (past it)", getlk(fd, fcntl.F_WRLCK, 100, 10)[0], fcntl.F_UNLCK)
    want("... the holder's own F_GETLK", tell("get WR 0 0").split()[0], "UN")
    tell("set UN 0 50")
    want("unlock [0,50): F_GETLK WR 0+50", getlk(fd, fcntl.F_WRLCK, 0, 50)[0], fcntl.F_UNLCK)
    want("... F_GETLK WR 0+0", getlk(fd, fcntl.F_WRLCK, 0, 0), (fcntl.F_WRLCK, 50, 50, holder))
    tell("set UN 60 10")
    want("unlock [60,70): F_GETLK WR 60+10", getlk(fd, fcntl.F_WRLCK, 60, 10)[0], fcntl.F_UNLCK)
    want("... F_GETLK WR 0+55", getlk(fd, fcntl.F_WRLCK, 0, 55), (fcntl.F_WRLCK, 50, 10, holder))
    want("... F_GETLK WR 65+100", getlk(fd, fcntl.F_WRLCK, 65, 100), (fcntl.F_WRLCK, 70, 30, holder))
    tell("set WR 60 10")
    want("write lock [60,70) again: F_GETLK WR 0+0", getlk(fd, fcntl.F_WRLCK, 0, 0), (fcntl.F_WRLCK, 50, 50, holder))
    tell("set RD 300 10")
    want("read lock [300,310): F_GETLK RD 300+10", getlk(fd, fcntl.F_RDLCK, 300, 10)[0], fcntl.F_UNLCK)
    want("... F_GETLK WR 305+100", getlk(fd, fcntl.F_WRLCK, 305, 100), (fcntl.F_RDLCK, 300, 10, holder))
    tell("set WR 300 0")
    want("write lock [300,end): F_GETLK RD 1000+1", getlk(fd, fcntl.F_RDLCK, 1000, 1), (fcntl.F_WRLCK, 300, 0, holder))
    tell("close")
    want("holder closed: F_GETLK WR 0+0", getlk(fd, fcntl.F_WRLCK, 0, 0)[0], fcntl.F_UNLCK)
finally:
    tell("quit")
    os.waitpid(holder, 0)
sys.exit("failed: %s" % ", ".join(bad) if bad else 0)
PY
# The close unlocked the holder's locks through the filesystem's lock op.
grep -q '^SETLK UN 0 0 ' "$HLLOCKS_LOG" || { cat "$HLLOCKS_LOG"; t_fail "no whole-file unlock reached the lock op on close"; }
cd / && fusermount3 -u "$mnt" || t_fail "cannot unmount $mnt"
t_wait_until $((30 * T_SLOW)) eval "! t_pid_alive $pid" || t_fail "hllocks still running after unmount"
wait "$pid"
st=$?
[ "$st" = 0 ] || { tail -5 "$T/hllocks.log"; t_fail "hllocks exited with status $st"; }
t_log "PASS"
