"""Shared fixtures: the repository, the CLI binary, the corpora and a local Spark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

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


def party_messages() -> Dict[str, bytes]:
    """Messages that name their sender and destinations, one per format that carries
    them, every party field among them: an HL7 v2 ACK (MSH-3..6, MSA-1), a Redox
    message with two destinations (the second with an ID only), and the archive's XCPD
    request given a WS-Addressing From and a SAML issuer and home community id."""
    ack = (
        b"MSH|^~\\&|LABAPP|NORTHLAB|EHRAPP|GENHOSP|20240312083000||ACK^R01^ACK|ACK0001|P|2.5.1\r"
        b"MSA|AE|MSG0001\r"
    )
    redox = json.dumps(
        {
            "Meta": {
                "DataModel": "PatientAdmin",
                "EventType": "Arrival",
                "EventDateTime": "2024-03-12T13:30:15.123Z",
                "Test": True,
                "Source": {"ID": "7ce6f387-c33c-417d-8682-81e83628cbd9", "Name": "North EHR"},
                "Destinations": [
                    {"ID": "af394f14-b34a-464f-8d24-895f370af4c9", "Name": "Triage Exchange"},
                    {"ID": "0f6f2c3e-1111-4222-8333-444455556666"},
                ],
            },
            "Patient": {
                "Identifiers": [{"ID": "0000000001", "IDType": "MR"}],
                "Demographics": {"FirstName": "Timothy", "LastName": "Bixby", "DOB": "2008-01-06", "Sex": "Male"},
            },
            "Visit": {"VisitNumber": "1234", "VisitDateTime": "2024-03-12T13:30:15.123Z"},
        }
    ).encode()
    header = (
        b"    <wsa:From><wsa:Address>https://gateway.north.example/xcpd</wsa:Address></wsa:From>\n"
        b'    <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">\n'
        b'      <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" '
        b'IssueInstant="2024-03-12T13:30:00Z" Version="2.0">\n'
        b"        <saml:Issuer>CN=north gateway</saml:Issuer>\n"
        b'        <saml:AttributeStatement><saml:Attribute Name="urn:nhin:names:saml:homeCommunityId">'
        b"<saml:AttributeValue>urn:oid:2.16.840.1.113883.3.72.6.5</saml:AttributeValue>"
        b"</saml:Attribute></saml:AttributeStatement>\n"
        b"      </saml:Assertion>\n"
        b"    </wsse:Security>\n"
    )
    xcpd = (ARCHIVE / "carequality" / "xcpd_patient_discovery_request.xml").read_bytes()
    assert b"    <wsa:To>" in xcpd
    xcpd = xcpd.replace(b"    <wsa:To>", header + b"    <wsa:To>", 1)
    return {"ack.hl7": ack, "redox.json": redox, "xcpd.xml": xcpd}


def present(struct: Dict[str, Any]) -> Dict[str, Any]:
    """A struct without its null fields: the JSON object without its absent keys."""
    return {k: v for k, v in struct.items() if v is not None}


def row_to_report(row: Dict[str, Any]) -> Dict[str, Any]:
    """A result row back in the shape of the JSON report: optional keys absent when
    null, `exchange` (and its `sender` and `destinations` parties) without its null
    fields, `embedded` parsed."""
    report = dict(row)
    for key in ("content_looks_like", "encoded_bytes", "exchange", "source_profile", "redacted"):
        if report.get(key) is None:
            report.pop(key, None)
    if "exchange" in report:
        exchange = present(report["exchange"])
        if "sender" in exchange:
            exchange["sender"] = present(exchange["sender"])
        if "destinations" in exchange:
            exchange["destinations"] = [present(p) for p in exchange["destinations"]]
        report["exchange"] = exchange
    report["embedded"] = json.loads(report["embedded"])
    return report


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
