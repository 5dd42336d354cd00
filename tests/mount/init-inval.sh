#!/usr/bin/env bash
# When the kernel drops cached file data (issue 11 item 6), seen from the
# client: passthrough keeps the page cache across opens (cache=always),
# attributes are never cached (timeout=0), and SOURCE changes behind the
# mount's back, once in place with a new mtime and once growing the file.
#   auto_inval_data (the default)  new mtime: new data; new size: new data
#   no_auto_inval_data             new mtime: old data; new size: new data
#   explicit_inval_data            old data both times (cached page kept)
. "$(dirname "$0")/../lib/common.sh"

src=$T/src
mkdir -p "$src"

# put FILE CHAR SIZE: FILE on SOURCE holds SIZE bytes of CHAR, written in
# place (no truncate), its mtime moved on by a minute each time. Shell
# tools, not python: its start-up takes seconds on a loaded machine.
stamp=$(date +%s)
put() {
	stamp=$((stamp + 60))
	head -c "$3" /dev/zero | tr '\0' "$2" | dd of="$1" conv=notrunc status=none
	touch -d "@$stamp" "$1"
}
# the file through the mount as a run-length summary, e.g. "A4096 C4096"
look() { od -An -v -c -w1 "$1" | uniq -c | awk '{ printf "%s%s%d", sep, $2, $1; sep = " " } END { print "" }'; }

check() {
	local label=$1 want_mtime=$2 want_size=$3 got
	shift 3
	srv_start pt passthrough "$src" -o cache=always -o timeout=0 "$@"
	put "$src/f" A 4096
	[ "$(look "${SRV_MNT[pt]}/f")" = A4096 ] || t_fail "$label: first read wrong"
	look "${SRV_MNT[pt]}/f" >/dev/null # cached now
	put "$src/f" B 4096
	got=$(look "${SRV_MNT[pt]}/f")
	[ "$got" = "$want_mtime" ] || t_fail "$label: after an in-place change with a new mtime: read '$got', want '$want_mtime'"
	put "$src/f" C 8192
	got=$(look "${SRV_MNT[pt]}/f")
	[ "$got" = "$want_size" ] || t_fail "$label: after the file grew on SOURCE: read '$got', want '$want_size'"
	srv_stop_ok pt
	rm -f "$src/f"
	t_log "$label: ok"
}

check default B4096 C8192
check auto_inval_data B4096 C8192 -o auto_inval_data
check no_auto_inval_data A4096 C8192 -o no_auto_inval_data
check explicit_inval_data A4096 "A4096 C4096" -o explicit_inval_data
t_log "PASS"
