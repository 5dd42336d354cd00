#!/bin/bash
# SPDX-License-Identifier: MIT
# make install and make uninstall, the way a user and a distribution use
# them:
#  1. make install DESTDIR=STAGE (PREFIX /usr/local): the library with its
#     SONAME links, header, zcfuse.pc, programs without the build tree's
#     rpath, man pages and their links land where the variables say; a
#     filesystem (examples/hello.c, copied out of the tree) builds with
#     nothing but `pkg-config --cflags --libs zcfuse` against the staged
#     tree (PKG_CONFIG_SYSROOT_DIR), runs on the staged library, mounts and
#     serves its file; make uninstall then leaves no file of ours and keeps
#     a stranger's files in the same folders. The libfuse compatibility
#     library goes into its private LIBDIR/zcfuse/compat/ only (never
#     beside Debian's libfuse3), and zcfuse-run into bin/ naming that folder.
#  2. make install PREFIX=DIR (the README's path): zcfuse.pc names DIR, a
#     program builds from it and runs; the installed zcfuse-run puts DIR's
#     libfuse3.so.3 first for a libfuse program; make uninstall leaves DIR
#     with no file.
. "$(dirname "$0")/../lib/common.sh"

t_need_root
t_need_cmd cc pkg-config make readelf fusermount3
[ "$ZCFUSE_SANITIZER" = 1 ] && t_skip "runs in the plain build's suite (a program built by pkg-config alone has no ASan runtime)"
R=$T_REPO
B=$ZCFUSE_BUILD
v=$(sed -n 's/^VERSION := //p' "$R/Makefile")
# The build folder as the suite has it; make check's own flags stay out.
zmake() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$R" O="$B" "$@"; }
# Put the build's zcfuse.pc back to the default prefix, whatever happens.
t_on_exit 'env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$T_REPO" O="$ZCFUSE_BUILD" "$ZCFUSE_BUILD/zcfuse.pc"'

ma=""
[ -e /etc/debian_version ] && ma=$(cc -print-multiarch 2>/dev/null)
# ---- 1. DESTDIR ----
D=$T/stage
P=/usr/local
L=$P/lib${ma:+/$ma}
zmake install DESTDIR="$D" >"$T/install.log" 2>&1 || { cat "$T/install.log"; t_fail "make install DESTDIR=$D failed"; }

[ -f "$D$L/libzcfuse.so.$v" ] && [ ! -L "$D$L/libzcfuse.so.$v" ] || t_fail "no $L/libzcfuse.so.$v"
[ "$(readlink "$D$L/libzcfuse.so.${v%%.*}")" = "libzcfuse.so.$v" ] || t_fail "$L/libzcfuse.so.${v%%.*} is not a link to libzcfuse.so.$v"
[ "$(readlink "$D$L/libzcfuse.so")" = "libzcfuse.so.${v%%.*}" ] || t_fail "$L/libzcfuse.so is not a link to the SONAME"
for f in $L/libzcfuse.a $L/pkgconfig/zcfuse.pc $P/include/zcfuse/zcfuse.h $P/bin/zcfuse-probe \
	$P/bin/zcfuse-hello $P/bin/zcfuse-memfs $P/bin/zcfuse-passthrough $P/share/man/man7/zcfuse.7 \
	$P/share/man/man1/zcfuse-probe.1 $P/share/man/man3/zcfuse_session.3; do
	[ -f "$D$f" ] || t_fail "make install did not install $f"
done
C=$L/zcfuse/compat
[ -f "$D$C/libfuse3.so.3" ] || t_fail "make install did not install $C/libfuse3.so.3"
readelf -d "$D$C/libfuse3.so.3" | grep -q 'SONAME.*\[libfuse3\.so\.3\]' || t_fail "$C/libfuse3.so.3 has no SONAME libfuse3.so.3"
! ls "$D$L"/libfuse3* >/dev/null 2>&1 || t_fail "libfuse3 installed on the linker's path $L, where it would replace Debian's: $(ls "$D$L"/libfuse3*)"
[ -x "$D$P/bin/zcfuse-run" ] || t_fail "make install did not install $P/bin/zcfuse-run"
grep -qF "\"$C\"" "$D$P/bin/zcfuse-run" || t_fail "the installed zcfuse-run does not name $C"
[ -f "$D$P/share/man/man1/zcfuse-run.1" ] || t_fail "make install did not install zcfuse-run(1)"
grep -qx '\.so man3/zcfuse_reply\.3' "$D$P/share/man/man3/zcfuse_reply_entry.3" 2>/dev/null ||
	t_fail "no link page $P/share/man/man3/zcfuse_reply_entry.3 to zcfuse_reply.3"
for f in "$D$P"/bin/* "$D$L/libzcfuse.so.$v" "$D$C/libfuse3.so.3"; do
	[ "$(head -c 4 "$f")" = $'\x7fELF' ] || continue
	! readelf -d "$f" | grep -qE 'RPATH|RUNPATH' || t_fail "installed $f carries an rpath: $(readelf -d "$f" | grep -E 'RPATH|RUNPATH')"
done
grep -qx "prefix=$P" "$D$L/pkgconfig/zcfuse.pc" && grep -qx "libdir=\${prefix}/lib${ma:+/$ma}" "$D$L/pkgconfig/zcfuse.pc" ||
	t_fail "zcfuse.pc has the wrong paths: $(head -3 "$D$L/pkgconfig/zcfuse.pc" | tr '\n' ' ')"

# A filesystem built out of the tree, against the staged tree only.
mkdir -p "$T/fs"
cp "$R/examples/hello.c" "$T/fs/"
flags=$(PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_PATH=$D$L/pkgconfig PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 \
	PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config --cflags --libs zcfuse) || t_fail "pkg-config cannot find zcfuse in $D"
case $flags in *"-I$D$P/include"*"-L$D$L"*) ;; *) t_fail "pkg-config gave '$flags', not the staged tree's folders" ;; esac
(cd "$T/fs" && cc -o hello hello.c $flags) >"$T/cc.log" 2>&1 || { cat "$T/cc.log"; t_fail "cc hello.c $flags failed"; }
deps=$(LD_LIBRARY_PATH=$D$L ldd "$T/fs/hello")
case $deps in *"libzcfuse.so.${v%%.*} => $D$L/"*) ;; *) t_fail "hello does not load the staged library: $deps" ;; esac
mnt=$T/hello.mnt
mkdir -p "$mnt"
LD_LIBRARY_PATH=$D$L "$T/fs/hello" -f -o transport=classic "$mnt" 2>"$T/hello.log" &
# Registered like srv_start's servers, so common.sh's helpers and cleanup know it.
# shellcheck disable=SC2034,SC2154
SRV_PID[hello]=$! SRV_MNT[hello]=$mnt SRV_LOG[hello]=$T/hello.log SRV_KIND[hello]=hello
srv_wait_mounted hello
got=$(cat "$mnt/hello") || t_fail "cannot read $mnt/hello"
[ "$got" = "Hello from zcfuse!" ] || t_fail "$mnt/hello holds '$got'"
grep -q "transport:" "$T/hello.log" || t_fail "the server logged no transport line: $(head -3 "$T/hello.log")"
srv_stop hello
[ "${SRV_STATUS[hello]}" = 0 ] || t_fail "hello exited with status ${SRV_STATUS[hello]}"

# Strangers' files in the folders we share must survive uninstall.
: >"$D$L/libother.so.1"
: >"$D$P/include/other.h"
zmake uninstall DESTDIR="$D" >"$T/uninstall.log" 2>&1 || { cat "$T/uninstall.log"; t_fail "make uninstall failed"; }
left=$(cd "$D" && find . ! -type d | sort | tr '\n' ' ')
[ "$left" = "./usr/local/include/other.h ./usr/local/lib${ma:+/$ma}/libother.so.1 " ] ||
	t_fail "after make uninstall, files other than the two strangers': $left"
[ ! -e "$D$P/include/zcfuse" ] || t_fail "make uninstall left $P/include/zcfuse/"
[ ! -e "$D$L/zcfuse" ] || t_fail "make uninstall left $L/zcfuse/"

# ---- 2. PREFIX (the README's path) ----
Z=$T/zc
zmake install PREFIX="$Z" >"$T/install2.log" 2>&1 || { cat "$T/install2.log"; t_fail "make install PREFIX=$Z failed"; }
[ -f "$Z/lib/pkgconfig/zcfuse.pc" ] || t_fail "PREFIX=$Z: no $Z/lib/pkgconfig/zcfuse.pc (LIBDIR is PREFIX/lib outside /usr)"
flags=$(PKG_CONFIG_PATH=$Z/lib/pkgconfig pkg-config --cflags --libs zcfuse)
(cd "$T/fs" && cc -o hello2 hello.c $flags -Wl,-rpath,"$Z/lib") >"$T/cc2.log" 2>&1 ||
	{ cat "$T/cc2.log"; t_fail "cc hello.c \$(pkg-config ...) against PREFIX=$Z failed: $flags"; }
"$T/fs/hello2" -V 2>&1 | grep -q "zcfuse version $v," || t_fail "hello2 -V: $("$T/fs/hello2" -V 2>&1)"
# The installed zcfuse-run, away from the build tree, finds DIR's library.
env=$(cd / && "$Z/bin/zcfuse-run" --transport=classic sh -c 'echo "$LD_LIBRARY_PATH $ZCFUSE_OPTIONS"') ||
	t_fail "installed zcfuse-run failed: $env"
case $env in "$Z/lib/zcfuse/compat"*" transport=classic") ;; *) t_fail "installed zcfuse-run set '$env'" ;; esac
lf=$(command -v squashfuse_ll || command -v fuse-overlayfs || true)
if [ -n "$lf" ]; then
	deps=$("$Z/bin/zcfuse-run" ldd "$lf")
	case $deps in *"libfuse3.so.3 => $Z/lib/zcfuse/compat/libfuse3.so.3"*) ;;
	*) t_fail "through the installed zcfuse-run $lf loads: $(echo "$deps" | grep fuse)" ;; esac
fi
zmake uninstall PREFIX="$Z" >"$T/uninstall2.log" 2>&1 || { cat "$T/uninstall2.log"; t_fail "make uninstall PREFIX=$Z failed"; }
left=$(find "$Z" ! -type d)
[ -z "$left" ] || t_fail "after make uninstall PREFIX=$Z: $left"
t_log "DESTDIR and PREFIX installs build, mount and uninstall cleanly"
exit 0
