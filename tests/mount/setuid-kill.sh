#!/usr/bin/env bash
# Setuid and setgid bits do not survive a change by a user without
# CAP_FSETID (issue 9, item 1): a user writes, truncates or O_TRUNC-opens a
# 04755 or 02775 file of his own and a root-owned 04757 file, with O_DIRECT,
# through the page cache, and on a direct_io open (passthrough -o
# cache=never), and creates a 04755 file with an O_DIRECT write as the issue
# did. Afterwards no S_ISUID, and no S_ISGID with group execute, is left on
# the mount or on SOURCE. A root writer (CAP_FSETID) keeps them, as on a
# local filesystem. Over memfs, passthrough and passthrough -o cache=never.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_open_for_others
pw=$(t_prog privwrite)
U=23401
failures=()

# mode_of FILE: octal mode, or "gone"
mode_of() { stat -c %a "$1" 2>/dev/null || echo gone; }

# no_bits WHERE FILE: the file has neither S_ISUID nor S_ISGID+S_IXGRP
no_bits() {
	local m
	m=$(mode_of "$2")
	[ "$m" = gone ] && { failures+=("$ctx: $1 $2 is gone"); return; }
	m=$((8#$m))
	if ((m & 8#4000)) || (((m & 8#2010) == 8#2010)); then
		failures+=("$ctx: $1 mode $(printf %o $m) after $how")
	fi
}

run_server() {
	local name=$1 kind=$2
	shift 2
	local mnt src=""
	if [ "$kind" = passthrough ]; then
		src=$T/$name.src
		mkdir -p "$src"
		chmod 1777 "$src"
		srv_start "$name" passthrough "$src" -o allow_other,default_permissions "$@"
	else
		srv_start "$name" memfs -o allow_other,default_permissions "$@"
	fi
	mnt=${SRV_MNT[$name]}
	chmod 1777 "$mnt"
	local hows="direct buffered truncate open-trunc" mode owner n=0
	for how in $hows; do
		for spec in 4755:$U 2775:$U 4757:0; do
			mode=${spec%%:*}
			owner=${spec#*:}
			n=$((n + 1))
			f=$mnt/f$n
			ctx="$name $how $mode owner $owner"
			printf 'seed' >"$f" || { failures+=("$ctx: cannot create"); continue; }
			chown "$owner:$owner" "$f" && chmod "$mode" "$f"
			[ "$(mode_of "$f")" = "$mode" ] || { failures+=("$ctx: setup mode $(mode_of "$f")"); continue; }
			if ! out=$(t_as $U "$pw" "$f" "$how" 2>&1); then
				failures+=("$ctx: $out")
				continue
			fi
			no_bits mount "$f"
			[ -n "$src" ] && no_bits SOURCE "$src/f$n"
		done
	done
	# The issue's own steps: a user creates a 04755 file and writes it with O_DIRECT.
	how=create-direct ctx="$name create-direct 4755"
	if out=$(t_as $U "$pw" "$mnt/created" create-direct 4755 2>&1); then
		no_bits mount "$mnt/created"
		[ -n "$src" ] && no_bits SOURCE "$src/created"
	else
		failures+=("$ctx: $out")
	fi
	# Control: root has CAP_FSETID, and a local filesystem keeps the bits then.
	printf 'seed' >"$mnt/rootw" && chmod 4755 "$mnt/rootw"
	"$pw" "$mnt/rootw" direct || failures+=("$name: root's O_DIRECT write failed")
	[ "$(mode_of "$mnt/rootw")" = 4755 ] ||
		failures+=("$name: root's write changed 4755 to $(mode_of "$mnt/rootw")")
	t_log "$name: $((n + 2)) cases"
	srv_stop_ok "$name"
}

run_server memfs memfs
run_server pt passthrough
run_server pt-direct passthrough -o cache=never
if [ ${#failures[@]} -gt 0 ]; then
	printf '  %s\n' "${failures[@]}"
	t_fail "${#failures[@]} cases left a setuid or setgid bit (or failed)"
fi
t_log "PASS"
