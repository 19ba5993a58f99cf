"""Figures for python/README.md: Spark local[2] against the CLI on the same files, in
the same run, and the Python per-call overhead against the Rust library.

    python python/bench/throughput.py [--messages 10000] [--triage target/release/triage]

W1-style data: 10,000 HL7 v2 ORU^R01 messages of 1,000 bytes, one file each (generated here into
a temporary folder; nothing is read from outside the repository). Each timing is the
best of --repeat runs after one warm-up; Spark's start-up is reported apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import payload_triage
from payload_triage import spark as triage

REPO = Path(__file__).resolve().parents[2]


def message(i: int) -> bytes:
    """An ORU^R01 of 1,000 bytes; fields vary with i so no two files are equal."""
    day = 1 + i % 28
    segments = [
        f"MSH|^~\\&|LAB{i % 7}|HOSP|EHR|HOSP|202403{day:02d}0830{i % 60:02d}-0500||ORU^R01^ORU_R01|MSG{i:08d}|P|2.5.1",
        f"PID|1||{100000 + i}^^^HOSP^MR||Doe^Jane^{chr(65 + i % 26)}||19{50 + i % 50}0101|F|||1 Main St^^Springfield^IL^62701",
        f"PV1|1|O|CLINIC^{i % 20}^1||||{2000 + i % 300}^Smith^John",
        f"ORC|RE|ORD{i}|FIL{i}||CM",
        f"OBR|1|ORD{i}|FIL{i}|24323-8^Comprehensive metabolic panel^LN|||202403{day:02d}0800-0500|||||||||{2000 + i % 300}^Smith^John",
    ]
    tests = [("2345-7", "Glucose", "mg/dL"), ("2160-0", "Creatinine", "mg/dL"), ("17861-6", "Calcium", "mg/dL"),
             ("2951-2", "Sodium", "mmol/L"), ("2823-3", "Potassium", "mmol/L"), ("2075-0", "Chloride", "mmol/L")]
    for k, (code, name, unit) in enumerate(tests, start=1):
        segments.append(
            f"OBX|{k}|NM|{code}^{name}^LN||{(i * 7 + k) % 150 + 1}|{unit}|1-100|N|||F|||202403{day:02d}0815-0500"
        )
    text = "\r".join(segments) + "\r"
    # A comment segment brings the message to 1,000 bytes exactly.
    pad = 1000 - len(text) - len("NTE|1|L|\r")
    if pad > 0:
        text += "NTE|1|L|" + "Specimen received in good condition. " * (pad // 37 + 1)
        text = text[: 1000 - 1] + "\r"
    return text.encode()


def best(repeat: int, run) -> float:
    run()  # warm-up: page cache, JIT, Python workers
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    parser.add_argument("--triage", default=str((REPO / target if not target.is_absolute() else target) / "release" / "triage"))
    args = parser.parse_args()
    n = args.messages

    with tempfile.TemporaryDirectory(prefix="triage-bench-") as tmp:
        root = Path(tmp) / "w1"
        for i in range(n):
            folder = root / f"{i // 1000:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{i:06d}.hl7").write_bytes(message(i))
        total = sum(len(message(i)) for i in range(n))
        print(f"data: {n} HL7 v2 messages, {total / n:.0f} bytes on average, one file each")
        print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, payload_triage {payload_triage.__version__}")

        # 1. The CLI on the files.
        def cli() -> None:
            subprocess.run([args.triage, "validate", "--format", "json", str(root)],
                           stdout=subprocess.DEVNULL, check=False)
        t_cli = best(args.repeat, cli)

        # 2. Spark local[2] on the same files.
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        start = time.perf_counter()
        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            # Many small files: pack them into one split per core instead of one task
            # per 4 MB of nominal open cost.
            .config("spark.sql.files.openCostInBytes", str(8 * 1024))
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        t_start = time.perf_counter() - start

        def spark_files() -> None:
            files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(str(root))
            triage.validate(files).write.format("noop").mode("overwrite").save()
        t_spark = best(args.repeat, spark_files)

        # 3. Spark local[2] on a cached in-memory table of the same payloads.
        table = (
            spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(str(root))
            .select("path", "content").repartition(2).cache()
        )
        assert table.count() == n

        def spark_table() -> None:
            triage.validate(table).write.format("noop").mode("overwrite").save()
        t_table = best(args.repeat, spark_table)
        rows = triage.validate(table).count()

        # 4. Spark's own floor, with no validation: reading the files alone, and a
        # mapInArrow that takes the same payload batches to Python and hands back each
        # row's source, over the files and over the cached table.
        def passthrough(batches):
            import pyarrow as pa

            for batch in batches:
                yield pa.RecordBatch.from_arrays([batch.column(1)], names=["source"])

        def spark_read() -> None:
            files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(str(root))
            files.select("path", "content").write.format("noop").mode("overwrite").save()
        t_read = best(args.repeat, spark_read)

        def spark_files_floor() -> None:
            files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(str(root))
            (files.select("content", "path").mapInArrow(passthrough, "source STRING")
             .write.format("noop").mode("overwrite").save())
        t_files_floor = best(args.repeat, spark_files_floor)

        def spark_table_floor() -> None:
            (table.select("content", "path").mapInArrow(passthrough, "source STRING")
             .write.format("noop").mode("overwrite").save())
        t_table_floor = best(args.repeat, spark_table_floor)
        spark.stop()

        # 5. Per call, 1 KB: Python `engine.validate` against the Rust library itself.
        engine = payload_triage.Engine()
        one_kb = message(1)
        assert len(one_kb) == 1000
        calls = 20_000
        rust = min(engine._time_rust(one_kb, calls) for _ in range(args.repeat)) / calls
        def py_calls() -> None:
            validate = engine.validate
            for _ in range(calls):
                validate(one_kb)
        python = best(args.repeat, py_calls) / calls

        print()
        print("| what | time | rows/s | against the CLI |")
        print("| --- | --- | --- | --- |")
        print(f"| CLI `triage validate --format json DIR` | {t_cli:.2f} s | {n / t_cli:,.0f} | 1.00 |")
        print(f"| Spark local[2], `binaryFile` over the files | {t_spark:.2f} s | {n / t_spark:,.0f} | {t_spark / t_cli:.2f}× the time |")
        print(f"| Spark local[2], cached table of the payloads | {t_table:.2f} s | {n / t_table:,.0f} | {t_table / t_cli:.2f}× the time |")
        print(f"| Spark's floor: `binaryFile` read alone, no Python | {t_read:.2f} s | {n / t_read:,.0f} | {t_read / t_cli:.2f}× the time |")
        print(f"| Spark's floor: files through a pass-through `mapInArrow` | {t_files_floor:.2f} s | {n / t_files_floor:,.0f} | {t_files_floor / t_cli:.2f}× the time |")
        print(f"| Spark's floor: cached table through a pass-through `mapInArrow` | {t_table_floor:.2f} s | {n / t_table_floor:,.0f} | {t_table_floor / t_cli:.2f}× the time |")
        print(f"\nSpark session start-up (not in the figures above): {t_start:.1f} s; result rows: {rows}")
        print()
        print("| 1 KB HL7 v2 message, per call | µs |")
        print("| --- | --- |")
        print(f"| Rust library `Engine::validate` | {rust * 1e6:.1f} |")
        print(f"| Python `engine.validate(data)` | {python * 1e6:.1f} |")
        print(f"| Python overhead | {(python - rust) * 1e6:.1f} ({(python / rust - 1) * 100:.0f} %) |")


if __name__ == "__main__":
    main()
