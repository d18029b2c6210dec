"""`paddlers dump_config` as one whole process per config over the conformance corpus
(../shared/paddle-v1/configs, the configs listed in its file_list.sh), as CI runs it.
Each config is timed ROUNDS times (interleaved: round after round over the corpus); the
per-config time is its median over rounds, and the line printed is the median over configs.

    python3 benches/dump_config_timing.py target/release/paddlers ../shared/paddle-v1/configs 3

Prints `dump_config_ms median=<f> p90=<f> configs=<n> spawn_floor=<f>`, the last being what
starting `true` the same way costs (the part of each time that is not ours).
"""

import os
import re
import statistics
import subprocess
import sys
import time


def corpus(root):
    with open(os.path.join(root, "file_list.sh")) as f:
        text = f.read()
    names = []
    for m in re.finditer(r"export \w+=\(([^)]*)\)", text):
        names += m.group(1).split()
    return [n for n in names if os.path.exists(os.path.join(root, n + ".py"))]


def main():
    binary, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    names = corpus(root)
    if not names:
        raise SystemExit(f"no configs listed in {root}/file_list.sh")
    times = {n: [] for n in names}
    for _ in range(rounds):
        for n in names:
            start = time.perf_counter()
            subprocess.run([binary, "dump_config", n + ".py"], cwd=root,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[n].append((time.perf_counter() - start) * 1000.0)
    floor = []
    for _ in range(20):
        start = time.perf_counter()
        subprocess.run(["true"], stdout=subprocess.DEVNULL)
        floor.append((time.perf_counter() - start) * 1000.0)
    per = sorted(statistics.median(t) for t in times.values())
    p90 = per[min(len(per) - 1, int(0.9 * len(per)))]
    print(f"dump_config_ms median={statistics.median(per):.2f} p90={p90:.2f} configs={len(per)} "
          f"spawn_floor={statistics.median(floor):.2f}")


if __name__ == "__main__":
    main()
