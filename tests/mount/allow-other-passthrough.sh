#!/usr/bin/env bash
# allow_other without default_permissions on passthrough never lets a user
# do through the mount what SOURCE would not let him do (issue 9, item 3):
# root's 0600 file cannot be read, appended to, truncated, chmodded,
# chowned, renamed, linked or given an xattr by another user, just as on
# SOURCE itself, and it is unchanged afterwards. A server that is not root
# cannot act as its callers, so there allow_other brings default_permissions.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd setfattr
t_open_for_others
U=23431
src=$T/src
mkdir -p "$src/pub"
chmod 755 "$src"
chmod 1777 "$src/pub"
echo "root only" >"$src/secret"
chmod 600 "$src/secret"
before=$(stat -c '%a %u %g %s' "$src/secret")

# attempts DIR: each must fail; prints the ones that did not.
attempts() {
	local d=$1
	t_as $U cat "$d/secret" >/dev/null 2>&1 && echo "read"
	t_as $U sh -c "echo x >> '$d/secret'" 2>/dev/null && echo "append"
	t_as $U sh -c "exec 3<> '$d/secret'" 2>/dev/null && echo "open read-write"
	t_as $U truncate -s 0 "$d/secret" 2>/dev/null && echo "truncate"
	t_as $U chmod 666 "$d/secret" 2>/dev/null && echo "chmod"
	t_as $U chown $U "$d/secret" 2>/dev/null && echo "chown"
	t_as $U mv "$d/secret" "$d/pub/taken" 2>/dev/null && echo "rename"
	t_as $U ln "$d/secret" "$d/pub/link" 2>/dev/null && echo "hard link"
	t_as $U setfattr -n user.x -v 1 "$d/secret" 2>/dev/null && echo "setfattr"
	t_as $U sh -c ": > '$d/new'" 2>/dev/null && echo "create in root's 0755 folder"
}

on_source=$(attempts "$src")
[ -z "$on_source" ] || t_skip "SOURCE itself lets another user: $on_source"
srv_start pt passthrough "$src" -o allow_other
mnt=${SRV_MNT[pt]}
chmod 755 "$mnt" 2>/dev/null
t_as $U stat "$mnt/secret" >/dev/null || t_fail "the user cannot even stat the file through the mount"
leaked=$(attempts "$mnt")
srv_stop_ok pt
after=$(stat -c '%a %u %g %s' "$src/secret")
[ -z "$leaked" ] || t_fail "through the mount another user could: $(echo $leaked)"
[ "$before" = "$after" ] || t_fail "root's file changed from $before to $after"
[ "$(cat "$src/secret")" = "root only" ] || t_fail "root's file has other contents"
t_log "root server: every attempt refused, as on SOURCE"

# Not root: the server says it adds default_permissions (mounting allow_other
# as a user also needs user_allow_other in /etc/fuse.conf, which we leave alone).
mkdir -p "$T/usrc" "$T/umnt"
chown $U "$T/usrc" "$T/umnt"
t_as $U timeout 10 "$(t_example passthrough)" -f -o allow_other -o transport=classic \
	"$T/usrc" "$T/umnt" >"$T/user.log" 2>&1 &
upid=$!
t_wait_until 10 grep -q "default_permissions" "$T/user.log" ||
	t_fail "a non-root server with allow_other did not turn on default_permissions: $(cat "$T/user.log")"
if t_is_mounted "$T/umnt"; then
	grep -q "$T/umnt .*default_permissions" /proc/self/mounts ||
		t_fail "mounted by a user without default_permissions"
	fusermount3 -u "$T/umnt"
fi
wait $upid 2>/dev/null
t_log "PASS"
