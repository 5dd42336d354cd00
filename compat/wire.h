/* SPDX-License-Identifier: MIT */
/*
 * Kernel wire formats the compat replies need and src/proto/fuse_abi.h does
 * not have yet (the protocol layer is adding them; then these go).
 */
#ifndef ZCFUSE_COMPAT_WIRE_H
#define ZCFUSE_COMPAT_WIRE_H

#include <stdint.h>

struct compat_lk_out { uint64_t start, end; uint32_t type, pid; };
struct compat_bmap_out { uint64_t block; };
struct compat_poll_out { uint32_t revents, padding; };
struct compat_ioctl_out { int32_t result; uint32_t flags, in_iovs, out_iovs; };
struct compat_ioctl_iovec { uint64_t base, len; };
struct compat_notify_delete_out { uint64_t parent, child; uint32_t namelen, padding; };
struct compat_notify_store_out { uint64_t nodeid, offset; uint32_t size, padding; };

#define COMPAT_IOCTL_RETRY (1u << 2)
#define COMPAT_EXPIRE_ONLY (1u << 0)

#endif
