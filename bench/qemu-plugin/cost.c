/*
 * zcfuse-cost: a QEMU TCG plugin that counts the guest's instructions, split
 * into kernel and user space, and writes a snapshot of the counts each time
 * the guest executes a marker instruction (bench/qemu-plugin/mark.c).
 *
 * An x86-64 guest address with the top bit set is the kernel's half; every
 * other address is user space.  Counting is per translation block: the block's
 * instruction count is added when it starts, with an inline add (no helper
 * call).  The inline add is not atomic, so the counts are exact only with
 * single-threaded TCG (-accel tcg,thread=single, which -icount implies);
 * vm/run-vm --cost-plugin sets that up.
 *
 * Function calls: given a list of kernel functions and their addresses
 * (funcs=FILE, lines "ADDRESS NAME" as in System.map; the kernel must not be
 * relocated, so no KASLR), every execution of a translation block that
 * starts at one of those addresses counts as a call: a call or jump to a
 * function starts a new block there, and nothing falls through into a
 * function's first instruction.  The count costs an inline add, nothing
 * else, so the kernel runs as it would without the plugin.
 *
 * The marker is a seven-byte NOP, nopl 0x4d46435a(%rax) ("ZCFM"), executed in
 * user space; it changes no register.  Each one executed prints one line:
 *
 *   snap SEQ kernel K user U vcpu V [NAME=CALLS ...]
 *
 * with SEQ counting from 1 and K, U and the calls the totals since the guest
 * started.
 *
 * Profile: given every kernel text symbol (prof=FILE, System.map's format),
 * the kernel's instructions are also added up per function (the symbol at or
 * below each block's start), and each marker writes, after its snap line, one
 * line per function whose count moved since the previous marker:
 *
 *   prof SEQ NAME INSNS
 *
 * so that a window that cost more than another can be read function by
 * function (one more inline add per kernel block).
 *
 * Arguments: out=PATH (default: QEMU's log, -D), funcs=FILE, prof=FILE.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

static const unsigned char marker[7] = { 0x0f, 0x1f, 0x80, 0x5a, 0x43, 0x46, 0x4d };

static uint64_t insns_kernel;
static uint64_t insns_user;
static uint64_t snaps;
static FILE *out;

/* A kernel function: its address, a counter the plugin adds to, and its name. */
struct kfunc {
	uint64_t addr;
	uint64_t count; /* calls (funcs=) or instructions (prof=) */
	uint64_t last;  /* prof=: count at the previous marker */
	char name[64];
};
struct ktable {
	struct kfunc *v;
	size_t n;
};
static struct ktable calls; /* funcs= */
static struct ktable prof;  /* prof= */

static int by_addr(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Reads @path into @t, sorted by address: "ADDRESS NAME" lines, or with
 * @system_map System.map's "ADDRESS TYPE NAME", text symbols only.
 */
static int load_table(const char *path, bool system_map, struct ktable *t)
{
	FILE *f = fopen(path, "r");
	char line[256], name[64], type;
	unsigned long long addr;
	size_t cap = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		bool ok = system_map ? sscanf(line, "%llx %c %63s", &addr, &type, name) == 3 &&
					       (type == 't' || type == 'T')
				     : sscanf(line, "%llx %63s", &addr, name) == 2;

		if (!ok)
			continue;
		if (t->n == cap) {
			struct kfunc *n = realloc(t->v, (cap = cap ? 2 * cap : 1024) * sizeof(*t->v));

			if (!n) {
				fclose(f);
				return -1;
			}
			t->v = n;
		}
		t->v[t->n] = (struct kfunc){ .addr = addr };
		snprintf(t->v[t->n].name, sizeof(t->v[t->n].name), "%s", name);
		t->n++;
	}
	fclose(f);
	qsort(t->v, t->n, sizeof(*t->v), by_addr);
	return 0;
}

/* the profiled function at or below vaddr, or NULL */
static struct kfunc *prof_of(uint64_t vaddr)
{
	size_t lo = 0, hi = prof.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (prof.v[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &prof.v[lo - 1] : NULL;
}

static bool is_kernel(uint64_t vaddr)
{
	return (vaddr >> 63) != 0;
}

/* A line of output; flushed by the caller once it has written all of its lines. */
static void emit(const char *line)
{
	if (out)
		fputs(line, out);
	else
		qemu_plugin_outs(line);
}

static void on_marker(unsigned int vcpu, void *udata)
{
	char line[8192];
	size_t len, i;

	(void)udata;
	snaps++;
	len = (size_t)snprintf(line, sizeof(line), "snap %" PRIu64 " kernel %" PRIu64 " user %" PRIu64 " vcpu %u",
			       snaps, insns_kernel, insns_user, vcpu);
	for (i = 0; i < calls.n && len < sizeof(line) - 100; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s=%" PRIu64, calls.v[i].name,
					calls.v[i].count);
	snprintf(line + len, sizeof(line) - len, "\n");
	emit(line);
	for (i = 0; i < prof.n; i++) {
		struct kfunc *k = &prof.v[i];

		if (k->count == k->last)
			continue;
		snprintf(line, sizeof(line), "prof %" PRIu64 " %s %" PRIu64 "\n", snaps, k->name,
			 k->count - k->last);
		k->last = k->count;
		emit(line);
	}
	if (out)
		fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 is_kernel(vaddr) ? &insns_kernel : &insns_user, n);
	if (is_kernel(vaddr)) {
		struct kfunc key = { .addr = vaddr }, *f;
		struct kfunc *p = prof.n ? prof_of(vaddr) : NULL;

		if (p)
			qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &p->count, n);

		f = calls.n ? bsearch(&key, calls.v, calls.n, sizeof(*calls.v), by_addr) : NULL;
		if (f)
			qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &f->count, 1);
		return;
	}
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) == sizeof(marker) &&
		    memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker)) == 0)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

static void on_guest_exit(qemu_plugin_id_t id, void *udata)
{
	char line[128];

	(void)id;
	(void)udata;
	snprintf(line, sizeof(line), "exit kernel %" PRIu64 " user %" PRIu64 " snaps %" PRIu64 "\n",
		 insns_kernel, insns_user, snaps);
	emit(line);
	if (out)
		fclose(out); /* flushes */
	out = NULL;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	if (!info->system_emulation || strcmp(info->target_name, "x86_64") != 0) {
		fprintf(stderr, "zcfuse-cost: needs x86_64 system emulation (got %s)\n", info->target_name);
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) == 0) {
			out = fopen(argv[i] + 4, "w");
			if (!out) {
				perror(argv[i] + 4);
				return -1;
			}
		} else if (strncmp(argv[i], "funcs=", 6) == 0) {
			if (load_table(argv[i] + 6, false, &calls))
				return -1;
		} else if (strncmp(argv[i], "prof=", 5) == 0) {
			if (load_table(argv[i] + 5, true, &prof))
				return -1;
		} else {
			fprintf(stderr, "zcfuse-cost: unknown argument '%s'\n", argv[i]);
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_guest_exit, NULL);
	return 0;
}
