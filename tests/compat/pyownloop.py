#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A pyfuse3 filesystem: pyfuse3 drives libfuse's session from its own trio
loop (fuse_session_fd, fuse_session_receive_buf, fuse_session_process_buf),
so run through zcfuse-run it exercises the compat library's own-loop path
as an unmodified binary extension does.

    pyownloop.py MOUNTPOINT

The root holds "hello" ("Hello from pyfuse3\n") and "data", writable in
memory. Ends when unmounted."""
import errno
import os
import stat
import sys

import pyfuse3
import trio

HELLO = b"Hello from pyfuse3\n"
ROOT = pyfuse3.ROOT_INODE
NAMES = {b"hello": ROOT + 1, b"data": ROOT + 2}


class Fs(pyfuse3.Operations):
    def __init__(self):
        super().__init__()
        self.data = bytearray()

    def size(self, inode):
        return len(HELLO) if inode == ROOT + 1 else len(self.data)

    async def getattr(self, inode, ctx=None):
        a = pyfuse3.EntryAttributes()
        if inode == ROOT:
            a.st_mode = stat.S_IFDIR | 0o755
        elif inode in NAMES.values():
            a.st_mode = stat.S_IFREG | (0o444 if inode == ROOT + 1 else 0o644)
            a.st_size = self.size(inode)
        else:
            raise pyfuse3.FUSEError(errno.ENOENT)
        a.st_ino = inode
        a.st_uid = os.getuid()
        a.st_gid = os.getgid()
        return a

    async def setattr(self, inode, attr, fields, fh, ctx):
        if fields.update_size:
            self.data = self.data[: attr.st_size].ljust(attr.st_size, b"\0")
        return await self.getattr(inode)

    async def lookup(self, parent, name, ctx=None):
        if parent != ROOT or name not in NAMES:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return await self.getattr(NAMES[name])

    async def opendir(self, inode, ctx):
        return inode

    async def readdir(self, fh, start_id, token):
        for i, (name, ino) in enumerate(NAMES.items()):
            if i >= start_id and not pyfuse3.readdir_reply(token, name, await self.getattr(ino), i + 1):
                break

    async def open(self, inode, flags, ctx):
        if inode == ROOT + 2 and flags & os.O_TRUNC:
            self.data = bytearray()
        return pyfuse3.FileInfo(fh=inode)

    async def read(self, fh, off, size):
        src = HELLO if fh == ROOT + 1 else self.data
        return bytes(src[off : off + size])

    async def write(self, fh, off, buf):
        if fh != ROOT + 2:
            raise pyfuse3.FUSEError(errno.EBADF)
        if off > len(self.data):
            self.data.extend(b"\0" * (off - len(self.data)))
        self.data[off : off + len(buf)] = buf
        return len(buf)


def main():
    opts = set(pyfuse3.default_options)
    opts.add("fsname=pyownloop")
    pyfuse3.init(Fs(), sys.argv[1], opts)
    try:
        trio.run(pyfuse3.main)
    finally:
        pyfuse3.close(unmount=True)
    print("pyownloop: loop ended", file=sys.stderr)


if __name__ == "__main__":
    main()
