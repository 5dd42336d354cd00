#!/usr/bin/env bash
# One user's lookups cannot use up the server's descriptors (issue 9, item
# 4): passthrough under a hard limit of 256 descriptors, an unprivileged
# user lstats 10,000 names (the kernel then holds all of them, timeout=600),
# and afterwards root can still look up, open, create and read back, with
# the right data, and the server holds far fewer descriptors than names.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd prlimit
t_open_for_others
U=23441
N=10000
src=$T/src
mkdir -p "$src/many"
chmod 755 "$src" "$src/many"
(cd "$src/many" && seq -f 'n%g' $N | xargs touch)
head -c 1048576 /dev/urandom >"$src/data"
sum=$(md5sum <"$src/data")

SRV_WRAP="prlimit --nofile=256:256 --" srv_start pt passthrough "$src" -o allow_other -o timeout=600
mnt=${SRV_MNT[pt]}
pid=${SRV_PID[pt]}
[ "$(awk '/Max open files/ { print $5 }' "/proc/$pid/limits")" = 256 ] ||
	t_fail "the server's descriptor limit is not 256: $(grep 'Max open files' "/proc/$pid/limits")"

n=$(t_as $U find "$mnt/many" -mindepth 1 -printf '%y %s\n' 2>"$T/find.err" | grep -c '^f 0$')
[ "$n" = $N ] || t_fail "the user saw $n of $N names: $(head -3 "$T/find.err")"
fds=$(ls "/proc/$pid/fd" | wc -l)
ls -l "/proc/$pid/fd" >"$T/fds.txt" 2>&1
t_log "after $N lstats by uid $U the server holds $fds descriptors"

stat "$mnt/many/n$((N / 2))" >/dev/null || t_fail "root cannot look up a name afterwards"
stat "$mnt/many/n$N" >/dev/null || t_fail "root cannot look up the last name"
[ "$(md5sum <"$mnt/data")" = "$sum" ] || t_fail "root cannot open and read the data file, or it is wrong"
head -c 65536 /dev/urandom >"$T/new" || exit 1
cp "$T/new" "$mnt/new" || t_fail "root cannot create a file afterwards"
cmp -s "$T/new" "$mnt/new" && cmp -s "$T/new" "$src/new" || t_fail "the new file reads back wrong"
mkdir "$mnt/newdir" || t_fail "root cannot mkdir afterwards"
t_as $U stat "$mnt/many/n1" >/dev/null || t_fail "the user cannot stat a name again"
[ "$fds" -lt 200 ] || t_fail "the server holds $fds descriptors for $N known names"
srv_stop_ok pt
t_log "PASS"
