# shellcheck shell=bash
# The ownership and permission script of tests/mount/creds-compare.sh, run
# as one user in the current folder (a SOURCE tree, or the mount of a copy
# of it): bash creds-ops.bash NAME. Prints one line per step: the step, its
# exit status and its error text (paths are relative, so both runs print
# the same when they behave the same), and what the step created.
u=$1
umask 022

step() {
	local what=$1 out st line reason="" sep=""
	shift
	out=$("$@" 2>&1)
	st=$?
	# Error texts name the tool and the relative path; keep only the reason
	# (what follows each line's last ": "). Builtins only: this runs a few
	# hundred times per test, and forks are slow on a loaded machine.
	if [ -n "$out" ]; then
		while IFS= read -r line; do
			reason+="$sep${line##*: }"
			sep=" "
		done <<<"$out"
	fi
	echo "$u $what -> $st $reason"
}

show() { stat -c "    %n %a %u %g %F" "$@" 2>&1 | sed 's/^stat: //'; }

# Creating, in a sticky world-writable folder and in a setgid group folder.
for d in shared grp ro priv; do
	step "create $d/$u.f" sh -c ": > $d/$u.f"
	step "mkdir $d/$u.d" mkdir $d/$u.d
	step "mkfifo $d/$u.p" mkfifo $d/$u.p
	step "mknod $d/$u.c" mknod $d/$u.c c 1 3
	step "symlink $d/$u.l" ln -s target $d/$u.l
	show $d/$u.f $d/$u.d $d/$u.p
done
(umask 077 && step "create umask 077" sh -c ": > shared/$u.u77")
(umask 002 && step "mkdir umask 002" mkdir shared/$u.u02)
show shared/$u.u77 shared/$u.u02
step "hard link own" ln shared/$u.f shared/$u.h
step "hard link root's 0600" ln rootfile shared/$u.rootlink
step "hard link ownfile" ln ownfile shared/$u.ownlink

# Modes and owners.
step "chmod 4755 own" chmod 4755 shared/$u.f
step "chmod 2755 own" chmod 2755 shared/$u.f
show shared/$u.f
step "chmod ownfile" chmod 0664 ownfile
step "chmod rootfile" chmod 0644 rootfile
step "chgrp own to 23410" chgrp 23410 shared/$u.f
step "chown own to root" chown 0 shared/$u.f
step "chown rootfile to me" chown "$(id -u)" rootfile
step "chgrp ownfile to mine" chgrp "$(id -g)" ownfile
show shared/$u.f ownfile rootfile

# Data and opens in each access mode.
step "read ownfile" cat ownfile
step "append ownfile" sh -c "echo $u >> ownfile"
step "rdwr ownfile" sh -c "exec 3<> ownfile"
step "read rootfile" cat rootfile
step "append rootfile" sh -c "echo $u >> rootfile"
step "rdwr rootfile" sh -c "exec 3<> rootfile"
step "truncate ownfile" truncate -s 5 ownfile
step "truncate rootfile" truncate -s 0 rootfile
step "read priv/secret" cat priv/secret
step "list priv" ls priv
step "stat priv/secret" stat -c %a priv/secret
step "list ro" ls ro
step "list rdonly" ls rdonly
step "stat rdonly/file" stat -c %a rdonly/file
step "read rdonly/file" cat rdonly/file
step "read ro/file" cat ro/file
step "append ro/file" sh -c "echo $u >> ro/file"
step "touch -d ownfile" touch -d @1000000000 ownfile
step "touch ownfile" touch ownfile
step "setfattr ownfile" setfattr -n user.$u -v 1 ownfile
step "getfattr ownfile" getfattr -n user.$u --only-values ownfile

# Renames into and out of sticky and unwritable folders.
step "rename own in sticky" mv -T shared/$u.f shared/$u.g
step "rename owner's keep in sticky" mv -T shared/keep shared/$u.stolen
step "rename into grp" mv -T shared/$u.g grp/$u.moved
step "rename into ro" mv -T shared/$u.h ro/$u.moved
step "rename out of ro" mv -T ro/file shared/$u.fromro
step "rename out of priv" mv -T priv/secret shared/$u.frompriv
step "rename dir into grp" mv -T shared/$u.d grp/$u.dmoved
step "unlink owner's keep2 in sticky" rm -f shared/keep2
step "unlink own in sticky" rm -f shared/$u.p
step "rmdir own" rmdir shared/$u.u02
show grp/$u.moved grp/$u.dmoved
