"""Reporting half of the zcfuse benchmark (see bench/run-bench).

Reads a results folder written by run-bench (meta.tsv, configs.tsv, cells.tsv,
fio/*.json) and writes results.md, summary.json and iops.png into it. Standard
library only; the chart uses gnuplot if present, else matplotlib.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys

ORDER = [
    "native-psync", "native-uring", "kernel-passthrough", "libfuse-3.14",
    "libfuse-3.18-classic", "libfuse-3.18-uring", "zcfuse-classic",
    "zcfuse-uring", "zcfuse-bufpool", "zcfuse-zerocopy",
    "libfuse-3.18-hl-uring", "zcfuse-compat-hl-uring",
    "zcfuse-compat-classic", "zcfuse-compat-uring",
    "zcfuse-base-classic", "zcfuse-base-uring",
]
# The high-level (path API) pair is compared only with each other.
HL = [c for c in ORDER if "-hl-" in c]
# zcfuse-base-*: an older build of the same server, compared only with this one.
BASE = [c for c in ORDER if c.startswith("zcfuse-base-")]
ZCFUSE = [c for c in ORDER if c.startswith("zcfuse-") and c not in HL and c not in BASE]
LIBFUSE = [c for c in ORDER if c.startswith("libfuse-") and c not in HL]


def base_of(config):
    """'zcfuse-uring+ring_setup=coop' (a variant: extra -o options) -> 'zcfuse-uring'."""
    return config.split("+", 1)[0]


def ordered(configs):
    """Known configurations in table order, each variant right after its base."""
    known = [c for c in configs if base_of(c) in ORDER]
    return sorted(known, key=lambda c: (ORDER.index(base_of(c)), c != base_of(c), c))


def read_tsv(path):
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    if not lines:
        return rows
    head = lines[0].split("\t")
    for line in lines[1:]:
        if not line.strip():
            continue
        parts = line.split("\t")
        parts += [""] * (len(head) - len(parts))
        rows.append(dict(zip(head, parts)))
    return rows


def read_meta(path):
    meta = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" in line:
                k, v = line.split("\t", 1)
                meta[k] = v.strip()
    return meta


def load_fio(path):
    """fio may print warnings before the JSON document; start at the first brace."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    i = text.find("{")
    if i < 0:
        raise ValueError("no JSON object in %s" % path)
    return json.loads(text[i:])


def cell_metrics(outdir, cell):
    doc = load_fio(os.path.join(outdir, cell["fio_json"]))
    job = doc["jobs"][0]
    rd = job["read"]
    if not rd.get("total_ios") and (job.get("write") or {}).get("total_ios"):
        rd = job["write"]  # a write row
    ios = rd.get("total_ios") or 0
    iops = rd.get("iops") or 0.0
    m = {
        "iops": iops,
        "bw_mib_s": (rd.get("bw") or 0) / 1024.0,
        "lat_mean_us": rd.get("lat_ns", {}).get("mean", 0) / 1000.0,
        "lat_p99_us": None,
        "fio_cpu_us_per_io": None,
        "server_cpu_us_per_io": None,
        "other_cpu_pct": None,
        "steal_pct": None,
        "kthread_cpu_us_per_io": None,
        "server_sleeps_per_io": None,
        "server_preempted_per_io": None,
        "ios": ios,
    }
    # Total latency percentiles (fio --lat_percentiles=1); completion latency
    # alone is near zero when io_uring completes a read inline at submission.
    pct = rd.get("lat_ns", {}).get("percentile") or rd.get("clat_ns", {}).get("percentile") or {}
    for k in ("99.000000", "99.00", "99"):
        if k in pct:
            m["lat_p99_us"] = pct[k] / 1000.0
            break
    # With group_reporting, usr_cpu/sys_cpu are per-job averages over
    # job_runtime, which is summed over the jobs.
    cpu_s = (job.get("usr_cpu", 0) + job.get("sys_cpu", 0)) / 100.0 * job.get("job_runtime", 0) / 1000.0
    if ios:
        m["fio_cpu_us_per_io"] = cpu_s / ios * 1e6
    def num(key):
        try:
            return float(cell.get(key) or "nan")
        except ValueError:
            return float("nan")
    scpu, win = num("server_cpu_s"), num("window_s")
    busy, steal = num("sys_busy_s"), num("sys_steal_s")
    kth, fproc = num("kthread_s"), num("fio_proc_s")
    if win > 0 and iops > 0 and scpu == scpu:
        m["server_cpu_us_per_io"] = scpu / win / iops * 1e6
    vcsw, ivcsw = num("server_vcsw"), num("server_ivcsw")
    if win > 0 and iops > 0 and vcsw == vcsw:
        m["server_sleeps_per_io"] = vcsw / win / iops
    if win > 0 and iops > 0 and ivcsw == ivcsw:
        m["server_preempted_per_io"] = ivcsw / win / iops
    if win > 0 and iops > 0 and kth == kth:
        m["kthread_cpu_us_per_io"] = kth / win / iops * 1e6
    if not fproc >= 0 and cpu_s > 0 and job.get("job_runtime"):
        # run-bench found a job process gone at its last sample (fio's jobs
        # may end before it): fio's own CPU rate, over the same window.
        nj = int((job.get("job options") or {}).get("numjobs") or 1)
        per_job_s = job["job_runtime"] / 1000.0 / nj
        fproc = cpu_s / per_job_s * win if per_job_s > 0 and win > 0 else float("nan")
    if win > 0 and busy == busy and kth == kth and fproc == fproc:
        # The machine's busy time in the window (run-bench leaves the busy
        # loops out) less fio's processes, the server and kernel threads:
        # other programs.
        other = busy - fproc - kth - (scpu if scpu == scpu else 0.0)
        m["other_cpu_pct"] = max(0.0, other / win * 100.0)
    if win > 0 and steal == steal:
        m["steal_pct"] = steal / win * 100.0
    return m


def med(values):
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def fmt_iops(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2fM" % (v / 1e6)
    if v >= 100e3:
        return "%.0fK" % (v / 1e3)
    if v >= 10e3:
        return "%.1fK" % (v / 1e3)
    return "%.2fK" % (v / 1e3)


def fmt_num(v, digits=1):
    if v is None:
        return "-"
    if v >= 1000:
        return "%.0f" % v
    return ("%%.%df" % digits) % v


def fmt_gain(v):
    return "-" if v is None else "%.2f" % v


def row_label(spec):
    """'4k-randread-qd16-j2 4K randread 16 2' -> ('4k-...', '4K randread qd16 x2')."""
    parts = spec.split()
    rid, bs, rw, qd, nj = parts[:5]
    label = "%s %s qd%s" % (bs, rw, qd)
    if nj != "1":
        label += " %s jobs" % nj
    return rid, label, {"bs": bs, "rw": rw, "iodepth": int(qd), "numjobs": int(nj)}


def gain_columns(present):
    """(title, numerator, denominator) tuples; a denominator may be 'best-libfuse'."""
    cols = []
    if "zcfuse-compat-hl-uring" in present and "libfuse-3.18-hl-uring" in present:
        cols.append(("zcfuse-compat-hl-uring / libfuse-3.18-hl-uring",
                     "zcfuse-compat-hl-uring", "libfuse-3.18-hl-uring"))
    zc = [c for c in present if base_of(c) in ZCFUSE]
    lf = [c for c in LIBFUSE if c in present]
    if lf:
        for c in zc:
            cols.append(("%s / best libfuse" % c, c, "best-libfuse"))
    for c in zc:
        if c != base_of(c) and base_of(c) in present:
            cols.append(("%s / %s" % (c, base_of(c)), c, base_of(c)))
    for c in BASE:
        new = c.replace("-base-", "-")
        if c in present and new in present:
            cols.append(("%s / %s" % (new, c), new, c))
    if "zcfuse-uring" in present:
        for c in ("zcfuse-bufpool", "zcfuse-zerocopy"):
            if c in present:
                cols.append(("%s / zcfuse-uring" % c, c, "zcfuse-uring"))
    # The compat library: the same passthrough_hp on libfuse and on zcfuse
    # (the library's own ratio), and against zcfuse's own passthrough.
    for compat, peer, native in (("zcfuse-compat-uring", "libfuse-3.18-uring", "zcfuse-uring"),
                                 ("zcfuse-compat-classic", "libfuse-3.18-classic", "zcfuse-classic")):
        if compat in present:
            for den in (peer, native):
                if den in present:
                    cols.append(("%s / %s" % (compat, den), compat, den))
    if "kernel-passthrough" in present:
        for c in zc:
            cols.append(("%s / kernel passthrough" % c, c, "kernel-passthrough"))
    if not zc:
        # Without zcfuse, show the peers' own ratios so the table still says something.
        if "libfuse-3.18-uring" in present:
            for c in ("libfuse-3.18-classic", "libfuse-3.14"):
                if c in present:
                    cols.append(("libfuse-3.18-uring / %s" % c, "libfuse-3.18-uring", c))
        if lf and "kernel-passthrough" in present:
            cols.append(("best libfuse / kernel passthrough", "best-libfuse", "kernel-passthrough"))
    return cols


def gain_value(row_vals, num, den):
    def get(name):
        if name == "best-libfuse":
            v = [row_vals.get(c) for c in LIBFUSE if row_vals.get(c)]
            return max(v) if v else None
        return row_vals.get(name)
    a, b = get(num), get(den)
    if a is None or not b:
        return None
    return a / b


def rep_spread(runs):
    """Largest minus smallest IOPS of a cell's repetitions over their median, in %."""
    v = [m["iops"] for m in runs if m.get("iops")]
    if len(v) < 2:
        return None
    return (max(v) - min(v)) / statistics.median(v) * 100


def gain_range(per, rid, present, num, den):
    """
    A gain column's ratio taken repetition by repetition, as (lowest, highest).
    Repetition k of every configuration ran in the same pass over the row,
    minutes apart at most, so the ratios of one pass share that pass's
    conditions; a range that spans 1.00 is not resolved by the run.
    """
    reps = sorted({m["rep"] for c in present for m in per.get((rid, c), [])})
    got = []
    for r in reps:
        vals = {c: next((m["iops"] for m in per.get((rid, c), []) if m["rep"] == r), None)
                for c in present}
        g = gain_value(vals, num, den)
        if g is not None:
            got.append(g)
    if len(got) < 2:
        return None
    return min(got), max(got)


def machine_caption(meta):
    """One line naming the machine, for the head of every table: figures from
    different machine kinds (CPU, hypervisor, hand-off floor, kernel) are not
    comparable, and a table copied out alone must still say where it was made."""
    virt = meta.get("virt", "unknown")
    hv = meta.get("hypervisor") or {"kvm": "KVM", "tcg": "QEMU TCG", "vm": "unknown"}.get(virt, "none")
    cpuid_hv = meta.get("cpuid_hypervisor")
    guest = "bare metal" if hv == "none" and virt == "none" else "%s guest%s" % (
        hv, " (cpuid signature %s)" % cpuid_hv if cpuid_hv and cpuid_hv not in ("none", hv) else "")
    same, cross = meta.get("handoff_same_cpu_us"), meta.get("handoff_cross_cpu_us")
    if cross and cross.startswith("-"):
        cross = None
    floor = ("hand-off floor %s us on one CPU%s" % (same, ", %s us across two" % cross if cross else "")
             if same else "hand-off floor not measured")
    return "Machine: %s, %s CPUs, %s, kernel %s; %s; %s." % (
        meta.get("cpu_model", "?"), meta.get("nproc", "?"), guest, meta.get("kernel", "?"), floor,
        meta.get("date", "?"))


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    return "\n".join(out)


def chart(outdir, row_ids, labels, present, med_iops, title, row_info):
    """IOPS bars per row and configuration; one panel per block size so the
    large-block rows are not flattened by the 4K ones."""
    png = os.path.join(outdir, "iops.png")
    groups = []
    for rid in row_ids:
        bs = row_info.get(rid, {}).get("bs", "")
        if not groups or groups[-1][0] != bs:
            groups.append((bs, []))
        groups[-1][1].append(rid)
    errors = []
    if shutil.which("gnuplot"):
        plots = []
        for gi, (bs, rids) in enumerate(groups):
            dat = os.path.join(outdir, "iops%s.dat" % ("-" + bs if bs else gi))
            with open(dat, "w") as f:
                f.write("row\t" + "\t".join(present) + "\n")
                for rid in rids:
                    vals = []
                    for c in present:
                        v = med_iops.get((rid, c))
                        vals.append("?" if v is None else "%.3f" % (v / 1e3))
                    f.write('"%s"\t%s\n' % (labels[rid], "\t".join(vals)))
            plots.append((bs, dat, len(rids)))
        script = os.path.join(outdir, "iops.gp")
        width = min(2400, max(1000, 200 + 16 * len(row_ids) * max(1, len(present))))
        height = 520 * len(plots) + 40
        with open(script, "w") as f:
            f.write("""set terminal pngcairo size %d,%d noenhanced font ",10"
set output '%s'
set datafile separator '\\t'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel 'IOPS (thousands)'
set grid ytics
set xtics rotate by -20 nomirror
set key outside right top vertical
set multiplot layout %d,1 title "%s"
""" % (width, height, png, len(plots), title.replace('"', "'")))
            for bs, dat, _ in plots:
                f.write("set title '%s'\n" % (("block size " + bs) if bs else ""))
                f.write("plot for [i=2:%d] '%s' using i:xtic(1) title columnheader(i)\n" % (len(present) + 1, dat))
            f.write("unset multiplot\n")
        r = subprocess.run(["gnuplot", script], capture_output=True, text=True)
        if r.returncode == 0 and os.path.exists(png) and os.path.getsize(png) > 0:
            return None
        errors.append("gnuplot: " + (r.stderr.strip().splitlines() or ["failed"])[-1])
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(max(9, 1.2 * len(row_ids) * max(1, len(present)) / 4), 6))
        n = max(1, len(present))
        w = 0.8 / n
        for i, c in enumerate(present):
            xs = [k + i * w for k in range(len(row_ids))]
            ys = [(med_iops.get((rid, c)) or 0) / 1e3 for rid in row_ids]
            ax.bar(xs, ys, w, label=c)
        ax.set_xticks([k + 0.4 - w / 2 for k in range(len(row_ids))])
        ax.set_xticklabels([labels[r] for r in row_ids], rotation=25, ha="right")
        ax.set_ylabel("IOPS (thousands)")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
        fig.tight_layout()
        fig.savefig(png, dpi=100)
        return None
    except Exception as e:  # noqa: BLE001 - report whatever stopped the fallback
        errors.append("matplotlib: %s" % e)
    return "; ".join(errors) or "no gnuplot or matplotlib"


PLACEMENT_GROUPS = [
    ("inline", ("inline_idle_queue", "inline_one_cpu", "inline_measured", "inline_forced")),
    ("worker", ("worker_measured", "worker_forced")),
    ("probes", ("inline_probe", "worker_probe")),
    ("ring", ("ring_may_block", "ring_zero_copy")),
    ("no ring", ("sync_no_ring",)),
]


def placement_stats(outdir, tag):
    """Cell TAG's server stats "read_placement" object, or None."""
    try:
        with open(os.path.join(outdir, "stats", tag + ".json")) as f:
            return json.load(f)["read_placement"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def placement_reasons(outdir, tag):
    """READ counts by placement reason from cell TAG's server stats file, or None."""
    rp = placement_stats(outdir, tag)
    return rp.get("reasons") if isinstance(rp, dict) else None


def placement_switches(outdir, tag):
    """Mode switches of the session's read verdicts (all size classes), or None
    for servers whose stats have no verdicts (before session 12, or nothing judged)."""
    rp = placement_stats(outdir, tag)
    classes = rp.get("classes") if isinstance(rp, dict) else None
    if not isinstance(classes, dict) or not classes:
        return None
    return sum(int(v.get("switches", 0)) for v in classes.values() if isinstance(v, dict))


def placement_table(outdir, cells, row_ids, labels, present):
    """READ placement shares per row and zcfuse configuration, with the read
    verdicts' mode switches per repetition, or None."""
    counts, switches = {}, {}
    for c in cells:
        if c["status"] != "ok" or not c["config"].startswith("zcfuse-") or not c["fio_json"]:
            continue
        tag = os.path.splitext(os.path.basename(c["fio_json"]))[0]
        reasons = placement_reasons(outdir, tag)
        if reasons is None:
            continue
        acc = counts.setdefault((c["row"], c["config"]), {})
        for g, names in PLACEMENT_GROUPS:
            acc[g] = acc.get(g, 0) + sum(reasons.get(n, {}).get("count", 0) for n in names)
        sw = placement_switches(outdir, tag)
        if sw is not None:
            sws = switches.setdefault((c["row"], c["config"]), [])
            sws.append(sw)
    cols = [c for c in present if any((r, c) in counts for r in row_ids)]
    if not cols:
        return None
    rows = []
    for rid in row_ids:
        cells_out = []
        for c in cols:
            acc = counts.get((rid, c))
            total = sum(acc.values()) if acc else 0
            if not total:
                cells_out.append("-")
                continue
            parts = ["%s %.0f%%" % (g, 100.0 * acc[g] / total) for g, _ in PLACEMENT_GROUPS
                     if acc[g] and 100.0 * acc[g] / total >= 0.5]
            text = ", ".join(parts) or "-"
            if (rid, c) in switches:
                text += "; switches %s" % "/".join(str(n) for n in switches[(rid, c)])
            cells_out.append(text)
        rows.append([labels[rid]] + cells_out)
    return md_table(["fio"] + cols, rows)


def main():
    if len(sys.argv) != 2:
        print("usage: bench/report DIR", file=sys.stderr)
        return 2
    outdir = os.path.abspath(sys.argv[1])
    for need in ("meta.tsv", "configs.tsv", "cells.tsv"):
        if not os.path.exists(os.path.join(outdir, need)):
            print("report: %s has no %s (not a run-bench folder?)" % (outdir, need), file=sys.stderr)
            return 1
    meta = read_meta(os.path.join(outdir, "meta.tsv"))
    confs = read_tsv(os.path.join(outdir, "configs.tsv"))
    cells = read_tsv(os.path.join(outdir, "cells.tsv"))

    specs = [s for s in meta.get("rows", "").split(";") if s.strip()]
    row_ids, labels, row_info = [], {}, {}
    for s in specs:
        rid, label, info = row_label(s)
        row_ids.append(rid)
        labels[rid] = label
        row_info[rid] = info
    for c in cells:  # rows of an interrupted run may be missing from meta
        if c["row"] not in labels:
            p = c["row"].split("-")
            labels[c["row"]] = c["row"]
            row_ids.append(c["row"])
            row_info[c["row"]] = {"id": c["row"], "parts": p}

    per = {}
    failures = []
    for c in cells:
        if c["status"] != "ok" or not c["fio_json"]:
            failures.append({"row": c["row"], "config": c["config"], "rep": c["rep"], "note": c.get("note", "")})
            continue
        try:
            m = cell_metrics(outdir, c)
        except (OSError, ValueError, KeyError, IndexError) as e:
            failures.append({"row": c["row"], "config": c["config"], "rep": c["rep"], "note": "bad fio JSON: %s" % e})
            continue
        m["rep"] = int(c["rep"] or 0)
        m["note"] = c.get("note", "")
        per.setdefault((c["row"], c["config"]), []).append(m)

    present = ordered({c for (r, c) in per if r in row_ids})
    keys = ["iops", "bw_mib_s", "lat_mean_us", "lat_p99_us", "fio_cpu_us_per_io", "server_cpu_us_per_io",
            "other_cpu_pct", "steal_pct", "kthread_cpu_us_per_io", "server_sleeps_per_io",
            "server_preempted_per_io"]
    medians = {}
    for k, ms in per.items():
        medians[k] = {key: med([m[key] for m in ms]) for key in keys}
    med_iops = {k: v["iops"] for k, v in medians.items()}

    gcols = gain_columns(present)
    busy = meta.get("busy_loops") == "1"
    virt = meta.get("virt", "unknown")
    mem_gib = int(meta.get("mem_kb", "0") or 0) / 1048576.0
    reps = meta.get("repeat", "1")
    direct = meta.get("direct", "1") == "1"
    when = meta.get("date", "")
    hv = meta.get("hypervisor")
    machine = "%s, %s CPUs, %.0f GiB%s" % (meta.get("cpu_model", "?"), meta.get("nproc", "?"), mem_gib,
                                          ", %s guest" % hv if hv and hv != "none" else
                                          {"kvm": ", KVM guest", "tcg": ", QEMU TCG guest", "vm": ", VM guest"}.get(virt, ""))
    caption = machine_caption(meta)
    title = "fio IOPS, kernel %s, %s, %s" % (meta.get("kernel", "?"), machine, when)

    lines = []
    lines.append("## zcfuse benchmark: fio IOPS%s" % (" (median of %s runs)" % reps if reps != "1" else ""))
    lines.append("")
    lines.append("- Date: %s; kernel: %s; machine: %s" % (when, meta.get("kernel", "?"), machine))
    lines.append("- Command: `%s`" % meta.get("command", "?"))
    lines.append("- fio %s, ioengine io_uring (psync for native-psync), %s, %s s + %s s ramp per cell, "
                 "backing: %s, file %s" % (meta.get("fio_version", "?"), "direct=1" if direct else "buffered (page cache)",
                                           meta.get("runtime", "?"), meta.get("ramp", "?"),
                                           meta.get("backing", "?"), meta.get("size", "?")))
    lines.append("- Busy loops: %s" % ("yes, one `nice -n 19` loop pinned to each CPU for the whole run "
                                        "(keeps idle vCPUs from halting)" if busy else "no"))
    same, cross = meta.get("handoff_same_cpu_us"), meta.get("handoff_cross_cpu_us")
    if cross and cross.startswith("-"):  # one CPU: not measured
        cross = None
    if meta.get("hypervisor_sources"):
        lines.append("- Hypervisor, by source: %s; cpuid vendor %s, hypervisor signature %s"
                     % (meta["hypervisor_sources"], meta.get("cpuid_vendor", "?"), meta.get("cpuid_hypervisor", "?")))
    if same:
        lines.append("- Hand-off floor (bench/handoff): a wake-up round trip between two processes takes %s us on "
                     "one CPU%s; a FUSE request at iodepth 1 is one such round trip plus the work"
                     % (same, ", %s us across two" % cross if cross else ""))
    lines.append("- Versions: libfuse %s (3.14) and %s (3.18); zcfuse %s"
                 % (meta.get("libfuse_314", "?"), meta.get("libfuse_318", "?"), meta.get("zcfuse_version", "?")))
    bp = meta.get("busy_processes_start", "").strip()
    if bp:
        lines.append("- Other busy processes at start: %s" % bp)
    others = [m["other_cpu_pct"] for ms in per.values() for m in ms if m.get("other_cpu_pct") is not None]
    steals = [m["steal_pct"] for ms in per.values() for m in ms if m.get("steal_pct") is not None]
    if others:
        lines.append("- Other programs' CPU load during the cells (%% of one CPU; not fio, server, kernel threads or busy loops): "
                     "median %.0f%%, max %.0f%%%s" % (statistics.median(others), max(others),
                     "; hypervisor steal median %.0f%%" % statistics.median(steals) if steals and max(steals) > 1 else ""))
    if meta.get("interrupted"):
        lines.append("- **Interrupted** (%s): the table is partial." % meta["interrupted"])
    lines.append("")
    header = ["fio"] + present + [g[0] for g in gcols]
    trows = []
    for rid in row_ids:
        vals = {c: med_iops.get((rid, c)) for c in present}
        trows.append([labels[rid]] + [fmt_iops(vals[c]) for c in present]
                     + [fmt_gain(gain_value(vals, g[1], g[2])) for g in gcols])
    main_table = md_table(header, trows)
    lines.append(caption)
    lines.append("")
    lines.append(main_table)
    lines.append("")
    if gcols:
        lines.append("Gains are IOPS ratios of the medians; 'best libfuse' is the best libfuse column in that row.")
    else:
        lines.append("No gain columns: they need zcfuse, libfuse or kernel passthrough columns.")
    skipped = [c for c in confs if c["status"] != "ok"]
    if skipped:
        lines.append("")
        lines.append("Skipped configurations:")
        lines.append("")
        for c in skipped:
            lines.append("- %s: %s" % (c["config"], c["detail"]))
    if failures:
        lines.append("")
        lines.append("Failed cells:")
        lines.append("")
        for f in failures:
            lines.append("- %s / %s (rep %s): %s" % (f["row"], f["config"], f["rep"], f["note"]))

    extra = [
        ("Bandwidth (MiB/s)", "bw_mib_s", 0),
        ("Mean latency (us)", "lat_mean_us", 1),
        ("p99 latency (us, submission to completion)", "lat_p99_us", 1),
        ("fio CPU time per I/O (us, usr+sys)", "fio_cpu_us_per_io", 2),
        ("Server CPU time per I/O (us, utime+stime of the server process)", "server_cpu_us_per_io", 2),
        ("Server sleeps per I/O (voluntary context switches of all server threads: waits for "
         "work)", "server_sleeps_per_io", 3),
        ("Server preemptions per I/O (involuntary context switches of all server threads: "
         "another task took the CPU)", "server_preempted_per_io", 3),
        ("Kernel threads' CPU time per I/O (us, all kernel threads, e.g. kworkers)", "kthread_cpu_us_per_io", 2),
        ("Other programs' CPU load during the cell (% of one CPU; not fio, the server, kernel "
         "threads or the nice-19 busy loops): large values mean something else was running", "other_cpu_pct", 0),
    ]
    for title_x, key, digits in extra:
        lines.append("")
        lines.append("### %s" % title_x)
        lines.append("")
        lines.append(caption)
        lines.append("")
        rows_x = []
        for rid in row_ids:
            rows_x.append([labels[rid]] + [fmt_num(medians.get((rid, c), {}).get(key), digits) for c in present])
        lines.append(md_table(["fio"] + present, rows_x))
    if any(len(ms) > 1 for ms in per.values()):
        lines.append("")
        lines.append("### How far the medians hold: spread between repetitions")
        lines.append("")
        lines.append("IOPS of a cell's repetitions, largest minus smallest over the median (%). "
                     "A gain between two columns whose cells spread this much is not resolved "
                     "by the medians alone; the second table takes each gain within one "
                     "repetition (the configurations of one pass ran minutes apart at most) and "
                     "gives the lowest and highest: a range that spans 1.00 is not resolved.")
        lines.append("")
        rows_s = []
        for rid in row_ids:
            rows_s.append([labels[rid]] + [fmt_num(rep_spread(per.get((rid, c), [])), 0) for c in present])
        lines.append(md_table(["fio"] + present, rows_s))
        if gcols:
            lines.append("")
            rows_g = []
            for rid in row_ids:
                cells_g = []
                for g in gcols:
                    rg = gain_range(per, rid, present, g[1], g[2])
                    cells_g.append("%.2f-%.2f" % rg if rg else "-")
                rows_g.append([labels[rid]] + cells_g)
            lines.append(md_table(["fio"] + [g[0] for g in gcols], rows_g))
    placement = placement_table(outdir, cells, row_ids, labels, present)
    if placement:
        lines.append("")
        lines.append("### Where zcfuse's backing reads ran (the servers' stats files, all repetitions)")
        lines.append("")
        lines.append("Share of READs by the read policy's decision: inline on the queue thread "
                     "(idle queue, one CPU, or measured faster), on an io-wq worker (measured "
                     "faster), probes of the other mode, and reads that must go on the ring "
                     "(files that may block, zero copy) or have no ring (classic). "
                     "\"switches\": how often the session's read verdicts changed mode in "
                     "each repetition.")
        lines.append("")
        lines.append(placement)
    lines.append("")
    lines.append("### Configurations")
    lines.append("")
    for c in confs:
        lines.append("- %s (%s): %s" % (c["config"], c["status"], c["detail"]))

    err = chart(outdir, row_ids, labels, present, med_iops, title, row_info)
    if err:
        lines.append("")
        lines.append("No chart: %s" % err)
    else:
        lines.append("")
        lines.append("![IOPS per row and configuration](iops.png)")
    md = "\n".join(lines) + "\n"
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(md)

    summary = {
        "date": when,
        "command": meta.get("command"),
        "machine": {
            "cpu_model": meta.get("cpu_model"),
            "nproc": int(meta.get("nproc", "0") or 0),
            "mem_kib": int(meta.get("mem_kb", "0") or 0),
            "kernel": meta.get("kernel"),
            "kernel_version": meta.get("kernel_version"),
            "arch": meta.get("machine"),
            "virtualization": virt,
            "vm_guest": virt != "none",
            "hypervisor": meta.get("hypervisor") or {"kvm": "KVM", "tcg": "TCG"}.get(virt, "unknown" if virt != "none" else None),
            "hypervisor_sources": meta.get("hypervisor_sources"),
            "cpuid_vendor": meta.get("cpuid_vendor"),
            "cpuid_hypervisor": meta.get("cpuid_hypervisor"),
            "fuse_enable_uring": meta.get("fuse_enable_uring"),
            "busy_processes_start": meta.get("busy_processes_start", ""),
            "busy_processes_end": meta.get("busy_processes_end", ""),
            "loadavg_start": meta.get("loadavg_start"),
            "loadavg_end": meta.get("loadavg_end"),
        },
        "versions": {
            "fio": meta.get("fio_version"),
            "libfuse_3_14": meta.get("libfuse_314"),
            "libfuse_3_18": meta.get("libfuse_318"),
            "zcfuse": meta.get("zcfuse_version"),
        },
        "busy_loops": busy,
        "handoff_us": {"same_cpu": float(same) if same else None,
                       "cross_cpu": float(cross) if cross else None},
        "settings": {
            "preset": meta.get("preset"),
            "repeat": int(reps or 1),
            "runtime_s": meta.get("runtime"),
            "ramp_s": meta.get("ramp"),
            "size": meta.get("size"),
            "direct": direct,
            "backing": meta.get("backing"),
            "ioengine": "io_uring",
        },
        "elapsed_s": meta.get("elapsed_s"),
        "interrupted": meta.get("interrupted"),
        "configs": [{"name": c["config"], "status": c["status"], "detail": c["detail"]} for c in confs],
        "rows": [dict(row_info[r], id=r, label=labels[r]) for r in row_ids],
        "results": [],
        "failures": failures,
        "gains": [],
    }
    for rid in row_ids:
        for c in present:
            if (rid, c) in per:
                summary["results"].append({"row": rid, "config": c, "median": medians[(rid, c)],
                                           "iops_spread_pct": rep_spread(per[(rid, c)]),
                                           "runs": per[(rid, c)]})
        vals = {c: med_iops.get((rid, c)) for c in present}
        for g in gcols:
            rg = gain_range(per, rid, present, g[1], g[2])
            summary["gains"].append({"row": rid, "name": g[0], "value": gain_value(vals, g[1], g[2]),
                                     "per_repetition": list(rg) if rg else None})
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")

    print()
    print("\n".join(lines[: lines.index(main_table) + 1 + 2]))
    if skipped:
        reasons = {}
        for c in skipped:
            reasons.setdefault(c["detail"], []).append(c["config"])
        print()
        for why, names in reasons.items():
            print("Skipped %s: %s" % (", ".join(names), why))
    if failures:
        print("Failed cells: %d (see results.md)" % len(failures))
    print("\nresults: %s/results.md, summary.json, iops.png, fio/*.json" % outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
