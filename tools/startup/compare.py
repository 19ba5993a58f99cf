#!/usr/bin/env python3
"""Start-up wall time of `triage validate` on small inputs, two binaries side by side.

    tools/startup/compare.py BEFORE AFTER FILE... [--rounds 40]

Runs `BEFORE validate --format json FILE` and `AFTER ...` in turn for each FILE, for
--rounds rounds, so a change in the machine's load falls on both alike, and prints the
medians as a Markdown table, with `/bin/true` for the cost of starting a process from
Python. A measurement, not a test: nothing is asserted.
"""
import argparse
import statistics
import subprocess
import time


def wall(argv):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    times = {}
    for _ in range(args.rounds):
        for path in args.files:
            for which in ("before", "after"):
                argv = [getattr(args, which), "validate", "--format", "json", path]
                times.setdefault((which, path), []).append(wall(argv))
        times.setdefault(("true", ""), []).append(wall(["/bin/true"]))
    print("| input | before | after | before ÷ after |")
    print("| --- | --- | --- | --- |")
    for path in args.files:
        b = statistics.median(times[("before", path)])
        a = statistics.median(times[("after", path)])
        print(f"| {path} | {b * 1e3:.2f} ms | {a * 1e3:.2f} ms | {b / a:.2f} |")
    print(f"| /bin/true | {statistics.median(times[('true', '')]) * 1e3:.2f} ms | | |")


if __name__ == "__main__":
    main()
