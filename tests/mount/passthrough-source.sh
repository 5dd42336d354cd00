#!/usr/bin/env bash
# passthrough shows exactly SOURCE: files written on either side read back
# identically on the other (cmp), the root lists the same names, and ".."
# at the mount root leads to the mountpoint's parent, never to SOURCE's.
. "$(dirname "$0")/../lib/common.sh"

srcparent=$T/srcparent
src=$srcparent/src
mkdir -p "$src/sub/deeper"
echo "outside SOURCE" >"$srcparent/outside-marker"
# Files made in SOURCE before the mount, of awkward sizes.
for size in 0 1 4095 4096 4097 65536 1048579; do
	head -c "$size" /dev/urandom >"$src/file-$size"
done
head -c 300000 /dev/urandom >"$src/sub/deeper/nested"
ln -s file-4096 "$src/link"
ln -s ../outside-marker "$src/escape-link"

srv_start fs passthrough "$src"
mnt=${SRV_MNT[fs]}

for f in file-0 file-1 file-4095 file-4096 file-4097 file-65536 file-1048579 sub/deeper/nested link; do
	cmp "$src/$f" "$mnt/$f" || t_fail "$f differs between SOURCE and the mount"
done
# The same bytes through O_DIRECT (the server's READ path, not the page cache).
dd if="$mnt/file-1048579" of="$T/direct-copy" bs=64k iflag=direct status=none ||
	t_fail "O_DIRECT read of file-1048579"
cmp "$src/file-1048579" "$T/direct-copy" || t_fail "O_DIRECT read differs from SOURCE"

# Written through the mount, read from SOURCE.
head -c 777777 /dev/urandom >"$T/payload"
cp "$T/payload" "$mnt/sub/written" || t_fail "cp into the mount"
sync
cmp "$T/payload" "$src/sub/written" || t_fail "file written through the mount differs in SOURCE"
# Changed in SOURCE after the mount, read through the mount (fresh name).
head -c 12345 /dev/urandom >"$src/late"
cmp "$src/late" "$mnt/late" || t_fail "file created in SOURCE after mounting differs"

want=$(cd "$src" && ls -A | sort)
got=$(cd "$mnt" && ls -A | sort)
[ "$want" = "$got" ] || t_fail "root listing differs: SOURCE [$want] mount [$got]"

# ".." of the mount root is the mountpoint's parent (the kernel's business),
# and nothing outside SOURCE shows up inside the mount.
[ "$(stat -c %d:%i "$mnt/..")" = "$(stat -c %d:%i "$T")" ] ||
	t_fail "$mnt/.. is not the mountpoint's parent"
[ ! -e "$mnt/../outside-marker" ] || t_fail "outside-marker of SOURCE's parent is reachable via $mnt/.."
[ ! -e "$mnt/outside-marker" ] || t_fail "outside-marker appears inside the mount"
# The relative symlink goes back to the caller's namespace unresolved.
[ "$(readlink "$mnt/escape-link")" = "../outside-marker" ] || t_fail "symlink target changed"
[ ! -e "$mnt/escape-link" ] || t_fail "escape-link resolves to SOURCE's parent through the server"
# A name with ".." components must stay inside the mount.
[ "$(stat -c %i "$mnt/sub/deeper/../../file-1")" = "$(stat -c %i "$mnt/file-1")" ] ||
	t_fail "sub/deeper/../../file-1 is not file-1"

srv_stop_ok fs
t_log "PASS"
