#!/usr/bin/env bash
# zcfuse's libfuse compatibility headers against Debian's real libfuse3-dev
# headers: one checker program is compiled twice, once with each set, and
# prints every size, member offset and bit-field position of the ABI
# structs (fuse_file_info, fuse_conn_info, fuse_entry_param, fuse_ctx,
# fuse_lowlevel_ops in member order, fuse_args, fuse_opt, fuse_buf,
# fuse_bufvec, fuse_loop_config_v1, fuse_cmdline_opts, fuse_forget_data)
# and the values of the constants; the two outputs must be equal.
# Then our libfuse3.so.3's exported symbols and versions (objdump -T) must
# include all of Debian's libfuse3.so.3's; the only extras allowed are
# the 3.17 and 3.18 additions (FUSE_3.17, FUSE_3.17.3, FUSE_3.18).
set -u -o pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd -P)
build=${ZCFUSE_BUILD:-$repo/build}
skip() { echo "compat-abi: SKIP: $*"; exit 77; }
fail() { echo "compat-abi: FAIL: $*"; exit 1; }

[ -f /usr/include/fuse3/fuse_lowlevel.h ] || skip "Debian's libfuse3-dev is not installed (apt-get install libfuse3-dev)"
[ -f /lib/x86_64-linux-gnu/libfuse3.so.3 ] || skip "Debian's libfuse3-3 is not installed"
command -v objdump >/dev/null || skip "objdump not installed (binutils)"
lib=$build/compat/libfuse3.so.3
[ -f "$lib" ] || fail "$lib not built (make compat)"
tmp=$(mktemp -d) || fail mktemp
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/abi.c" <<'C'
#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#define S(t) printf("sizeof %s %zu\n", #t, sizeof(t))
#define O(t, m) printf("offsetof %s.%s %zu\n", #t, #m, offsetof(t, m))
/* A bit field's place: the bytes of a zeroed struct with only it set. */
#define B(t, m) do { t x_; unsigned char *p_ = (unsigned char *)&x_; size_t i_; \
	memset(&x_, 0, sizeof(x_)); x_.m = 1; printf("bit %s.%s", #t, #m); \
	for (i_ = 0; i_ < sizeof(x_); i_++) if (p_[i_]) printf(" %zu:%02x", i_, p_[i_]); \
	printf("\n"); } while (0)
#define V(c) printf("value %s %lld\n", #c, (long long)(c))
typedef struct fuse_file_info fi_t;
typedef struct fuse_conn_info ci_t;
typedef struct fuse_lowlevel_ops ops_t;
int main(void)
{
	S(fi_t); O(fi_t, flags); O(fi_t, fh); O(fi_t, lock_owner); O(fi_t, poll_events);
	B(fi_t, writepage); B(fi_t, direct_io); B(fi_t, keep_cache); B(fi_t, flush);
	B(fi_t, nonseekable); B(fi_t, flock_release); B(fi_t, cache_readdir); B(fi_t, noflush);
	S(ci_t); O(ci_t, proto_major); O(ci_t, proto_minor); O(ci_t, max_write);
	O(ci_t, max_read); O(ci_t, max_readahead); O(ci_t, capable); O(ci_t, want);
	O(ci_t, max_background); O(ci_t, congestion_threshold); O(ci_t, time_gran);
	S(struct fuse_entry_param); O(struct fuse_entry_param, ino);
	O(struct fuse_entry_param, generation); O(struct fuse_entry_param, attr);
	O(struct fuse_entry_param, attr_timeout); O(struct fuse_entry_param, entry_timeout);
	S(struct fuse_ctx); O(struct fuse_ctx, uid); O(struct fuse_ctx, gid);
	O(struct fuse_ctx, pid); O(struct fuse_ctx, umask);
	S(struct fuse_forget_data); O(struct fuse_forget_data, nlookup);
	S(struct fuse_args); O(struct fuse_args, argc); O(struct fuse_args, argv);
	O(struct fuse_args, allocated);
	S(struct fuse_opt); O(struct fuse_opt, templ); O(struct fuse_opt, offset);
	O(struct fuse_opt, value);
	S(struct fuse_buf); O(struct fuse_buf, size); O(struct fuse_buf, flags);
	O(struct fuse_buf, mem); O(struct fuse_buf, fd); O(struct fuse_buf, pos);
	S(struct fuse_bufvec); O(struct fuse_bufvec, count); O(struct fuse_bufvec, idx);
	O(struct fuse_bufvec, off); O(struct fuse_bufvec, buf);
	S(struct fuse_loop_config_v1); O(struct fuse_loop_config_v1, clone_fd);
	O(struct fuse_loop_config_v1, max_idle_threads);
	S(struct fuse_cmdline_opts); O(struct fuse_cmdline_opts, singlethread);
	O(struct fuse_cmdline_opts, foreground); O(struct fuse_cmdline_opts, debug);
	O(struct fuse_cmdline_opts, nodefault_subtype); O(struct fuse_cmdline_opts, mountpoint);
	O(struct fuse_cmdline_opts, show_version); O(struct fuse_cmdline_opts, show_help);
	O(struct fuse_cmdline_opts, clone_fd); O(struct fuse_cmdline_opts, max_idle_threads);
	O(struct fuse_cmdline_opts, max_threads);
	S(struct fuse_custom_io);
	/* 3.17's tmpfile and 3.18's statx follow the 3.14 members */
	printf("sizeof ops_t (3.14 part) %zu\n", offsetof(ops_t, lseek) + sizeof(void *));
	O(ops_t, init); O(ops_t, destroy); O(ops_t, lookup); O(ops_t, forget); O(ops_t, getattr);
	O(ops_t, setattr); O(ops_t, readlink); O(ops_t, mknod); O(ops_t, mkdir); O(ops_t, unlink);
	O(ops_t, rmdir); O(ops_t, symlink); O(ops_t, rename); O(ops_t, link); O(ops_t, open);
	O(ops_t, read); O(ops_t, write); O(ops_t, flush); O(ops_t, release); O(ops_t, fsync);
	O(ops_t, opendir); O(ops_t, readdir); O(ops_t, releasedir); O(ops_t, fsyncdir);
	O(ops_t, statfs); O(ops_t, setxattr); O(ops_t, getxattr); O(ops_t, listxattr);
	O(ops_t, removexattr); O(ops_t, access); O(ops_t, create); O(ops_t, getlk);
	O(ops_t, setlk); O(ops_t, bmap); O(ops_t, ioctl); O(ops_t, poll); O(ops_t, write_buf);
	O(ops_t, retrieve_reply); O(ops_t, forget_multi); O(ops_t, flock); O(ops_t, fallocate);
	O(ops_t, readdirplus); O(ops_t, copy_file_range); O(ops_t, lseek);
	V(FUSE_ROOT_ID); V(FUSE_CAP_ASYNC_READ); V(FUSE_CAP_POSIX_LOCKS);
	V(FUSE_CAP_ATOMIC_O_TRUNC); V(FUSE_CAP_EXPORT_SUPPORT); V(FUSE_CAP_DONT_MASK);
	V(FUSE_CAP_SPLICE_WRITE); V(FUSE_CAP_SPLICE_MOVE); V(FUSE_CAP_SPLICE_READ);
	V(FUSE_CAP_FLOCK_LOCKS); V(FUSE_CAP_IOCTL_DIR); V(FUSE_CAP_AUTO_INVAL_DATA);
	V(FUSE_CAP_READDIRPLUS); V(FUSE_CAP_READDIRPLUS_AUTO); V(FUSE_CAP_ASYNC_DIO);
	V(FUSE_CAP_WRITEBACK_CACHE); V(FUSE_CAP_NO_OPEN_SUPPORT); V(FUSE_CAP_PARALLEL_DIROPS);
	V(FUSE_CAP_POSIX_ACL); V(FUSE_CAP_HANDLE_KILLPRIV); V(FUSE_CAP_CACHE_SYMLINKS);
	V(FUSE_CAP_NO_OPENDIR_SUPPORT); V(FUSE_CAP_EXPLICIT_INVAL_DATA); V(FUSE_CAP_EXPIRE_ONLY);
	V(FUSE_IOCTL_COMPAT); V(FUSE_IOCTL_UNRESTRICTED); V(FUSE_IOCTL_RETRY); V(FUSE_IOCTL_DIR);
	V(FUSE_IOCTL_MAX_IOV); V(FUSE_BUF_IS_FD); V(FUSE_BUF_FD_SEEK); V(FUSE_BUF_FD_RETRY);
	V(FUSE_BUF_NO_SPLICE); V(FUSE_BUF_FORCE_SPLICE); V(FUSE_BUF_SPLICE_MOVE);
	V(FUSE_BUF_SPLICE_NONBLOCK); V(FUSE_SET_ATTR_MODE); V(FUSE_SET_ATTR_UID);
	V(FUSE_SET_ATTR_GID); V(FUSE_SET_ATTR_SIZE); V(FUSE_SET_ATTR_ATIME);
	V(FUSE_SET_ATTR_MTIME); V(FUSE_SET_ATTR_ATIME_NOW); V(FUSE_SET_ATTR_MTIME_NOW);
	V(FUSE_SET_ATTR_FORCE); V(FUSE_SET_ATTR_CTIME); V(FUSE_SET_ATTR_KILL_SUID);
	V(FUSE_SET_ATTR_KILL_SGID); V(FUSE_SET_ATTR_FILE); V(FUSE_SET_ATTR_KILL_PRIV);
	V(FUSE_SET_ATTR_OPEN); V(FUSE_SET_ATTR_TIMES_SET); V(FUSE_SET_ATTR_TOUCH);
	V(FUSE_OPT_KEY_OPT); V(FUSE_OPT_KEY_NONOPT); V(FUSE_OPT_KEY_KEEP);
	V(FUSE_OPT_KEY_DISCARD); V(FUSE_LOG_EMERG); V(FUSE_LOG_ERR); V(FUSE_LOG_DEBUG);
	V(FUSE_LL_EXPIRE_ONLY); V(FUSE_MAJOR_VERSION); V(FUSE_MINOR_VERSION);
	{ struct fuse_bufvec b = FUSE_BUFVEC_INIT(4096); struct fuse_opt k = FUSE_OPT_KEY("x", 7);
	  struct fuse_args a = FUSE_ARGS_INIT(2, NULL);
	  printf("init %zu %zu %zu %zu %d %d %lu %d %d\n", b.count, b.idx, b.off, b.buf[0].size,
		 b.buf[0].fd, (int)b.buf[0].flags, k.offset, k.value, a.argc + a.allocated); }
	return 0;
}
C
for side in debian ours; do
	inc=/usr/include/fuse3
	[ $side = ours ] && inc=$repo/include/zcfuse/compat
	gcc -std=gnu11 -Wall -Werror -D_FILE_OFFSET_BITS=64 -I"$inc" -o "$tmp/abi-$side" "$tmp/abi.c" \
		2> "$tmp/cc-$side" || { cat "$tmp/cc-$side"; fail "checker does not compile with the $side headers"; }
	"$tmp/abi-$side" > "$tmp/$side.txt" || fail "checker ($side) failed"
done
n=$(wc -l < "$tmp/debian.txt")
if ! diff -u "$tmp/debian.txt" "$tmp/ours.txt"; then
	fail "layouts or values differ from Debian's libfuse3-dev headers (above: - Debian, + ours)"
fi
echo "compat-abi: $n sizes, offsets, bit fields and values equal to Debian's libfuse3-dev"

# The C++ compiler must take the headers too (passthrough_hp is C++).
if command -v g++ >/dev/null; then
	printf '#define FUSE_USE_VERSION 314\n#include <fuse_lowlevel.h>\nint main(){return sizeof(fuse_file_info)==40?0:1;}\n' > "$tmp/cxx.cc"
	g++ -Wall -Werror -D_FILE_OFFSET_BITS=64 -I"$repo/include/zcfuse/compat" -o "$tmp/cxx" "$tmp/cxx.cc" ||
		fail "the headers do not compile as C++"
	"$tmp/cxx" || fail "C++ sees another fuse_file_info size"
fi

# Symbols and versions.
syms() { objdump -T "$1" | awk '$NF ~ /^(fuse|cuse)_/ || $NF ~ /^FUSE_3/ {print $(NF-1), $NF}' | sort -u; }
syms /lib/x86_64-linux-gnu/libfuse3.so.3 > "$tmp/debian.syms"
syms "$lib" > "$tmp/ours.syms"
missing=$(comm -23 "$tmp/debian.syms" "$tmp/ours.syms")
extra=$(comm -13 "$tmp/debian.syms" "$tmp/ours.syms" | grep -Ev '^FUSE_3.1[78]')
[ -z "$missing" ] || fail "symbols Debian's libfuse3 exports and ours does not: $missing"
[ -z "$extra" ] || fail "symbols ours exports beyond Debian's and FUSE_3.17/3.18: $extra"
echo "compat-abi: all $(wc -l < "$tmp/debian.syms") symbol versions of Debian's libfuse3.so.3 exported"
echo "compat-abi: PASS"
