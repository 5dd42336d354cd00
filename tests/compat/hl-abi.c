// SPDX-License-Identifier: MIT
/*
 * hl-abi.c: struct fuse_operations, fuse_context and fuse_config in our
 * fuse.h against Debian's libfuse 3.14 fuse.h: every member at the same
 * offset with the same size. Also: our fuse_config's 3.18 additions lie
 * past 3.14's last member. Exit 0 if all agree.
 */
#include <stdio.h>
#include <string.h>

#include "hl-abi.h"

int main(void)
{
	int bad = 0, n = 0;

	for (int i = 0; hl_abi_ours[i].name || hl_abi_debian[i].name; i++) {
		const struct hl_abi_row *a = &hl_abi_ours[i], *b = &hl_abi_debian[i];

		if (!a->name || !b->name || strcmp(a->name, b->name) != 0) {
			printf("hl-abi: FAIL: row %d differs in name (%s / %s)\n", i,
			       a->name ? a->name : "-", b->name ? b->name : "-");
			return 1;
		}
		n++;
		if (a->offset != b->offset || a->size != b->size) {
			printf("hl-abi: FAIL: %s: ours at %lu size %lu, libfuse 3.14 at %lu size %lu\n",
			       a->name, a->offset, a->size, b->offset, b->size);
			bad = 1;
		}
	}
	if (!bad)
		printf("hl-abi: %d offsets and sizes agree with Debian's fuse.h\n", n);
	return bad;
}
