#!/usr/bin/env bash
# Passthrough without file handles (-o handles=no) reaches known inodes by
# parent and name, with at most -o fd_cache=16 descriptors open: after each
# change the cache is flooded with fresh names so that every inode the kernel
# still holds (timeout=600) must be reopened by name, then used through the
# kernel's cached dentries (open and xattrs always reach the server). Renames
# of directories and files, rename over a known file, RENAME_EXCHANGE,
# unlink of one of two hard links, unlink of an open file, and O_TMPFILE made
# visible with linkat must all keep reaching the right object.
. "$(dirname "$0")/../lib/common.sh"

t_need_cmd python3
src=$T/src
mkdir -p "$src/d1/sub" "$src/many"
for f in d1/f1 d1/f2 d1/sub/g x y e1 e2 h1 gone; do
	echo "$f" >"$src/$f"
done
ln "$src/h1" "$src/h2"
(cd "$src/many" && seq -f 'n%g' 2000 | xargs touch)

srv_start pt passthrough "$src" -o timeout=600 -o handles=no -o fd_cache=16
mnt=${SRV_MNT[pt]}
pid=${SRV_PID[pt]}
grep -q "at most 16 descriptors cached" "${SRV_LOG[pt]}" ||
	t_fail "the server does not use its descriptor cache: $(cat "${SRV_LOG[pt]}")"

# One Python process holds descriptors across the steps and does what the
# shell cannot (renameat2, fgetxattr); it reads commands from a FIFO.
mkfifo "$T/cmd" "$T/ans"
python3 - "$mnt" "$T/cmd" "$T/ans" <<'EOF' &
import ctypes, os, sys
mnt, cmdp, ansp = sys.argv[1:]
libc = ctypes.CDLL(None, use_errno=True)
fds, nflood = {}, 0
def run(words):
    global nflood
    op, args = words[0], words[1:]
    p = lambda a: os.path.join(mnt, a)
    if op == "read":        # read NAME: the content, through a new open
        with open(p(args[0])) as f:
            return f.read().strip()
    if op == "xattr":       # xattr NAME: the user.t attribute
        return os.getxattr(p(args[0]), "user.t", follow_symlinks=False).decode()
    if op == "setx":        # setx NAME VALUE
        os.setxattr(p(args[0]), "user.t", args[1].encode(), follow_symlinks=False)
        return "ok"
    if op == "hold":        # hold KEY NAME: keep a descriptor
        fds[args[0]] = os.open(p(args[1]), os.O_RDONLY)
        return "ok"
    if op == "fxattr":      # fxattr KEY: user.t through a held descriptor
        return os.getxattr(fds[args[0]], "user.t").decode()
    if op == "exchange":    # exchange A B: renameat2(RENAME_EXCHANGE)
        if libc.renameat2(-100, p(args[0]).encode(), -100, p(args[1]).encode(), 2):
            e = ctypes.get_errno()
            return "renameat2: " + os.strerror(e)
        return "ok"
    if op == "tmpfile":     # tmpfile KEY DIR: an O_TMPFILE with content KEY
        fd = os.open(p(args[1]), os.O_TMPFILE | os.O_RDWR, 0o644)
        os.write(fd, (args[0] + "\n").encode())
        fds[args[0]] = fd
        return "ok"
    if op == "linkat":      # linkat KEY NAME: give the tmpfile a name
        # os.link() is link(2), which would link the /proc symlink itself.
        src = ("/proc/self/fd/%d" % fds[args[0]]).encode()
        if libc.linkat(-100, src, -100, p(args[1]).encode(), 0x400):
            return "linkat: " + os.strerror(ctypes.get_errno())
        return "ok"
    if op == "flood":       # flood: 100 names the kernel never saw
        for i in range(100):
            nflood += 1
            os.lstat(p("many/n%d" % nflood))
        return "ok"
    return "unknown " + op
with open(cmdp) as cmd, open(ansp, "w", buffering=1) as ans:
    for line in cmd:
        try:
            out = run(line.split())
        except OSError as e:
            out = "error: " + e.strerror
        ans.write(out + "\n")
EOF
py=$!
exec 3>"$T/cmd" 4<"$T/ans"
t_cleanup_py() {
	exec 3>&- 4<&-
	wait $py 2>/dev/null
}
T_CLEANUP_HOOKS+=(t_cleanup_py)
ask() {
	local out
	echo "$*" >&3
	read -r out <&4 || t_fail "the helper died at: $*"
	echo "$out"
}
expect() {
	local want=$1 out
	shift
	out=$(ask "$@")
	[ "$out" = "$want" ] || t_fail "$*: got '$out', want '$want'"
}
fds_now() { ls "/proc/$pid/fd" | wc -l; }

# The kernel learns every name; every file gets an attribute named after it.
for f in d1/f1 d1/f2 d1/sub/g x y e1 e2 h1 h2 gone; do
	ask read "$f" >/dev/null
	expect ok setx "$f" "${f#*/}"
done
expect ok hold X x
expect ok hold GONE gone
expect ok flood
base=$(fds_now)

# A directory rename: its children are reached through the new name.
mv "$mnt/d1" "$mnt/d2" || t_fail "mv d1 d2"
expect ok flood
expect d1/f1 read d2/f1
expect sub/g xattr d2/sub/g
[ ! -e "$src/d1" ] && [ -d "$src/d2" ] || t_fail "the rename did not reach SOURCE"

# A file moved to another directory, and a file renamed over a known one
# that stays open.
mv "$mnt/d2/f2" "$mnt/f2moved" || t_fail "mv d2/f2 f2moved"
mv "$mnt/y" "$mnt/x" || t_fail "mv y x"
expect ok flood
expect d1/f2 read f2moved
expect y read x
expect y xattr x
expect x fxattr X

# RENAME_EXCHANGE swaps both names.
expect ok exchange e1 e2
expect ok flood
expect e1 read e2
expect e2 read e1
expect e2 xattr e1

# One of two hard links removed: the other still reaches the object.
rm "$mnt/h2" || t_fail "rm h2"
expect ok flood
expect h1 read h1
expect h2 xattr h1

# An open file removed: its descriptor still reaches it.
rm "$mnt/gone" || t_fail "rm gone"
expect ok flood
expect gone fxattr GONE

# O_TMPFILE: no name until linkat gives it one.
expect ok tmpfile T1 d2
expect ok flood
expect ok linkat T1 d2/t1
expect ok flood
expect T1 read d2/t1
[ "$(cat "$src/d2/t1")" = T1 ] || t_fail "the linked tmpfile is not on SOURCE"

n=$(fds_now)
t_log "descriptors: $base after the first flood, $n at the end (cache of 16)"
[ "$n" -le $((base + 4)) ] || t_fail "the server's descriptors grew from $base to $n"
t_cleanup_py
srv_stop_ok pt
t_log "PASS"
