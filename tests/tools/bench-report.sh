#!/bin/bash
# The benchmark report's "other programs' CPU load" for a cell whose fio job
# processes ended before run-bench's last CPU sample. Their ticks leave the
# sum with them, so run-bench's own count of fio's CPU comes out short or
# negative (as in a two-job cell of 2026-12-02 16:12: -1.21 s) and the
# cell looked as if another program had taken 150% of a CPU. The fixture is
# that cell's real fio JSON (2 jobs, fio's own usr+sys 61% over 5 s each).
# Also the spread and per-repetition gain tables' arithmetic, and the read
# verdicts' switch counts taken from server stats files.
# Exit status: 0 pass, 1 fail, 77 skip.
set -u -o pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
py=""
for p in /usr/bin/python3 "$(command -v python3 2>/dev/null)"; do
	[ -n "$p" ] && [ -x "$p" ] && { py=$p; break; }
done
[ -n "$py" ] || { echo "bench-report: SKIP: python3 not installed"; exit 77; }

PYTHONDONTWRITEBYTECODE=1 "$py" - "$repo/bench" "$(dirname "$0")/bench-report" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import report

cell = {"row": "4k-read-qd64-j2", "config": "kernel-passthrough", "rep": "1", "status": "ok",
        "fio_json": "fio-4k-read-qd64-j2.json", "server_cpu_s": "0.0000", "window_s": "5.07",
        "sys_busy_s": "6.580", "sys_steal_s": "0.000", "kthread_s": "0.030", "server_vcsw": "0",
        "server_ivcsw": "0"}
bad = []
# What run-bench wrote before it counted the job processes, what it writes
# now when one is gone, and a good sample (fio's CPU as its JSON has it).
for fproc, lo, hi in (("-1.210", 0, 20), ("", 0, 20), ("6.230", 0, 20)):
    m = report.cell_metrics(sys.argv[2], dict(cell, fio_proc_s=fproc))
    other = m["other_cpu_pct"]
    if other is None or not lo <= other <= hi:
        bad.append("fio_proc_s %r: other load %s%%, want %d-%d%%" % (fproc, other, lo, hi))
# Repetition spread and per-repetition gains: repetition k of each column
# is paired with repetition k of the others, "best libfuse" chosen per pass.
runs = lambda *v: [{"iops": x, "rep": i + 1} for i, x in enumerate(v)]
per = {("r", "zcfuse-uring"): runs(110, 100, 130), ("r", "libfuse-3.14"): runs(100, 80, 100),
       ("r", "libfuse-3.18-uring"): runs(90, 100, 80)}
sp = report.rep_spread(per[("r", "zcfuse-uring")])
if sp is None or abs(sp - 27.27) > 0.01:
    bad.append("spread of 110, 100, 130: %s%%, want 27.27%%" % sp)
if report.rep_spread(runs(5)) is not None:
    bad.append("one repetition has no spread")
rg = report.gain_range(per, "r", list(c for (_, c) in per), "zcfuse-uring", "best-libfuse")
if rg is None or abs(rg[0] - 1.0) > 1e-9 or abs(rg[1] - 1.3) > 1e-9:
    bad.append("per-repetition zcfuse-uring / best libfuse %s, want (1.00, 1.30)" % (rg,))
# The read verdicts' switches from a server stats file: summed over size
# classes; none for a server whose stats have no verdicts (the per-queue
# layout before session 12, or nothing judged).
import json, os, tempfile
with tempfile.TemporaryDirectory() as d:
    os.mkdir(os.path.join(d, "stats"))
    docs = {"new": {"read_placement": {"reasons": {}, "classes": {
                "4K": {"mode": "inline", "switches": 1}, "128K": {"mode": "worker", "switches": 2}}}},
            "old": {"read_placement": {"reasons": {}, "queues": [{"queue": 0, "classes": {
                "128K": {"mode": "inline", "switches": 5}}}]}},
            "none": {"read_placement": {"reasons": {}, "classes": {}}}}
    for name, doc in docs.items():
        with open(os.path.join(d, "stats", name + ".json"), "w") as f:
            json.dump(doc, f)
    got = {n: report.placement_switches(d, n) for n in list(docs) + ["missing"]}
    if got != {"new": 3, "old": None, "none": None, "missing": None}:
        bad.append("verdict switches %s, want new 3 and None for the others" % got)
if bad:
    print("bench-report: FAIL: " + "; ".join(bad))
    sys.exit(1)
print("bench-report: a cell whose fio jobs ended before the last sample reports fio's own CPU; "
      "spreads and per-repetition gains as computed by hand")
PY
