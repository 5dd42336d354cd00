"""Memory table of bench/vm-bench --memory: reads DIR/vm-out-N/memory/memory.tsv
(one guest boot per CPU count) and writes DIR/memory.md and DIR/memory.json.

Usage: python3 bench/memory_report.py DIR
"""

import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def mib(kb):
    try:
        return "%.1f" % (int(kb) / 1024.0)
    except (TypeError, ValueError):
        return "-"


def main():
    if len(sys.argv) != 2:
        print("usage: bench/memory_report.py DIR", file=sys.stderr)
        return 2
    d = os.path.abspath(sys.argv[1])
    rows = []
    for f in sorted(glob.glob(os.path.join(d, "vm-out-*", "memory", "memory.tsv"))):
        rows += report.read_tsv(f)
    if not rows:
        print("memory_report: no memory.tsv under %s" % d, file=sys.stderr)
        return 1
    cpus = sorted({int(r["cpus"]) for r in rows})
    configs = []
    for r in rows:
        if r["config"] not in configs:
            configs.append(r["config"])
    cell = {(r["config"], int(r["cpus"])): r for r in rows}
    lines = ["# Transport memory by guest CPU count (Linux 7.3 guest, QEMU TCG)", "",
             "Per cell: the server's VmRSS / VmLck / VmPin in MiB (/proc/PID/status; io_uring accounts "
             "registered buffers in VmPin; the servers run without CAP_IPC_LOCK, since 7.3 accounts nothing for "
             "a ring made with it), then the drop of the guest's MemAvailable from before the "
             "server started (kernel-side memory included), after one read through the mount from every CPU.", ""]
    head = ["transport"] + ["%d CPUs: RSS / Lck / Pin" % n for n in cpus] + ["%d CPUs: MemAvailable drop" % n for n in cpus]
    body = []
    for c in configs:
        r = [c]
        for n in cpus:
            x = cell.get((c, n))
            r.append("-" if not x or x["status"] != "ok" else "%s / %s / %s" % (mib(x["vmrss_kb"]), mib(x["vmlck_kb"]), mib(x["vmpin_kb"])))
        for n in cpus:
            x = cell.get((c, n))
            r.append("-" if not x or x["status"] != "ok" else mib(x["memavail_drop_kb"]))
        body.append(r)
    lines += [report.md_table(head, body), ""]
    lines += ["Transport lines (zcfuse) and failures:", ""]
    for c in configs:
        for n in cpus:
            x = cell.get((c, n))
            if x and (x["detail"] or x["status"] != "ok"):
                lines.append("- %s, %d CPUs (%s): %s" % (c, n, x["status"], x["detail"]))
    # The bounds of issue 14 at the largest CPU count measured: what the
    # transport line says it pinned and what the kernel accounted (VmPin).
    bounds = {"zcfuse-uring": 64, "zcfuse-bufpool": 16, "zcfuse-zerocopy": 16}
    checks = []
    for c, lim in bounds.items():
        for n in cpus:
            x = cell.get((c, n))
            if not x or x["status"] != "ok":
                continue
            # uring registering at first use: the line's bound ("up to N KiB").
            m = (re.search(r"up to (\d+) KiB", x["detail"] or "") or
                 re.search(r"pinned (\d+) KiB", x["detail"] or ""))
            line = int(m.group(1)) / 1024.0 if m else None
            pin = int(x["vmpin_kb"] or 0) / 1024.0
            worst = max(pin, line or 0)
            checks.append("- %s, %d CPUs: transport line %s MiB, VmPin %.1f MiB: %s (bound %d MiB)" % (
                c, n, "-" if line is None else "%.1f" % line, pin,
                "within" if worst <= lim else "EXCEEDS", lim))
    if checks:
        lines += ["", "Bounds (issue 14: at most 64 MiB pinned for uring, 16 MiB for the pools):", ""] + checks
    with open(os.path.join(d, "memory.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(d, "memory.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
