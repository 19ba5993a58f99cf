"""In-process cost per row of the Spark helper's batch function, without Spark: one
Arrow batch of W1-style 1 KB HL7 v2 messages (bench/throughput.py's `message`) through
the steps `_validate_batches` takes, against the Rust library alone on one message.

    python python/bench/inproc.py [--rows 5000] [--repeat 5]

Each figure is the best of --repeat runs, in µs per row. Runs against the installed
wheel; with a wheel from before the Arrow-buffer path (`Engine._columns` and Python
lists) it times that path instead, so before and after come from one script.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import message  # noqa: E402

from payload_triage import spark as triage  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.rows
    contents = [message(i) for i in range(n)]
    sources = [f"file:/tmp/w1/{i:06d}.hl7" for i in range(n)]
    batch = pa.RecordBatch.from_arrays(
        [pa.array(contents, pa.binary()), pa.array(sources, pa.string())], names=["content", "path"]
    )
    arrow_schema = triage._arrow_schema(triage.report_schema())
    engine = triage._engine(None)
    options = {"hint": None, "timezone": None, "environment": None, "messages": True}
    new = hasattr(engine, "_arrow_columns")

    steps = {"read input": [], "engine (validate + columns)": [], "build Arrow batch": [], "total": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        if new:
            c = triage._var_buffers(batch.column(0), pa.binary())
            s = triage._var_buffers(batch.column(1), pa.string())
        else:
            c = batch.column(0).to_pylist()
            s = batch.column(1).to_pylist()
        t1 = time.perf_counter()
        if new:
            columns = engine._arrow_columns(c, s, **options)
        else:
            columns = [engine._columns(c, s, **options)]
        t2 = time.perf_counter()
        out = [triage._to_arrow(x, arrow_schema) for x in columns]
        t3 = time.perf_counter()
        assert sum(b.num_rows for b in out) == n
        for name, took in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
            steps[name].append(took)
    rust = engine._time_rust(contents[0], 2000) / 2000
    print(f"path: {'Arrow buffers (_arrow_columns)' if new else 'Python lists (_columns)'}; {n} rows")
    print("| step | µs per row |")
    print("| --- | --- |")
    for name, times in steps.items():
        print(f"| {name} | {1e6 * min(times) / n:.1f} |")
    print(f"| Rust `Engine::validate` alone, one message | {1e6 * rust:.1f} |")


if __name__ == "__main__":
    main()
