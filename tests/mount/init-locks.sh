#!/usr/bin/env bash
# -o no_remote_lock, no_remote_posix_lock, no_remote_flock (issue 11 item
# 6): which locks reach the filesystem and which the kernel keeps. memfs
# implements both kinds; one process holds a POSIX lock and a flock, a
# second one must see both conflicts (EAGAIN, F_GETLK naming the holder)
# wherever the locks live, and memfs's statistics show where they lived:
# every request with the default, none of the kind the option keeps local.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd python3
count() { "$(t_prog json-get)" "${SRV_STATS[m]}" "opcodes.$1.count" 2>/dev/null || echo 0; }

run() {
	local label=$1 want_setlk=$2 want_getlk=$3 setlk getlk
	shift 3
	srv_start m memfs "$@"
	echo data >"${SRV_MNT[m]}/f"
	python3 - "${SRV_MNT[m]}/f" <<'PY' || t_fail "$label: lock conflicts not enforced"
import errno, fcntl, os, struct, sys
path = sys.argv[1]
rd, wr = os.pipe()
go_r, go_w = os.pipe()
pid = os.fork()
if pid == 0:                      # the holder
    fd = os.open(path, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(wr, b"x")
    os.read(go_r, 1)
    fcntl.lockf(fd, fcntl.LOCK_UN)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os._exit(0)
os.read(rd, 1)
fd = os.open(path, os.O_RDWR)
for what, call in (("posix", lambda: fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)),
                   ("flock", lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB))):
    try:
        call()
        sys.exit(what + " lock granted although another process holds it")
    except OSError as e:
        if e.errno not in (errno.EAGAIN, errno.EACCES):
            sys.exit(what + ": " + str(e))
fl = fcntl.fcntl(fd, fcntl.F_GETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0))
typ, _, _, _, holder = struct.unpack("hhqqi", fl)
if typ != fcntl.F_WRLCK or holder != pid:
    sys.exit("F_GETLK: type %d pid %d, want the holder %d" % (typ, holder, pid))
os.write(go_w, b"x")
os.waitpid(pid, 0)
PY
	srv_stop_ok m
	setlk=$(($(count SETLK) + $(count SETLKW)))
	getlk=$(count GETLK)
	t_log "$label: SETLK+SETLKW $setlk, GETLK $getlk"
	[ "$setlk" = "$want_setlk" ] && [ "$getlk" = "$want_getlk" ] ||
		t_fail "$label: SETLK $setlk, GETLK $getlk reached memfs; want $want_setlk, $want_getlk"
}

# POSIX: lock, refused try, unlock (SETLKW or SETLK each), one GETLK; flock: 3 more.
run default 6 1
run no_remote_lock 0 0 -o no_remote_lock
run no_remote_posix_lock 3 0 -o no_remote_posix_lock
run no_remote_flock 3 1 -o no_remote_flock
t_log "PASS"
