#!/usr/bin/env bash
# One user's lookups cannot use up the server's descriptors (issue 9, item
# 4): passthrough under a hard limit of 256 descriptors, an unprivileged
# user lstats 10,000 names (the kernel then holds all of them, timeout=600),
# and afterwards root can still look up, open, create and read back, with
# the right data, and the server holds far fewer descriptors than names.
# Three servers: inodes as file handles (the default for a root server);
# without handles (-o handles=no), where inodes are names and at most a
# quarter of the limit stay open in the descriptor cache; and a root server
# without CAP_DAC_READ_SEARCH, which cannot open handles and must fall back
# to the cache by itself.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd prlimit setpriv
t_open_for_others
U=23441
N=10000
src=$T/src
mkdir -p "$src/many"
chmod 755 "$src" "$src/many"
(cd "$src/many" && seq -f 'n%g' $N | xargs touch)
head -c 1048576 /dev/urandom >"$T/data"
sum=$(md5sum <"$T/data")

# flood VARIANT WRAP [server options...]
flood() {
	local variant=$1 wrap=$2 mnt pid n fds
	shift 2
	rm -rf "$src/new" "$src/newdir"
	cp "$T/data" "$src/data"
	SRV_WRAP="$wrap prlimit --nofile=256:256 --" srv_start pt passthrough "$src" \
		-o allow_other -o timeout=600 "$@"
	mnt=${SRV_MNT[pt]}
	pid=${SRV_PID[pt]}
	[ "$(awk '/Max open files/ { print $5 }' "/proc/$pid/limits")" = 256 ] ||
		t_fail "$variant: the server's descriptor limit is not 256: $(grep 'Max open files' "/proc/$pid/limits")"
	if [ "$variant" = handles ]; then
		! grep -q "no file handles" "${SRV_LOG[pt]}" ||
			t_fail "$variant: the server does not use file handles: $(grep handles "${SRV_LOG[pt]}")"
	else
		grep -q "no file handles" "${SRV_LOG[pt]}" ||
			t_fail "$variant: the server says nothing of its descriptor cache"
	fi

	n=$(t_as $U find "$mnt/many" -mindepth 1 -printf '%y %s\n' 2>"$T/find.err" | grep -c '^f 0$')
	[ "$n" = $N ] || t_fail "$variant: the user saw $n of $N names: $(head -3 "$T/find.err")"
	fds=$(ls "/proc/$pid/fd" | wc -l)
	ls -l "/proc/$pid/fd" >"$T/fds.$variant.txt" 2>&1
	t_log "$variant: after $N lstats by uid $U the server holds $fds descriptors"

	stat "$mnt/many/n$((N / 2))" >/dev/null || t_fail "$variant: root cannot look up a name afterwards"
	stat "$mnt/many/n$N" >/dev/null || t_fail "$variant: root cannot look up the last name"
	[ "$(md5sum <"$mnt/data")" = "$sum" ] ||
		t_fail "$variant: root cannot open and read the data file, or it is wrong"
	head -c 65536 /dev/urandom >"$T/new" || exit 1
	cp "$T/new" "$mnt/new" || t_fail "$variant: root cannot create a file afterwards"
	cmp -s "$T/new" "$mnt/new" && cmp -s "$T/new" "$src/new" ||
		t_fail "$variant: the new file reads back wrong"
	mkdir "$mnt/newdir" || t_fail "$variant: root cannot mkdir afterwards"
	# Long evicted from the cache: reopened by name (an open reaches the server).
	t_as $U cat "$mnt/many/n1" || t_fail "$variant: the user cannot open an early name again"
	t_as $U stat "$mnt/many/n2" >/dev/null || t_fail "$variant: the user cannot stat a name again"
	[ "$fds" -lt 200 ] || t_fail "$variant: the server holds $fds descriptors for $N known names"
	srv_stop_ok pt
}

flood handles ""
flood handles=no "" -o handles=no
flood no-cap "setpriv --inh-caps=-dac_read_search --bounding-set=-dac_read_search --"
t_log "PASS"
