"""`paddlers dump_config` as one whole process per config over the conformance corpus
(../shared/paddle-v1/configs, the configs listed in its file_list.sh), as CI runs it.
Each config is timed ROUNDS times (interleaved: round after round over the corpus); the
per-config time is its median over rounds, and the line printed is the median over configs.

    python3 benches/dump_config_timing.py target/release/paddlers ../shared/paddle-v1/configs 3

Prints `dump_config_ms median=<f> p90=<f> cpu_median=<f> configs=<n> spawn_floor=<f>
spawn_floor_cpu=<f>`: wall-clock milliseconds, the CPU milliseconds (user + system) of the
process, which stay steady on a loaded machine where wall time does not, and what starting
`true` the same way costs (the part of each time that is not ours).
"""

import os
import re
import statistics
import sys
import time


def corpus(root):
    with open(os.path.join(root, "file_list.sh")) as f:
        text = f.read()
    names = []
    for m in re.finditer(r"export \w+=\(([^)]*)\)", text):
        names += m.group(1).split()
    return [n for n in names if os.path.exists(os.path.join(root, n + ".py"))]


def timed(argv, cwd=None):
    """Wall and CPU (user + system) milliseconds of one child process run in `cwd`."""
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    here = os.getcwd()
    os.chdir(cwd or here)
    try:
        start = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=quiet)
    finally:
        os.chdir(here)
    _, _, ru = os.wait4(pid, 0)
    return (time.perf_counter() - start) * 1000.0, (ru.ru_utime + ru.ru_stime) * 1000.0


def main():
    binary, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    names = corpus(root)
    if not names:
        raise SystemExit(f"no configs listed in {root}/file_list.sh")
    wall = {n: [] for n in names}
    cpu = {n: [] for n in names}
    for _ in range(rounds):
        for n in names:
            w, c = timed([binary, "dump_config", n + ".py"], cwd=root)
            wall[n].append(w)
            cpu[n].append(c)
    floor = [timed(["true"]) for _ in range(20)]
    per = sorted(statistics.median(t) for t in wall.values())
    per_cpu = sorted(statistics.median(t) for t in cpu.values())
    p90 = per[min(len(per) - 1, int(0.9 * len(per)))]
    print(f"dump_config_ms median={statistics.median(per):.2f} p90={p90:.2f} "
          f"cpu_median={statistics.median(per_cpu):.2f} configs={len(per)} "
          f"spawn_floor={statistics.median(f[0] for f in floor):.2f} "
          f"spawn_floor_cpu={statistics.median(f[1] for f in floor):.2f}")


if __name__ == "__main__":
    main()
