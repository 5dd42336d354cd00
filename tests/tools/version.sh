#!/bin/bash
# SPDX-License-Identifier: MIT
# One version everywhere: the Makefile's VERSION is what zcfuse.h says,
# what zcfuse_version() and zcfuse_version_string() of the built library
# return, what a server's -V prints, what zcfuse.pc carries (pkg-config
# --modversion), and the newest entry of CHANGELOG.md and debian/changelog.
. "$(dirname "$0")/../lib/common.sh"

R=$T_REPO
B=$ZCFUSE_BUILD
t_need_cmd cc pkg-config
v=$(sed -n 's/^VERSION := //p' "$R/Makefile")
echo "$v" | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' || t_fail "Makefile VERSION '$v' is not MAJOR.MINOR.PATCH"
IFS=. read -r ma mi pa <<<"$v"
num=$((ma * 10000 + mi * 100 + pa))

h=$(awk '/^#define ZCFUSE_VERSION_(MAJOR|MINOR|PATCH) / { printf "%s%s", sep, $3; sep = "." }' \
	"$R/include/zcfuse/zcfuse.h")
[ "$h" = "$v" ] || t_fail "zcfuse.h says $h, the Makefile $v"

# The library as built (with the sanitizers when the build has them).
flags=""
[ "$ZCFUSE_SANITIZER" = 1 ] && flags="-fsanitize=address,undefined"
cat >"$T/v.c" <<'EOC'
#include <stdio.h>
#include <zcfuse/zcfuse.h>
int main(void)
{
	printf("%u %s %u\n", zcfuse_version(), zcfuse_version_string(), ZCFUSE_VERSION);
	return 0;
}
EOC
cc $flags -I"$R/include" -o "$T/v" "$T/v.c" -L"$B" -lzcfuse -Wl,-rpath,"$B" || t_fail "cannot build against $B"
got=$("$T/v") || t_fail "version program failed"
[ "$got" = "$num $v $num" ] || t_fail "zcfuse_version, _string, ZCFUSE_VERSION: '$got', expected '$num $v $num'"

served=$("$B/examples/hello" -V 2>&1 | head -1)
echo "$served" | grep -q "zcfuse version $v," || t_fail "hello -V says '$served', not zcfuse version $v"

pc=$(PKG_CONFIG_PATH=$B PKG_CONFIG_LIBDIR=$B pkg-config --modversion zcfuse) || t_fail "pkg-config cannot read $B/zcfuse.pc"
[ "$pc" = "$v" ] || t_fail "zcfuse.pc says $pc, the Makefile $v"

c=$(sed -n 's/^## \([0-9][0-9.]*\).*/\1/p' "$R/CHANGELOG.md" | head -1)
[ "$c" = "$v" ] || t_fail "CHANGELOG.md's newest entry is '$c', the Makefile says $v"
d=$(sed -n '1s/^zcfuse (\([^)]*\)).*/\1/p' "$R/debian/changelog")
[ "$d" = "$v" ] || t_fail "debian/changelog's newest entry is '$d', the Makefile says $v"
t_log "version $v ($num) agrees in the Makefile, zcfuse.h, the library, -V, zcfuse.pc, CHANGELOG.md and debian/changelog"
exit 0
