"""Peak memory and time of the data stages, streamed (the pipeline's) vs all in memory.

For each size (n_samples x replicates) it runs, each in a fresh Python process:

* ``simulate``: ``l1l2.tables.write_simulated`` (one replicate at a time, with the checksum
  sidecar) and, as the baseline, ``l1l2.data.simulate(...).to_csv`` (the whole table in memory);
* ``split``: ``l1l2.tables.write_split`` (reads, checks and splits one replicate at a time) and
  the baseline ``pandas.read_csv`` + ``l1l2.data.split`` + ``to_csv``;

and prints the peak RSS (``getrusage`` of the process) and wall time of each, the file size, and
whether the streamed and the in-memory files are byte-identical.

    .venv/bin/python benchmarks/data_streaming.py                   # n = 1e6 x 1, 50 x 1e5
    .venv/bin/python benchmarks/data_streaming.py --sizes 1000000x1 --skip-baseline
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
from l1l2.data import Scenario, simulate, split
from l1l2.tables import Expected, write_simulated, write_split
import pandas as pd
stage, mode, n, reps, folder = sys.argv[1:6]
n, reps = int(n), int(reps)
scenario = Scenario("sine", 0.2, n)
seed, domain, test_size, folds = 7, (-1.0, 1.0), 0.25, 5
start = time.perf_counter()
simulated, target = f"{folder}/simulated.csv", f"{folder}/{stage}.{mode}.csv"
if stage == "simulate" and mode == "streamed":
    write_simulated(target, scenario, reps, seed, domain)
elif stage == "simulate":
    simulate(scenario, reps, seed, domain).to_csv(target, index=False)
elif mode == "streamed":
    expected = Expected("sine", 0.2, n, reps, domain, test_size, folds)
    write_split(simulated, target, expected, scenario.name, seed, checksum=simulated + ".sha256")
else:
    split(pd.read_csv(simulated), scenario.name, seed, test_size, folds).to_csv(target, index=False)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak": peak}))
"""


def measure(stage, mode, n, reps, folder):
    out = subprocess.run(
        [sys.executable, "-c", CHILD, stage, mode, str(n), str(reps), folder],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1000000x1", "50x100000"])
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    head = ("n x replicates", "stage", "mode", "peak RSS", "time", "file")
    print("{:>16} {:>9} {:>9} {:>10} {:>8} {:>9}".format(*head))
    for size in args.sizes:
        n, reps = (int(float(v)) for v in size.split("x"))
        with tempfile.TemporaryDirectory() as folder:
            modes = ["streamed"] + ([] if args.skip_baseline else ["memory"])
            for stage in ("simulate", "split"):
                for mode in modes:
                    got = measure(stage, mode, n, reps, folder)
                    path = f"{folder}/{stage}.{mode}.csv"
                    if stage == "simulate" and mode == "streamed":
                        os.replace(path, f"{folder}/simulated.csv")
                        os.replace(path + ".sha256", f"{folder}/simulated.csv.sha256")
                        path = f"{folder}/simulated.csv"
                    print(
                        f"{size:>16} {stage:>9} {mode:>9} {got['peak'] / 2**20:>8.0f} MB "
                        f"{got['seconds']:>7.1f}s {os.path.getsize(path) / 2**20:>6.0f} MB"
                    )
                if not args.skip_baseline:
                    streamed = (
                        f"{folder}/simulated.csv"
                        if stage == "simulate"
                        else f"{folder}/{stage}.streamed.csv"
                    )
                    same = filecmp.cmp(streamed, f"{folder}/{stage}.memory.csv", shallow=False)
                    print(f"{'':>16} {stage:>9} streamed == in memory, byte for byte: {same}")


if __name__ == "__main__":
    main()
