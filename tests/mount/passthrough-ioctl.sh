#!/usr/bin/env bash
# passthrough forwards the inode flag ioctls, and only those (issue 11):
# lsattr and chattr through the mount give what they give on SOURCE, for
# root, for the file's owner and for another user (the server runs them
# with the caller's credentials); the immutable and append-only bits stay
# root's; any other ioctl is ENOTTY, never run with the server's rights.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd lsattr chattr python3
t_open_for_others
U=23442
src=$T/src
mkdir -p "$src/dir"
chmod 755 "$src" "$src/dir"
echo root >"$src/rootf"
echo user >"$src/userf"
chown $U "$src/userf"
chmod 644 "$src/rootf" "$src/userf"
chattr +d "$src/rootf" 2>/dev/null || t_skip "SOURCE ($(stat -f -c %T "$src")) has no inode flags"
chattr -d "$src/rootf"

srv_start pt passthrough "$src" -o allow_other -o timeout=0
mnt=${SRV_MNT[pt]}
chmod 755 "$mnt"

flags() { lsattr -d "$1" 2>&1 | awk '{ print $1 }'; }
same() { # same PATH-IN-TREE: lsattr through the mount and on SOURCE agree
	local m s
	m=$(flags "$mnt/$1")
	s=$(flags "$src/$1")
	[ "$m" = "$s" ] || t_fail "lsattr $1: '$m' through the mount, '$s' on SOURCE"
}
# outcome CMD...: ok or refused
outcome() { if "$@" >/dev/null 2>&1; then echo ok; else echo refused; fi; }

# Root sets and clears a plain flag, and the privileged ones.
chattr +d "$mnt/rootf" || t_fail "root: chattr +d through the mount failed"
same rootf
[ "$(flags "$src/rootf" | cut -c1-8 | tr -dc d)" = d ] || t_fail "chattr +d did not reach SOURCE: $(flags "$src/rootf")"
chattr +i "$mnt/rootf" || t_fail "root: chattr +i through the mount failed"
same rootf
echo x >>"$src/rootf" 2>/dev/null && t_fail "SOURCE's file is not immutable after chattr +i"
chattr -i -d "$mnt/rootf" || t_fail "root: chattr -i -d failed"
same rootf
chattr +d "$mnt/dir" || t_fail "root: chattr +d on a directory failed"
same dir

# The owner: a plain flag yes, immutable and append-only no; the same on SOURCE.
for f in +d -d +i +a +s; do
	m=$(outcome t_as $U chattr $f "$mnt/userf")
	s=$(outcome t_as $U chattr $f "$src/userf")
	[ "$m" = "$s" ] || t_fail "owner chattr $f: $m through the mount, $s on SOURCE"
	same userf
done
[ "$(outcome t_as $U chattr +i "$mnt/userf")" = refused ] || t_fail "the owner could make his file immutable"
# Another user may not change root's file, through the mount or on SOURCE.
[ "$(outcome t_as $U chattr +d "$mnt/rootf")" = refused ] || t_fail "another user changed root's file flags"
same rootf
[ "$(t_as $U lsattr -d "$mnt/userf" | awk '{ print $1 }')" = "$(flags "$src/userf")" ] ||
	t_fail "the owner's lsattr differs from SOURCE"

# Any other ioctl: ENOTTY through the mount (SOURCE would answer it).
python3 - "$mnt/rootf" "$src/rootf" <<'PY' || t_fail "an ioctl outside the list was not refused"
import errno, fcntl, sys
FS_IOC_GETFSLABEL = 0x81009431  # _IOR(0x94, 49, char[256])
FS_IOC_GETVERSION = 0x80087601  # _IOR('v', 1, long)
for cmd in (FS_IOC_GETFSLABEL, FS_IOC_GETVERSION):
    with open(sys.argv[1]) as f:
        try:
            fcntl.ioctl(f, cmd, bytes(256 if cmd == FS_IOC_GETFSLABEL else 8))
            sys.exit("ioctl %#x went through" % cmd)
        except OSError as e:
            if e.errno != errno.ENOTTY:
                sys.exit("ioctl %#x: %s, not ENOTTY" % (cmd, e))
PY
srv_stop_ok pt
t_log "PASS"
