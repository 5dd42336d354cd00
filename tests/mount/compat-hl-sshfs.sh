#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compat-hl-sshfs: Debian's sshfs binary (a high-level libfuse program,
# unmodified) against an sshd this test starts on 127.0.0.1 with a key it
# generates and a private sshd_config in its scratch folder (no system
# service or configuration is touched; /run/sshd, sshd's privilege
# separation folder, is made if missing and removed again). Checks: a tree
# copied in and out is identical to its source, renames of files and
# folders, truncate (shorter and longer), symlinks (relative, within a
# folder: sshfs itself refuses to read links with ".." here), and at the end the
# remote folder equals the local model of it.
#
# Runs sshfs three ways, where available:
#   1. as Debian built it (libfuse's own high-level layer): proves the test;
#   2. with zcfuse's high-level layer preloaded over Debian's low-level
#      library (build/compat-hl/symcheck/libhl-symcheck.so exports the
#      high-level API in libfuse's symbol versions, so sshfs's calls bind to
#      it); classic only;
#   3. through zcfuse's libfuse3.so.3 (LD_LIBRARY_PATH=BUILD/compat, as
#      zcfuse-run does) over the test's transport, once that library exists.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/compat-hl.sh"

t_need_root
t_need_cmd sshfs ssh-keygen ssh fusermount3 ss
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || t_skip "openssh-server is not installed"
PRELOAD=$HL_DIR/symcheck/libhl-symcheck.so
if [ ! -e "$HL_COMPAT_LIB" ] && [ "$TR" != classic ]; then
	t_skip "transport $TR: sshfs on zcfuse's transports needs $HL_COMPAT_LIB (issue 12); classic covers Debian's and the preloaded layer"
fi

# ---- sshd ----------------------------------------------------------------
S=$T/ssh
mkdir -p "$S" "$T/remote"
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key" || t_fail "ssh-keygen host key"
ssh-keygen -q -t ed25519 -N '' -f "$S/id" || t_fail "ssh-keygen client key"
cp "$S/id.pub" "$S/authorized_keys"
port=""
for p in $(seq $((20000 + $$ % 20000)) $((20040 + $$ % 20000))); do
	ss -ltnH "sport = :$p" | grep -q . || { port=$p; break; }
done
[ -n "$port" ] || t_fail "no free port"
cat >"$S/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $port
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CFG
MADE_RUN_SSHD=0
if [ ! -d /run/sshd ]; then
	mkdir -m 755 /run/sshd && MADE_RUN_SSHD=1
fi
"$SSHD" -D -e -f "$S/sshd_config" 2>"$T/sshd.log" &
SSHD_PID=$!
t_on_exit "kill $SSHD_PID 2>/dev/null; [ $MADE_RUN_SSHD = 1 ] && rmdir /run/sshd 2>/dev/null"
t_wait_until 10 eval "ss -ltnH 'sport = :$port' | grep -q ." || { cat "$T/sshd.log"; t_fail "sshd did not listen on 127.0.0.1:$port"; }
SSHOPTS="IdentityFile=$S/id,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes,LogLevel=ERROR,port=$port"

# ---- the source tree ------------------------------------------------------
TREE=$T/tree
mkdir -p "$TREE/a/b/c" "$TREE/empty"
for i in 1 2 3 4 5 6; do head -c $((i * 37000 + i)) /dev/urandom >"$TREE/a/f$i"; done
head -c 3000000 /dev/urandom >"$TREE/a/b/big"
: >"$TREE/a/b/c/zero"
echo hello >"$TREE/a/b/c/small"
ln -s f1 "$TREE/a/link-rel"
ln -s missing-target "$TREE/a/b/link-dangling"

# run_case LABEL ENV...: mount sshfs with ENV, exercise, compare, unmount.
run_case() {
	local label=$1 mnt=$T/mnt.$1 out=$T/out.$1 pid
	shift
	rm -rf "$T/remote"/* "$out"
	mkdir -p "$mnt"
	env "$@" sshfs -f -o "$SSHOPTS" "root@127.0.0.1:$T/remote" "$mnt" 2>"$T/sshfs.$label.log" &
	pid=$!
	t_on_exit "fusermount3 -u -z $mnt 2>/dev/null; kill $pid 2>/dev/null"
	hl_wait_mounted "$pid" "$mnt"
	if [ "$label" != debian ] && ! grep -q 'zcfuse-hl: high-level layer' "$T/sshfs.$label.log"; then
		t_fail "$label: sshfs did not run zcfuse's high-level layer (no trace line)"
	fi
	# Copy in, compare remote and mount with the source.
	cp -R -P --preserve=mode "$TREE" "$mnt/in" || t_fail "$label: copy in"
	diff -r --no-dereference "$TREE" "$mnt/in" >/dev/null || t_fail "$label: tree read back through sshfs differs"
	diff -r --no-dereference "$TREE" "$T/remote/in" >/dev/null || t_fail "$label: tree on the server differs from the source"
	# Copy out.
	cp -R -P --preserve=mode "$mnt/in" "$out" || t_fail "$label: copy out"
	diff -r --no-dereference "$TREE" "$out" >/dev/null || t_fail "$label: tree copied out differs"
	# Renames: a file, a folder with contents, over an existing file.
	mv "$mnt/in/a/f1" "$mnt/in/a/f1.renamed" || t_fail "$label: rename file"
	mv "$mnt/in/a/b" "$mnt/in/b-moved" || t_fail "$label: rename folder"
	mv "$mnt/in/a/f2" "$mnt/in/a/f3" || t_fail "$label: rename over a file"
	cmp "$TREE/a/f2" "$mnt/in/a/f3" || t_fail "$label: renamed-over file has the wrong content"
	cmp "$TREE/a/b/big" "$mnt/in/b-moved/big" || t_fail "$label: file in a renamed folder differs"
	[ ! -e "$mnt/in/a/b" ] || t_fail "$label: old folder name still there"
	# Truncate shorter and longer.
	truncate -s 1000 "$mnt/in/a/f4" || t_fail "$label: truncate"
	cmp -n 1000 "$TREE/a/f4" "$mnt/in/a/f4" || t_fail "$label: truncated file lost its head"
	[ "$(stat -c %s "$mnt/in/a/f4")" = 1000 ] || t_fail "$label: truncated size"
	truncate -s 5000 "$mnt/in/a/f4" || t_fail "$label: extend"
	[ "$(tail -c 4000 "$mnt/in/a/f4" | tr -d '\0' | wc -c)" = 0 ] || t_fail "$label: extended part is not zeros"
	# Symlinks.
	[ "$(readlink "$mnt/in/a/link-rel")" = f1 ] || t_fail "$label: symlink target"
	ln -s big "$mnt/in/b-moved/newlink" || t_fail "$label: symlink"
	cmp "$TREE/a/b/big" "$mnt/in/b-moved/newlink" || t_fail "$label: reading through a new symlink"
	[ "$(readlink "$T/remote/in/b-moved/newlink")" = big ] || t_fail "$label: symlink on the server"
	# The same changes on a local copy: the server must match it.
	local model=$T/model.$label
	cp -a "$TREE" "$model"
	mv "$model/a/f1" "$model/a/f1.renamed"
	mv "$model/a/b" "$model/b-moved"
	mv "$model/a/f2" "$model/a/f3"
	truncate -s 1000 "$model/a/f4"
	truncate -s 5000 "$model/a/f4"
	ln -s big "$model/b-moved/newlink"
	diff -r --no-dereference "$model" "$T/remote/in" >/dev/null || t_fail "$label: server tree differs from the model"
	diff -r --no-dereference "$model" "$mnt/in" >/dev/null || t_fail "$label: mounted tree differs from the model"
	rm -rf "$mnt/in" || t_fail "$label: rm -r"
	[ -z "$(ls -A "$T/remote")" ] || t_fail "$label: server folder not empty after rm -r"
	hl_stop "$pid" "$mnt"
	[ "$ZCFUSE_SANITIZER" = 1 ] && t_sanitizer_check "$T/sshfs.$label.log"
	t_log "$label: ok"
}

if [ "$TR" = classic ]; then
	run_case debian
	if [ -e "$PRELOAD" ]; then
		run_case preload LD_PRELOAD="$PRELOAD" ZCFUSE_HL_TRACE=1
	else
		t_log "preload: $PRELOAD not built (needs libfuse3-dev), not run"
	fi
fi
if [ -e "$HL_COMPAT_LIB" ]; then
	# A sanitizer build of our library needs its runtime loaded first in
	# Debian's uninstrumented sshfs (as compat-debian-binaries does).
	san=()
	[ "${ZCFUSE_SANITIZER:-0}" = 1 ] &&
		san=("LD_PRELOAD=$(gcc -print-file-name=libasan.so)" "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0")
	run_case zcfuse "${san[@]}" LD_LIBRARY_PATH="$ZCFUSE_BUILD/compat" ZCFUSE_OPTIONS="transport=$TR" ZCFUSE_HL_TRACE=1
else
	t_skip "sshfs verified over Debian's libfuse and with zcfuse's high-level layer preloaded; through zcfuse's own transports it needs $HL_COMPAT_LIB (issue 12)"
fi
