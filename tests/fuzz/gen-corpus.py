#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/corpus/NAME/).

One well-formed input per opcode and entry kind, a few sequences, and the
inputs of the crashes the issue names. Inputs the fuzzers found are copied
in by hand (crash-found-*) and are not written here: keep them. Run from the
repository: tests/fuzz/gen-corpus.py. The layouts are the kernel's
(include/uapi/linux/fuse.h, as in src/proto/fuse_abi.h).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# opcodes
LOOKUP, FORGET, GETATTR, SETATTR, READLINK, SYMLINK = 1, 2, 3, 4, 5, 6
MKNOD, MKDIR, UNLINK, RMDIR, RENAME, LINK, OPEN, READ, WRITE, STATFS = range(8, 18)
RELEASE, FSYNC, SETXATTR, GETXATTR, LISTXATTR, REMOVEXATTR, FLUSH, INIT = 18, 20, 21, 22, 23, 24, 25, 26
OPENDIR, READDIR, RELEASEDIR, FSYNCDIR = 27, 28, 29, 30
ACCESS, CREATE, INTERRUPT, BMAP, DESTROY = 34, 35, 36, 37, 38
BATCH_FORGET, FALLOCATE, READDIRPLUS, RENAME2, LSEEK, COPY_FILE_RANGE = 42, 43, 44, 45, 46, 47
ENT_ZERO_COPY = 1


def in_header(length, opcode, unique=7, nodeid=1, uid=0, gid=0, pid=42, extlen=0):
    return struct.pack("<IIQQIIIHH", length, opcode, unique, nodeid, uid, gid, pid, extlen, 0)


def read_in(size=4096, off=0, fh=3):
    return struct.pack("<QQIIQII", fh, off, size, 0, 0, 0, 0)


def write_in(size, off=0, fh=3, write_flags=0):
    return struct.pack("<QQIIQII", fh, off, size, write_flags, 0, 0, 0)


def setattr_in(valid, size=0, mode=0o100644, fh=0):
    return struct.pack("<IIQQQQQQIIIIIIII", valid, 0, fh, size, 0, 1, 2, 3, 0, 0, 0, mode, 0, 1000, 1000, 0)


# (opcode, fixed argument, variable data)
REQUESTS = [
    ("lookup", LOOKUP, b"", b"a\0"),
    ("lookup-missing", LOOKUP, b"", b"no-such-name\0"),
    ("forget", FORGET, struct.pack("<Q", 3), b""),
    ("getattr", GETATTR, struct.pack("<IIQ", 0, 0, 0), b""),
    ("getattr-fh", GETATTR, struct.pack("<IIQ", 1, 0, 9), b""),
    ("setattr-size", SETATTR, setattr_in(8, size=100), b""),
    ("setattr-mode", SETATTR, setattr_in(1 | 16 | 32, mode=0o104755), b""),
    ("readlink", READLINK, b"", b""),
    ("symlink", SYMLINK, b"", b"link\0target\0"),
    ("mknod", MKNOD, struct.pack("<IIII", 0o10644, 0, 0o22, 0), b"fifo\0"),
    ("mkdir", MKDIR, struct.pack("<II", 0o755, 0o22), b"dir\0"),
    ("unlink", UNLINK, b"", b"a\0"),
    ("rmdir", RMDIR, b"", b"dir\0"),
    ("rename", RENAME, struct.pack("<Q", 1), b"a\0b\0"),
    ("rename2", RENAME2, struct.pack("<QII", 1, 2, 0), b"a\0b\0"),
    ("link", LINK, struct.pack("<Q", 2), b"hard\0"),
    ("open", OPEN, struct.pack("<II", 2, 0), b""),
    ("read", READ, read_in(4096), b""),
    ("read-odd", READ, read_in(5000, off=1), b""),
    ("read-big", READ, read_in(1 << 20, off=3), b""),
    ("write", WRITE, write_in(11), b"hello world"),
    ("write-kill-suid", WRITE, write_in(4, write_flags=4), b"data"),
    ("statfs", STATFS, b"", b""),
    ("release", RELEASE, struct.pack("<QIIQ", 3, 2, 1, 0), b""),
    ("fsync", FSYNC, struct.pack("<QII", 3, 1, 0), b""),
    ("setxattr", SETXATTR, struct.pack("<IIII", 5, 0, 0, 0), b"user.a\0value"),
    ("getxattr", GETXATTR, struct.pack("<II", 64, 0), b"user.a\0"),
    ("getxattr-size", GETXATTR, struct.pack("<II", 0, 0), b"user.a\0"),
    ("listxattr", LISTXATTR, struct.pack("<II", 64, 0), b""),
    ("removexattr", REMOVEXATTR, b"", b"user.a\0"),
    ("flush", FLUSH, struct.pack("<QIIQ", 3, 0, 0, 5), b""),
    ("opendir", OPENDIR, struct.pack("<II", 0, 0), b""),
    ("readdir", READDIR, read_in(4096), b""),
    ("readdir-small", READDIR, read_in(40, off=1), b""),
    ("readdirplus", READDIRPLUS, read_in(4096), b""),
    ("releasedir", RELEASEDIR, struct.pack("<QIIQ", 3, 0, 0, 0), b""),
    ("fsyncdir", FSYNCDIR, struct.pack("<QII", 3, 0, 0), b""),
    ("access", ACCESS, struct.pack("<II", 4, 0), b""),
    ("create", CREATE, struct.pack("<IIII", 0o101, 0o100644, 0o22, 0), b"new\0"),
    ("interrupt", INTERRUPT, struct.pack("<Q", 7), b""),
    ("bmap", BMAP, struct.pack("<QII", 0, 4096, 0), b""),
    ("destroy", DESTROY, b"", b""),
    ("batch-forget", BATCH_FORGET, struct.pack("<II", 2, 0),
     struct.pack("<QQQQ", 2, 1, 3, 5)),
    ("fallocate", FALLOCATE, struct.pack("<QQQII", 3, 0, 4096, 0, 0), b""),
    ("lseek", LSEEK, struct.pack("<QQII", 3, 100, 3, 0), b""),
    ("copy-file-range", COPY_FILE_RANGE, struct.pack("<QQQQQQQ", 3, 0, 2, 4, 0, 8192, 0), b""),
    ("unknown-opcode", 200, b"", b"xyz"),
]


def write_corpus(name, items):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for fname, data in items:
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)


def classic():
    def req(opcode, arg, data, extlen=0, ext=b""):
        body = arg + data + ext
        return in_header(40 + len(body), opcode, extlen=extlen) + body

    init = req(INIT, struct.pack("<IIII", 7, 45, 131072, 0xffffffff) +
               struct.pack("<I", 0x3ff) + b"\0" * 44, b"")
    items = []
    for name, op, arg, data in REQUESTS:
        items.append((name, b"\0" + req(op, arg, data)))
    items.append(("init", b"\1" + init))
    items.append(("init-then-ops", b"\1" + init + req(LOOKUP, b"", b"a\0") +
                  req(READ, read_in(100), b"") + req(READDIRPLUS, read_in(4096), b"")))
    items.append(("init-old-kernel", b"\1" + req(INIT, struct.pack("<IIII", 7, 20, 0, 0), b"")))
    items.append(("allow-root-lookup", b"\2" + req(LOOKUP, b"", b"a\0")))
    items.append(("setxattr-compat", b"\4" + req(SETXATTR, struct.pack("<II", 3, 0), b"user.b\0abc")))
    items.append(("exact-buffers", b"\x08" + req(WRITE, write_in(3), b"abc") +
                  req(SETXATTR, struct.pack("<IIII", 2, 0, 0, 0), b"n\0vv")))
    items.append(("mkdir-with-ext", b"\0" + req(MKDIR, struct.pack("<II", 0o755, 0), b"d\0",
                                                 extlen=2, ext=struct.pack("<IIII", 16, 2, 1000, 0))))
    items.append(("lookup-unterminated", b"\0" + req(LOOKUP, b"", b"abc")))
    items.append(("write-short", b"\0" + req(WRITE, write_in(100), b"abc")))
    items.append(("batch-forget-overcount", b"\0" + req(BATCH_FORGET, struct.pack("<II", 1000, 0),
                                                         struct.pack("<QQ", 2, 1))))
    items.append(("len-lies", b"\0" + in_header(9999, LOOKUP) + b"a\0"))
    items.append(("before-init", b"\1" + req(LOOKUP, b"", b"a\0")))
    write_corpus("classic", items)


SLOT = 8192


def ring_entry(kind, opcode, arg, data, flags=0, slot=0, payload_sz=None, unique=7, extlen=0):
    """mode byte, header (in_out 128, op_in 128, ent_in_out 32), payload."""
    psz = len(data) if payload_sz is None else payload_sz
    hdr = in_header(40 + len(arg) + psz, opcode, unique=unique, extlen=extlen).ljust(128, b"\0")
    hdr += arg.ljust(128, b"\0")
    hdr += struct.pack("<QQIIQ", flags, unique, psz, slot * SLOT if kind else 0, 0)
    assert len(hdr) == 288
    return bytes([kind]) + hdr + data


def ring():
    items = []
    for kind, kname in ((0, "uring"), (1, "bufpool"), (2, "zerocopy")):
        for name, op, arg, data in REQUESTS:
            if op in (INIT, FORGET, BATCH_FORGET, INTERRUPT):
                continue
            if kind and name not in ("lookup", "read", "write", "setxattr", "readdirplus",
                                     "getxattr", "mkdir", "create"):
                continue
            items.append(("%s-%s" % (kname, name), ring_entry(kind, op, arg, data, slot=1)))
    items.append(("zerocopy-read", ring_entry(2, READ, read_in(SLOT), b"", ENT_ZERO_COPY)))
    items.append(("zerocopy-write", ring_entry(2, WRITE, write_in(SLOT), b"", ENT_ZERO_COPY,
                                               payload_sz=SLOT)))
    items.append(("bufpool-one-slot", ring_entry(1 | 4, LOOKUP, b"", b"a\0")))
    items.append(("zerocopy-no-setxattr-ext", ring_entry(3, SETXATTR, struct.pack("<II", 2, 0),
                                                         b"user.x\0ab")))
    items.append(("forget-on-ring", ring_entry(0, FORGET, struct.pack("<Q", 1), b"")))
    items.append(("commit-id-mismatch", ring_entry(0, LOOKUP, b"", b"a\0")[:1 + 256 + 8] +
                  struct.pack("<Q", 99) + ring_entry(0, LOOKUP, b"", b"a\0")[1 + 256 + 16:]))
    # The two crashes of issue 9, item 5.
    items.append(("crash-zc-lookup", ring_entry(2, LOOKUP, b"", b"0123456789abcde\0", ENT_ZERO_COPY)))
    items.append(("crash-zc-read-4g", ring_entry(2, READ, read_in(0xffffffff), b"", ENT_ZERO_COPY)))
    write_corpus("ring", items)


def opts():
    cases = {
        "minimal": ["src", "/mnt"],
        "flags": ["-f", "-d", "-s", "src", "/mnt"],
        "help": ["-h"],
        "version": ["-V"],
        "o-list": ["-o", "allow_other,default_permissions,ro,fsname=x,subtype=y", "src", "/mnt"],
        "o-joined": ["-oallow_root,auto_unmount,max_read=65536", "src", "/mnt"],
        "transport": ["-o", "transport=uring,queue_depth=8,pool_bufs=4,ring_setup=defer", "s", "m"],
        "transport-bad": ["-o", "transport=nope", "s", "m"],
        "numbers": ["-o", "max_write=4096,max_background=12,threads=3,meta_threads=0", "s", "m"],
        "number-bad": ["-o", "queue_depth=-1", "s", "m"],
        "number-huge": ["-o", "max_write=99999999999999999999", "s", "m"],
        "fs-opts": ["-o", "size=10,flag", "s", "m"],
        "fs-opt-bad": ["-o", "size=,flag=1", "s", "m"],
        "unknown-opt": ["-o", "nosuchoption", "s", "m"],
        "kernel-opts": ["-o", "noatime,nodev,nosuid,noexec,sync,dirsync", "s", "m"],
        "stats": ["-o", "stats=/tmp/x.json,passthrough,ring_fd=plain", "s", "m"],
        "dashdash": ["--", "-weird-source", "-weird-mnt"],
        "missing-mnt": ["src"],
        "extra-arg": ["a", "b", "c"],
        "bad-source": ["!src", "/mnt"],
        "o-missing": ["-o"],
        "empty-items": ["-o", ",,,=,", "s", "m"],
        "escapes": ["-o", "fsname=a\\,b,subtype=c\\\\d", "s", "m"],
        "io-uring-alias": ["-o", "io_uring,io_uring_q_depth=4", "s", "m"],
    }
    write_corpus("opts", [(k, b"\0".join(a.encode() for a in v)) for k, v in cases.items()])


if __name__ == "__main__":
    classic()
    ring()
    opts()
