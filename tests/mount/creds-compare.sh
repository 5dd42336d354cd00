#!/usr/bin/env bash
# Passthrough run as root gives every user what SOURCE itself gives him
# (issue 9, item 2): the same script of ownership and permission steps
# (tests/lib/creds-ops.bash: create, mkdir, mkfifo, mknod, symlink, hard
# link, chmod, chown, truncate, xattrs, opens in each access mode, renames
# into and out of sticky, setgid and unwritable folders, umask), run by
# another user, a member of the files' group and their owner, once on a
# SOURCE tree directly and once through the mount of an identical tree,
# must print the same; then both trees must list the same owners and
# modes. With -o allow_other alone (SOURCE checks everything) and with
# default_permissions (the kernel checks too).
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd setfattr getfattr
t_open_for_others
ops=$T_REPO/tests/lib/creds-ops.bash
cp "$ops" "$T/ops.bash"
chmod 644 "$T/ops.bash"
G=23410
users="other:23413:23413 member:23412:23412:$G owner:23411:23411:$G"
O=23411

setup() {
	local r=$1
	mkdir -p "$r"
	chmod 755 "$r"
	(
		cd "$r" || exit 1
		mkdir shared grp ro priv
		chmod 1777 shared
		chown 0:$G grp && chmod 2775 grp
		echo ro >ro/file && chown $O:$O ro ro/file && chmod 644 ro/file && chmod 555 ro
		echo secret >priv/secret && chmod 600 priv/secret && chown $O:$O priv priv/secret
		chmod 700 priv
		mkdir rdonly && echo r >rdonly/file && chmod 744 rdonly
		echo data >ownfile && chown $O:$G ownfile && chmod 640 ownfile
		echo secret >rootfile && chmod 600 rootfile
		for k in keep keep2; do
			echo k >shared/$k && chown $O:$O shared/$k && chmod 644 shared/$k
		done
	)
}

# run_all DIR OUT: the script as each user in DIR, then a listing of DIR.
run_all() {
	local dir=$1 out=$2 spec name id
	: >"$out"
	for spec in $users; do
		name=${spec%%:*}
		id=${spec#*:}
		(cd "$dir" && t_as "$id" bash "$T/ops.bash" "$name") >>"$out" 2>&1
	done
	listing "$dir" >>"$out"
}

listing() {
	(cd "$1" && find . -printf '%p %m %U %G %y %s\n' | awk '$5 == "d" { $6 = "-" } { print }' | sort)
}

setup "$T/direct"
run_all "$T/direct" "$T/direct.out"
grep -q "owner create shared/owner.f -> 0" "$T/direct.out" ||
	t_fail "the script does not run on SOURCE itself: $(head -5 "$T/direct.out")"

for opts in allow_other allow_other,default_permissions; do
	name=${opts//,/-}
	src=$T/src.$name
	setup "$src"
	srv_start "$name" passthrough "$src" -o "$opts"
	mnt=${SRV_MNT[$name]}
	run_all "$mnt" "$T/mount.$opts.out"
	srv_stop_ok "$name"
	listing "$src" >"$T/source.$opts.out"
	cp "$T/direct.out" "$T/want.$opts.out"
	if [ "$opts" = allow_other ]; then
		# The one thing no server can change: without default_permissions the
		# client's kernel refuses a device mknod for lack of CAP_MKNOD (EPERM)
		# before anyone checks the folder, where SOURCE says EACCES first.
		# Both refuse; compare only that.
		sed -i -E 's/^(.* mknod .* -> 1) (Operation not permitted|Permission denied)$/\1 refused/' \
			"$T/mount.$opts.out" "$T/want.$opts.out"
	fi
	if ! diff -u "$T/want.$opts.out" "$T/mount.$opts.out" >"$T/diff.$opts"; then
		head -60 "$T/diff.$opts"
		t_fail "-o $opts: the mount gave other results than SOURCE ($(grep -c '^[-+][^-+]' "$T/diff.$opts") lines differ)"
	fi
	listing "$T/direct" >"$T/direct.list"
	diff -u "$T/direct.list" "$T/source.$opts.out" ||
		t_fail "-o $opts: SOURCE behind the mount ended up different"
	t_log "-o $opts: $(wc -l <"$T/direct.out") lines identical"
done
t_log "PASS"
