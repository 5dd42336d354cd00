"""Cost-per-I/O report of bench/vm-bench --cost (run-bench --cost in the guest).

Reads a results folder (meta.tsv, configs.tsv, cost.tsv, fio/*.json) and the
zcfuse-cost plugin's snapshot file, and writes results.md (the RFC's table shape:
guest instructions and copy/pin calls per I/O, with bufpool/uring and
zerocopy/uring ratios), summary.json and cost.png into the folder.

Every figure is a difference between two runs of the same cell with different
I/O counts, divided by the difference in I/Os, so that mounting, fio's start
and exit and everything else done once per run cancel out.

Usage: python3 bench/cost_report.py DIR [SNAPSHOTS]
"""

import json
import os
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402  (the timing report's readers and helpers)

ORDER = ["native-psync", "native-uring", "libfuse-3.18-classic", "libfuse-3.18-uring",
         "zcfuse-classic", "zcfuse-uring", "zcfuse-bufpool", "zcfuse-zerocopy"]
# Summary groups of the counted functions (leaves, so that nothing is counted
# twice: copy_page_to_iter calls _copy_to_iter once per page, the iov_iter page
# getters call the gup functions).
COPY = ["_copy_to_iter", "_copy_from_iter", "copy_page_from_iter_atomic", "fuse_copy_fill"]
PIN = ["pin_user_pages_fast", "get_user_pages_fast"]
UNPIN = ["unpin_user_page", "unpin_user_pages", "unpin_user_pages_dirty_lock"]
IMPORT = ["import_ubuf", "io_uring_cmd_import_fixed", "io_buffer_register_bvec"]
# A cost model, labelled as one: nanoseconds per instruction outside copies and
# per byte copied, from a typical x86 server core (about 3 instructions per ns
# retired on kernel/FUSE code; about 10 bytes per ns for an in-cache memcpy).
# Copies show up in the instruction counts as rep movs iterations, so the model
# only splits what the plugin counted; it is not a measurement.
MODEL_NS_PER_INSN = 0.33


def read_snaps(path):
    snaps = {}
    if not path or not os.path.exists(path):
        return snaps
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.split()
            if len(p) >= 6 and p[0] == "snap":
                calls = parse_calls(",".join(x for x in p[6:] if "=" in x))
                snaps[int(p[1])] = (int(p[3]), int(p[5]), calls)
    return snaps


def parse_calls(s):
    d = {}
    for part in (s or "").split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            try:
                d[k] = int(v)
            except ValueError:
                pass
    return d


def fio_facts(outdir, rel):
    try:
        doc = report.load_fio(os.path.join(outdir, rel))
    except (OSError, ValueError):
        return None
    jobs = doc.get("jobs") or [{}]
    ios = sum((j.get("read") or {}).get("total_ios") or 0 for j in jobs)
    iops = sum((j.get("read") or {}).get("iops") or 0.0 for j in jobs)
    ctx = sum(j.get("ctx") or 0 for j in jobs)
    return {"ios": ios, "iops": iops, "ctx": ctx}


def per_io(a, b, ia, ib):
    if a is None or b is None or ib == ia:
        return None
    return (b - a) / float(ib - ia)


def placement(outdir, run):
    """Where the server ran its backing reads over the cell's mount (its -o
    stats file, named by the cell's tag: the fio JSON's name less the pass):
    percent inline, on an io-wq worker, and on the ring itself (zero copy,
    reads that may block), or None without a stats file."""
    name = os.path.basename(run.get("fio_json") or "")
    suffix = ".%s.json" % run.get("pass", "")
    tag = name[:-len(suffix)] if name.endswith(suffix) else os.path.splitext(name)[0]
    rp = report.placement_reasons(outdir, tag)
    if not rp:
        return None
    n = {"inline": 0, "worker": 0, "ring": 0}
    for k, v in rp.items():
        c = v.get("count", 0) if isinstance(v, dict) else 0
        kind = "inline" if k.startswith("sync_") else k.split("_")[0]
        if kind in n:
            n[kind] += c
    tot = sum(n.values())
    return {k: 100.0 * v / tot for k, v in n.items()} if tot else None


def pass_kind(name):
    """('i', 1, try) for i1 or i1.T, ('c', 2, 1) for c2, None otherwise."""
    head, _, t = (name or "").partition(".")
    if len(head) != 2 or head[0] not in "ic" or head[1] not in "12":
        return None
    try:
        return head[0], int(head[1]), int(t) if t else 1
    except ValueError:
        return None


def cell_costs(outdir, rows, snaps):
    """(row, config, rep) -> figures per I/O.

    Each of the two I/O counts may have been run several times (run-bench
    --cost-tries K): of each count the median run by guest instructions is
    taken, whole (instructions, calls, context switches; for an even K the
    lower of the two middle runs). One run that caught one-off kernel work
    cannot move the median, and the run-to-run jitter of scheduling (which
    varies in both directions, more for some configurations than others) is
    not biased low as a minimum would be. "tries" keeps every run's
    instructions and "spread_a"/"spread_b" how far the runs of one count
    were apart."""
    by = {}
    for r in rows:
        by.setdefault((r["row"], r["config"], r["rep"]), []).append(r)
    out = {}

    def delta(p):
        try:
            a, b = snaps[int(p["mark_before"])], snaps[int(p["mark_after"])]
        except (KeyError, ValueError):
            return None
        return (b[0] - a[0], b[1] - a[1], {k: v - a[2].get(k, 0) for k, v in b[2].items()})

    for key, plist in by.items():
        res = {"status": "ok", "note": ""}
        bad = [p for p in plist if p.get("status") != "ok"]
        if bad:
            res = {"status": "failed", "note": bad[0].get("note", "")}
            out[key] = res
            continue
        runs = {1: [], 2: []}
        cpass = {}
        for p in plist:
            k = pass_kind(p.get("pass"))
            if not k:
                continue
            if k[0] == "c":
                cpass[k[1]] = p
                continue
            f = fio_facts(outdir, p["fio_json"])
            runs[k[1]].append((k[2], p, f, delta(p)))
        if not (runs[1] and runs[2]) or any(f is None for n in (1, 2) for _, _, f, _ in runs[n]):
            out[key] = {"status": "failed", "note": "missing runs" if not (runs[1] and runs[2])
                        else "fio results unreadable"}
            continue

        def total(run):
            d = run[3]
            return None if d is None else d[0] + d[1]

        def pick(lst):
            counted = sorted((r for r in lst if r[3] is not None), key=total)
            return counted[(len(counted) - 1) // 2] if counted else lst[0]
        (_, i1, f1, d1), (_, i2, f2, d2) = pick(runs[1]), pick(runs[2])
        if f2["ios"] <= f1["ios"]:
            out[key] = {"status": "failed", "note": "fio results unreadable"}
            continue
        res["ios"] = (f1["ios"], f2["ios"])
        res["iops"] = f2["iops"]
        pl = placement(outdir, i2)
        if pl:
            res["placement"] = pl
        res["tries"] = {name: [total(r) for r in sorted(runs[n], key=lambda x: x[0])]
                        for n, name in ((1, "a"), (2, "b"))}
        # Per I/O, try by try: try T's B run against try T's A run. The
        # figure is a difference of two runs, so its spread is what a reader
        # of one try would see, larger than that of the run totals, where
        # the work done once per run dilutes the variation.
        pairs = []
        ta = {r[0]: r for r in runs[1]}
        for t, p2, g2, d in sorted(runs[2], key=lambda x: x[0]):
            r1 = ta.get(t)
            if r1 is None or d is None or r1[3] is None or g2["ios"] <= r1[2]["ios"]:
                continue
            pairs.append(per_io(total(r1), d[0] + d[1], r1[2]["ios"], g2["ios"]))
        if pairs:
            res["per_io_tries"] = pairs
        if len(pairs) > 1:
            res["spread_per_io"] = (max(pairs) - min(pairs)) / abs(statistics.median(pairs))
        for n, name in ((1, "spread_a"), (2, "spread_b")):
            v = [total(r) for r in runs[n] if total(r) is not None]
            if len(v) > 1:
                res[name] = (max(v) - min(v)) / float(min(v))
        if d1 and d2:
            res["kernel"] = per_io(d1[0], d2[0], f1["ios"], f2["ios"])
            res["user"] = per_io(d1[1], d2[1], f1["ios"], f2["ios"])
            res["insns"] = res["kernel"] + res["user"]
        for k in ("server_vcsw", "server_ivcsw"):
            try:
                res[k] = per_io(float(i1[k]), float(i2[k]), f1["ios"], f2["ios"])
            except (KeyError, ValueError):
                pass
        res["fio_ctx"] = per_io(f1["ctx"], f2["ctx"], f1["ios"], f2["ios"])
        c1, c2 = cpass.get(1), cpass.get(2)
        if d1 and d2 and d2[2]:
            res["calls"] = {k: per_io(d1[2].get(k, 0), d2[2][k], f1["ios"], f2["ios"]) for k in d2[2]}
        elif c1 and c2:
            g1, g2 = fio_facts(outdir, c1["fio_json"]), fio_facts(outdir, c2["fio_json"])
            if g1 and g2 and g2["ios"] > g1["ios"]:
                def counts(p):
                    before, _, after = p["calls"].partition("|")
                    a, b = parse_calls(before), parse_calls(after)
                    return {k: b[k] - a.get(k, 0) for k in b}
                k1, k2 = counts(c1), counts(c2)
                res["calls"] = {k: per_io(k1.get(k, 0), k2[k], g1["ios"], g2["ios"]) for k in k2}
        if res.get("calls"):
            for name, group in (("copy", COPY), ("pin", PIN), ("unpin", UNPIN), ("import", IMPORT)):
                vals = [res["calls"][f] for f in group if f in res["calls"]]
                res[name] = sum(vals) if vals else None
        out[key] = res
    return out


def fmt_k(v):
    if v is None:
        return "-"
    if abs(v) >= 10e3:
        return "%.1fK" % (v / 1e3)
    if abs(v) >= 1e3:
        return "%.2fK" % (v / 1e3)
    return "%.0f" % v


def fmt_c(v):
    return "-" if v is None else ("%.2f" % v).rstrip("0").rstrip(".") if abs(v) < 100 else "%.0f" % v


def short(c):
    """A column name for a ratio: zcfuse-uring+read_place=inline -> uring inline."""
    base, _, o = c.partition("+")
    base = base.replace("zcfuse-", "")
    o = o.replace("read_place=", "").replace(":", " ")
    return base + (" " + o if o else "")


def ratio(a, b):
    return None if a is None or not b else a / b


def spread(vals):
    v = [x for x in vals if x is not None]
    if len(v) < 2 or not statistics.mean(v):
        return None
    return (max(v) - min(v)) / abs(statistics.mean(v))


def worst_per_io(costs, labels):
    w = [(v["spread_per_io"], k) for k, v in costs.items() if v.get("spread_per_io") is not None]
    if not w:
        return "-"
    s, (r, c, rep) = max(w)
    return "%.2f%% (%s, %s, rep %s)" % (100 * s, labels.get(r, r), c, rep)


def chart(outdir, row_ids, labels, present, med):
    if not shutil.which("gnuplot"):
        return "no gnuplot"
    dat = os.path.join(outdir, "cost.dat")
    with open(dat, "w") as f:
        f.write("row\t" + "\t".join(present) + "\n")
        for rid in row_ids:
            vals = []
            for c in present:
                v = med.get((rid, c), {}).get("insns")
                vals.append("?" if v is None else "%.3f" % (v / 1e3))
            f.write('"%s"\t%s\n' % (labels[rid], "\t".join(vals)))
    png = os.path.join(outdir, "cost.png")
    script = os.path.join(outdir, "cost.gp")
    with open(script, "w") as f:
        f.write("""set terminal pngcairo size %d,620 noenhanced font ",10"
set output '%s'
set datafile separator '\\t'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set ylabel 'guest instructions per I/O (thousands, log scale)'
set grid ytics
set xtics rotate by -25 nomirror
set key outside right top vertical
set title 'Cost per I/O in the Linux 7.3 guest (QEMU TCG, zcfuse-cost plugin): lower is better'
plot for [i=2:%d] '%s' using i:xtic(1) title columnheader(i)
""" % (min(2400, max(1100, 60 * len(row_ids) * max(1, len(present)) // 2)), png, len(present) + 1, dat))
    r = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if r.returncode == 0 and os.path.exists(png) and os.path.getsize(png) > 0:
        return None
    return "gnuplot: " + (r.stderr.strip().splitlines() or ["failed"])[-1]


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: bench/cost_report.py DIR [SNAPSHOTS]", file=sys.stderr)
        return 2
    outdir = os.path.abspath(sys.argv[1])
    snapf = sys.argv[2] if len(sys.argv) == 3 else os.path.join(outdir, "plugin-snaps.txt")
    meta = report.read_meta(os.path.join(outdir, "meta.tsv"))
    confs = report.read_tsv(os.path.join(outdir, "configs.tsv"))
    rows = report.read_tsv(os.path.join(outdir, "cost.tsv"))
    snaps = read_snaps(snapf)
    costs = cell_costs(outdir, rows, snaps)
    # rep 0 is run-bench's warm-up cell: measured like the others, left out.
    warm = {k: v for k, v in costs.items() if k[2] == "0"}
    costs = {k: v for k, v in costs.items() if k[2] != "0"}

    row_specs = [s for s in meta.get("rows", "").split(";") if s.strip()]
    row_ids, labels, info = [], {}, {}
    for spec in row_specs:
        rid, label, ri = report.row_label(spec)
        row_ids.append(rid)
        labels[rid] = label
        info[rid] = ri
    seen = {c for (_, c, _) in costs}
    # a variant (config+OPTS) beside its configuration
    present = sorted(seen, key=lambda c: (ORDER.index(c.partition("+")[0]) if c.partition("+")[0] in ORDER
                                          else len(ORDER), c))
    # Median over repetitions; the spread says how deterministic the cell was.
    med, spreads = {}, {}
    for rid in row_ids:
        for c in present:
            reps = [v for (r, cc, _), v in costs.items() if r == rid and cc == c and v.get("status") == "ok"]
            if not reps:
                continue
            m = {}
            for k in ("kernel", "user", "insns", "copy", "pin", "unpin", "import", "server_vcsw",
                      "server_ivcsw", "fio_ctx", "iops"):
                m[k] = report.med([x.get(k) for x in reps])
            calls = {}
            for x in reps:
                for f, v in (x.get("calls") or {}).items():
                    calls.setdefault(f, []).append(v)
            m["calls"] = {f: report.med(v) for f, v in calls.items()}
            m["reps"] = len(reps)
            med[(rid, c)] = m
            s = spread([x.get("insns") for x in reps])
            if s is not None:
                spreads[(rid, c)] = s

    accel = meta.get("accel", "none")
    plugin = meta.get("cost_plugin") == "1" and bool(snaps)
    lines = ["# Cost per I/O: zcfuse transports and libfuse 3.18 in the Linux 7.3 guest", ""]
    lines.append("Kernel %s; %s CPUs; accelerator %s%s; fio %s; %s I/Os per job per run (128K rows a quarter); "
                 "backing file on tmpfs, direct=%s, ioengine=io_uring." % (
                     meta.get("kernel", "?"), meta.get("nproc", "?"), accel,
                     " with the zcfuse-cost plugin and -icount" if plugin else " (no instruction counts)",
                     meta.get("fio_version", "?"), meta.get("cost_ios", "?"), meta.get("direct", "?")))
    lines.append("")
    lines.append("Every figure is per I/O and is the difference between two runs of the same cell with "
                 "different I/O counts, over the difference in I/Os: mount, fio's start and exit and all "
                 "else done once per run cancel. Instructions are all the guest executed in that window "
                 "(fio, the server, the kernel and its threads), split by address into kernel and user space; "
                 "a `rep movs` copy counts one instruction per iteration, so copies are in the counts.")
    lines.append("")
    cmd = meta.get("command", "")
    if cmd:
        lines += ["Guest command: `%s`" % cmd, ""]
    for c in confs:
        if c.get("status") != "ok":
            lines.append("- %s: skipped: %s" % (c.get("config"), c.get("detail")))
    if any(c.get("status") != "ok" for c in confs):
        lines.append("")

    # A configuration and its variants (run-bench --cost on several CPUs runs
    # uring and bufpool as '+read_place=inline' and '+read_place=worker'):
    # a ratio compares like with like (bufpool inline / uring inline, not
    # bufpool inline / uring worker); one without variants pairs with each.
    def variants(base):
        return [c for c in present if c == base or c.startswith(base + "+")]

    def opts(c):
        return c.partition("+")[2]
    ratios = []
    for n, d in (("zcfuse-bufpool", "zcfuse-uring"), ("zcfuse-zerocopy", "zcfuse-uring"),
                 ("zcfuse-uring", "libfuse-3.18-uring")):
        for nv in variants(n):
            for dv in variants(d):
                if not opts(nv) or not opts(dv) or opts(nv) == opts(dv):
                    ratios.append((nv, dv))

    def table(title, key, fmt, with_ratios):
        head = ["row"] + present
        if with_ratios:
            head += ["%s / %s" % (short(n), short(d)) for n, d in ratios]
        body = []
        for rid in row_ids:
            r = [labels[rid]]
            for c in present:
                r.append(fmt(med.get((rid, c), {}).get(key)))
            if with_ratios:
                for n, d in ratios:
                    v = ratio(med.get((rid, n), {}).get(key), med.get((rid, d), {}).get(key))
                    r.append("-" if v is None else "%.2f" % v)
            body.append(r)
        return ["## " + title, "", report.md_table(head, body), ""]

    if plugin:
        lines += table("Guest instructions per I/O (kernel + user)", "insns", fmt_k, True)
        lines += ["## Spread between tries, percent: per I/O (run totals)", "",
                  "Per I/O: the largest minus the smallest of the cell's per-I/O figures, one from "
                  "each try (try T's B run against try T's A run), over their median. Run totals: the "
                  "larger of the spreads of the A runs and of the B runs (the work done once per run "
                  "dilutes it). The largest over the repetitions of a cell.", ""]
        head = ["row"] + present
        body = []
        for rid in row_ids:
            r = [labels[rid]]
            for c in present:
                reps = [v for (rr, cc, _), v in costs.items() if rr == rid and cc == c and v.get("status") == "ok"]
                pio = [v["spread_per_io"] for v in reps if v.get("spread_per_io") is not None]
                run = [max(v.get("spread_a") or 0, v.get("spread_b") or 0) for v in reps
                       if v.get("spread_a") is not None or v.get("spread_b") is not None]
                r.append("-" if not pio else "%.2f (%.2f)" % (100 * max(pio), 100 * max(run or [0])))
            body.append(r)
        lines += [report.md_table(head, body), ""]
        lines += table("Kernel instructions per I/O", "kernel", fmt_k, True)
        lines += table("User-space instructions per I/O (fio and the server)", "user", fmt_k, True)
    lines += table("Copy calls per I/O (%s)" % " + ".join(COPY), "copy", fmt_c, False)
    lines += table("Pin calls per I/O (%s)" % " + ".join(PIN), "pin", fmt_c, False)
    lines += table("Unpin calls per I/O", "unpin", fmt_c, False)
    lines += table("Buffer imports per I/O (%s)" % " + ".join(IMPORT), "import", fmt_c, False)
    lines += table("Server context switches per I/O (voluntary)", "server_vcsw", fmt_c, False)
    lines += table("fio context switches per I/O", "fio_ctx", fmt_c, False)
    # Where the server ran its backing reads, per repetition: on more than one
    # CPU the read placement is measured at run time and may settle on either
    # path, which then changes the counts (doc/design.md, Determinism).
    pl_rows = []
    for rid in row_ids:
        for c in present:
            reps = sorted((rep, v) for (r, cc, rep), v in costs.items() if r == rid and cc == c and v.get("placement"))
            if reps:
                pl_rows.append([labels[rid], c] + ["; ".join("rep %s: %.0f / %.0f / %.0f" % (
                    rep, v["placement"]["inline"], v["placement"]["worker"], v["placement"]["ring"]) for rep, v in reps)])
    if pl_rows:
        lines += ["## Backing reads inline / on an io-wq worker / on the ring, percent (the server's stats)", "",
                  report.md_table(["row", "configuration", "placement"], pl_rows), ""]
    if plugin:
        lines += ["## A cost model (not a measurement)", "",
                  "Time per I/O if every guest instruction took %.2f ns (about 3 instructions per ns, a "
                  "server core on this kind of code), in microseconds; copies are in it as `rep movs` "
                  "iterations. It ranks configurations by work; it says nothing about waiting, caches or "
                  "parallelism." % MODEL_NS_PER_INSN, ""]
        head = ["row"] + present
        body = []
        for rid in row_ids:
            body.append([labels[rid]] + ["-" if med.get((rid, c), {}).get("insns") is None else
                                         "%.2f" % (med[(rid, c)]["insns"] * MODEL_NS_PER_INSN / 1e3)
                                         for c in present])
        lines += [report.md_table(head, body), ""]
    if accel == "kvm":
        lines += table("IOPS (KVM: real, but from short fixed-count runs)", "iops", report.fmt_iops, False)
    # Per-function detail, every row.
    funcs = sorted({f for m in med.values() for f in (m.get("calls") or {})})
    if funcs:
        lines += ["## Calls per I/O of each counted function", ""]
        head = ["row", "configuration"] + funcs
        body = []
        for rid in row_ids:
            for c in present:
                m = med.get((rid, c))
                if m:
                    body.append([labels[rid], c] + [fmt_c(m["calls"].get(f)) for f in funcs])
        lines += [report.md_table(head, body), ""]
    missing = meta.get("cost_probes_missing")
    snap_funcs = set(next(iter(snaps.values()))[2]) if snaps else set()
    if snap_funcs:
        try:
            with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cost-funcs")) as f:
                wanted = [w.split("#")[0].strip() for w in f]
            missing = " ".join(w for w in wanted if w and w not in snap_funcs)
        except OSError:
            pass
    if missing:
        lines += ["Not counted (absent from the guest kernel or inlined): %s." % missing, ""]
    tries = meta.get("cost_tries")
    if tries and tries != "1":
        lines += ["Each of the two runs of a cell ran %s times (A, B, A, B, ...); of each count the "
                  "median run by guest instructions is taken (the lower middle one for an even number), "
                  "so that one run that caught one-off kernel work does not count. The largest spread "
                  "between the runs of one count: %s; between the per-I/O figures of the tries: %s." % (
                      tries, ", ".join("%s %.2f%%" % (n, 100 * max(v.get(n) or 0 for v in costs.values()))
                                       for n in ("spread_a", "spread_b")),
                      worst_per_io(costs, labels)), ""]
    for (r, c, _), v in sorted(warm.items()):
        if v.get("insns") is not None:
            lines += ["Warm-up cell (the boot's first, not in the tables): %s %s, %.0f instructions per "
                      "I/O." % (labels.get(r, r), c, v["insns"]), ""]
    if spreads:
        worst = max(spreads.items(), key=lambda kv: kv[1])
        lines += ["Determinism: %d cells measured more than once; the largest spread of the instructions "
                  "per I/O between repetitions is %.2f%% (%s, %s)." % (
                      len(spreads), worst[1] * 100, labels.get(worst[0][0], worst[0][0]), worst[0][1]), ""]
    err = chart(outdir, row_ids, labels, present, med) if plugin else "no instruction counts"
    if err:
        lines += ["(no chart: %s)" % err, ""]
    else:
        lines += ["![instructions per I/O](cost.png)", ""]
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(lines))
    summary = {
        "meta": meta,
        "configs": confs,
        "cells": [dict(row=r, config=c, rep=rep, **v) for (r, c, rep), v in sorted(costs.items())],
        "median": [dict(row=r, config=c, **v) for (r, c), v in sorted(med.items())],
        "spread": {"%s %s" % k: v for k, v in spreads.items()},
        "warmup": [dict(row=r, config=c, rep=rep, **v) for (r, c, rep), v in sorted(warm.items())],
        "model_ns_per_insn": MODEL_NS_PER_INSN,
    }
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True, default=str)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
