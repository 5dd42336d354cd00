"""Kernel instructions by function in the counted windows of a --cost run.

With ZCFUSE_COST_PROFILE=1, bench/vm-bench --cost has the zcfuse-cost plugin
write, at each marker, the kernel instructions each function executed since
the previous marker ("prof SEQ NAME INSNS" lines in plugin-snaps.txt). This
prints each counted run's kernel total and, for each pair A,B given, the
functions whose instructions differ most between run A and run B: what a
window that cost more spent it on.

Usage: python3 bench/cost_profile.py DIR [CONFIG:REP:PASS,CONFIG:REP:PASS ...]
  e.g. zcfuse-uring:2:i2.1,zcfuse-uring:1:i2.1 (DIR holds cost.tsv and
  plugin-snaps.txt)
"""

import collections
import csv
import os
import sys


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-3], file=sys.stderr)
        return 2
    d = sys.argv[1]
    prof = collections.defaultdict(dict)
    with open(os.path.join(d, "plugin-snaps.txt"), encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.split()
            if len(p) == 4 and p[0] == "prof":
                prof[int(p[1])][p[2]] = int(p[3])
    if not prof:
        print("no prof lines in %s/plugin-snaps.txt (run with ZCFUSE_COST_PROFILE=1)" % d, file=sys.stderr)
        return 1
    win = {}
    with open(os.path.join(d, "cost.tsv"), encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if not r.get("mark_after"):
                continue
            # the marks bracket the run, so the after-mark's lines are the window
            w = prof.get(int(r["mark_after"]), {})
            win[(r["config"], r["rep"], r["pass"])] = w
            print("%s rep %s %s: kernel %d" % (r["config"], r["rep"], r["pass"], sum(w.values())))
    for pair in sys.argv[2:]:
        a, b = (tuple(x.split(":")) for x in pair.split(","))
        if a not in win or b not in win:
            print("no such run: %s" % pair, file=sys.stderr)
            return 1
        pa, pb = win[a], win[b]
        diff = {fn: pb.get(fn, 0) - pa.get(fn, 0) for fn in set(pa) | set(pb)}
        print("== %s -> %s: %+d kernel instructions" % (":".join(a), ":".join(b), sum(diff.values())))
        for fn, v in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:25]:
            print("  %-40s %+10d  (%d -> %d)" % (fn, v, pa.get(fn, 0), pb.get(fn, 0)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
