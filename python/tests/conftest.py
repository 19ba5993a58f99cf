"""Shared fixtures: the repository, the CLI binary, the corpora and a local Spark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

REPO = Path(__file__).resolve().parents[2]
ARCHIVE = REPO / "examples" / "archive"


def _target_dir() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        path = Path(target)
        return path if path.is_absolute() else REPO / path
    return REPO / "target"


@pytest.fixture(scope="session")
def triage_bin() -> Path:
    """The release CLI the reports are compared with (`cargo build --release` or
    `cargo test --release` builds it; TRIAGE_BIN points elsewhere)."""
    path = Path(os.environ.get("TRIAGE_BIN") or _target_dir() / "release" / "triage")
    if not path.is_file():
        pytest.fail(f"the triage CLI is not built at {path}: run `cargo build --release` first")
    return path


def corpus_dir() -> Path | None:
    """The public corpora beside the repository, as the Rust corpus tests find them:
    ../shared/corpus for a clone (CI), ../../shared/corpus for a worktree one level
    down; PAYLOAD_TRIAGE_CORPUS overrides."""
    given = os.environ.get("PAYLOAD_TRIAGE_CORPUS")
    candidates = [Path(given)] if given else [REPO.parent / "shared" / "corpus", REPO.parent.parent / "shared" / "corpus"]
    for path in candidates:
        if path.is_dir():
            return path
    return None


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = corpus_dir()
    if path is None:
        message = "the public corpora (../shared/corpus) are not beside the repository"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI has them: missing is a failure, not a pass
        pytest.skip(message)
    return path


def cli_reports(triage: Path, *args: str) -> List[Dict]:
    """`triage validate --format json ARGS`: the JSON reports, one per line."""
    done = subprocess.run(
        [str(triage), "validate", "--format", "json", *args],
        capture_output=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr.decode(errors="replace")
    records = [json.loads(line) for line in done.stdout.decode().splitlines() if line]
    # Payload reports only: run records (the summary, I/O errors) have no `source`.
    return [r for r in records if "source" in r]


def files_under(*roots: Path) -> List[Path]:
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="session")
def spark():
    """A local Spark with two cores, as CI has."""
    pyspark = pytest.importorskip("pyspark")
    del pyspark
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # Loopback only: the tests talk to nothing but this machine.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("payload-triage-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
