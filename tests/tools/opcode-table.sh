#!/bin/bash
# SPDX-License-Identifier: MIT
# doc/design.md's opcode table (issue 11's done-when: every opcode served
# and tested, or ENOSYS with the reason) has one row per opcode that
# src/proto/opcodes.c names, each with both cells filled, no row for a name
# that is no opcode, and opcodes.c has a row for every opcode of
# src/proto/fuse_abi.h. Seen failing with a row removed from the table and
# with a row for a made-up opcode.
. "$(dirname "$0")/../lib/common.sh"

abi=$(awk '/^enum fuse_opcode/ { on = 1; next } on && /^}/ { exit }
	on && /FUSE_[A-Z0-9_]+ = [0-9]+/ { sub(/^[ \t]*FUSE_/, ""); sub(/ =.*/, ""); print }' \
	"$T_REPO/src/proto/fuse_abi.h" | grep -vx OPCODE_MAX | sort)
code=$(sed -n 's/^[ \t]*\[FUSE_\([A-Z0-9_]*\)\] = { "\([A-Z0-9_]*\)".*/\1 \2/p' "$T_REPO/src/proto/opcodes.c")
names=$(awk '$1 != $2 { print "mismatch " $0 } $1 == $2 { print $1 }' <<<"$code" | sort)
grep -q mismatch <<<"$names" && t_fail "opcodes.c: a row's name differs from its opcode: $(grep mismatch <<<"$names")"
# The table: from "## The opcode table" to the next section, rows "| NAME | served | tested |".
rows=$(awk '/^## The opcode table/ { on = 1; next } on && /^## / { exit }
	on && /^\| [A-Z][A-Z0-9_]* \|/' "$T_REPO/doc/design.md")
doc=$(awk -F'|' '{ gsub(/ /, "", $2); print $2 }' <<<"$rows" | sort)

[ "$(wc -l <<<"$abi")" -ge 50 ] || t_fail "read only $(wc -l <<<"$abi") opcodes from fuse_abi.h"
missing=$(comm -23 <(echo "$abi") <(echo "$names"))
[ -z "$missing" ] || t_fail "opcodes of fuse_abi.h without a row in opcodes.c: $missing"
missing=$(comm -23 <(echo "$names") <(echo "$doc"))
[ -z "$missing" ] || t_fail "opcodes without a row in doc/design.md's opcode table: $(echo $missing)"
extra=$(comm -13 <(echo "$names") <(echo "$doc"))
[ -z "$extra" ] || t_fail "rows in doc/design.md's opcode table that name no opcode: $(echo $extra)"
dup=$(uniq -d <<<"$doc")
[ -z "$dup" ] || t_fail "opcodes with two rows in doc/design.md: $(echo $dup)"
empty=$(awk -F'|' 'NF < 5 || $3 ~ /^ *$/ || $4 ~ /^ *$/ { print $2 }' <<<"$rows")
[ -z "$empty" ] || t_fail "rows of doc/design.md's opcode table with an empty cell: $empty"
t_log "$(wc -l <<<"$names") opcodes, each with its row in doc/design.md"
exit 0
