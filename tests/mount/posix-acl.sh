#!/usr/bin/env bash
# POSIX ACLs through passthrough (-o posix_acl, with default_permissions and
# allow_other; issue 11 item 6). One script of steps, run once in a local
# folder and once through the mount, must print the same:
#   setfacl/getfacl on a file and a folder, an ACL that lets another user
#   read and one that takes it away again, chmod rewriting the mask,
#   setfacl -b; a default ACL that a new file and folder inherit, with the
#   creator's umask 077 ignored as the default ACL says; and a setgid file
#   whose ACL is changed by its owner outside its group (the bit goes:
#   FUSE_SETXATTR_ACL_KILL_SGID) and by a member of it (the bit stays).
# Then a few of those lines are checked against what they must say, so the
# comparison cannot pass with both sides wrong the same way. The setgid
# steps run over memfs too, where only the flag clears the bit.
. "$(dirname "$0")/../lib/common.sh"
t_need_root
t_need_cmd setfacl getfacl
t_open_for_others
U=23421 V=23422 W=23423 G=23424

# steps ROOT: the script, as U (owner), V (granted), W (never granted)
steps() {
	local r=$1/a
	mkdir "$r" && chown $U:$U "$r" && chmod 755 "$r"
	as() {
		local who=$1 label=$2 out
		shift 2
		if out=$(cd "$r" && t_as "$who" sh -c "$*" 2>&1); then
			echo "$label: ok${out:+ $out}"
		else
			echo "$label: refused"
		fi
	}
	acl() { echo "$1 $(cd "$r" && getfacl -cn "$1" 2>&1 | tr '\n' ' ')"; }
	as $U create "umask 022; echo data > f; chmod 640 f"
	as $V "read before" "cat f"
	as $U grant "setfacl -m u:$V:r f"
	acl f
	stat -c "f %a" "$r/f"
	as $V "read granted" "cat f"
	as $W "read by W" "cat f"
	as $V "write by V" "echo more >> f"
	as $U chmod "chmod 600 f"
	acl f
	as $V "read after chmod" "cat f"
	as $U regrant "chmod 640 f; setfacl -m u:$V:r f"
	as $U revoke "setfacl -m u:$V:- f"
	as $V "read revoked" "cat f"
	as $U strip "setfacl -b f"
	acl f
	stat -c "f %a" "$r/f"
	# A default ACL, inherited by what is made in the folder.
	as $U mkdir "mkdir d && setfacl -m u:$V:rwx d && setfacl -d -m u:$V:rwx,g::r-x,o::- d"
	acl d
	as $U "new file" "umask 077; echo x > d/new; mkdir d/sub"
	acl d/new
	acl d/sub
	stat -c "%n %a" "$r/d/new" "$r/d/sub" | sed "s|^$r/||"
	as $V "write inherited" "echo y >> d/new"
	as $V "create in sub" "echo z > d/sub/v"
	acl d/sub/v
	as $W "read by W" "cat d/new"
	# Setgid: the owner outside the file's group changes its ACL, then a member.
	as $U "sgid file" "echo s > g; echo s > h"
	chown $U:$G "$r/g" "$r/h" && chmod 2775 "$r/g" "$r/h"
	as $U "acl outside group" "setfacl -m u:$V:r g"
	stat -c "g %a" "$r/g"
	as "$U:$U:$G" "acl in group" "setfacl -m u:$V:r h"
	stat -c "h %a" "$r/h"
	acl h
}

mkdir -p "$T/direct" "$T/src"
chmod 755 "$T/direct" "$T/src"
steps "$T/direct" >"$T/direct.out"
srv_start pt passthrough "$T/src" -o posix_acl,default_permissions,allow_other
mnt=${SRV_MNT[pt]}
steps "$mnt" >"$T/mount.out"
if ! diff -u "$T/direct.out" "$T/mount.out" >"$T/diff"; then
	cat "$T/diff"
	t_fail "the mount answers differently from a local folder (diff above: - local, + mount)"
fi
# SOURCE holds what the mount showed.
[ "$(stat -c %a "$T/src/a/g")" = "$(stat -c %a "$mnt/a/g")" ] || t_fail "SOURCE's g differs from the mount's"
getfacl -cnp "$T/src/a/d/new" | grep -q "^user:$V:rwx" || t_fail "SOURCE's d/new has no inherited entry"
srv_stop_ok pt

# memfs keeps ACLs as plain xattrs, so only FUSE_SETXATTR_ACL_KILL_SGID's
# part of the script applies to it: there nothing but the flag clears the bit.
srv_start m memfs -o posix_acl,default_permissions,allow_other
mnt=${SRV_MNT[m]}
mkdir "$mnt/a" && chown $U:$U "$mnt/a"
echo s >"$mnt/a/g" && echo s >"$mnt/a/h" && chown $U:$G "$mnt/a/g" "$mnt/a/h" && chmod 2775 "$mnt/a/g" "$mnt/a/h"
t_as $U setfacl -m u:$V:r "$mnt/a/g" || t_fail "memfs: setfacl by the owner failed"
t_as $U:$U:$G setfacl -m u:$V:r "$mnt/a/h" || t_fail "memfs: setfacl by a member failed"
[ "$(stat -c %a "$mnt/a/g" "$mnt/a/h" | tr '\n' ' ')" = "775 2775 " ] ||
	t_fail "memfs: g and h have modes $(stat -c %a "$mnt/a/g" "$mnt/a/h" | tr '\n' ' '), not 775 2775"
getfacl -cnp "$mnt/a/h" | grep -q "^user:$V:r--" || t_fail "memfs: h's ACL did not come back"
srv_stop_ok m

# expect LINE: the local run printed exactly LINE
expect() { grep -qxF "$1" "$T/direct.out" || { cat "$T/direct.out"; t_fail "expected the line '$1'"; }; }
expect "read before: refused"
expect "read granted: ok data"
expect "read by W: refused"
expect "write by V: refused"
expect "read after chmod: refused"
expect "read revoked: refused"
expect "f 640"
expect "d/new 660"
expect "d/sub 770"
expect "g 775"
expect "h 2775"
grep -q "^d/new .*user:$V:rwx.*mask::rw-" "$T/direct.out" || t_fail "d/new did not inherit the default ACL"
t_log "$(wc -l <"$T/direct.out") lines, the same on the mount as locally"
t_log "PASS"
