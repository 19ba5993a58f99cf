"""The Spark helper under a local PySpark (`local[2]`): the sample archive and the
public corpora give, row for row, the CLI's JSON reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import unquote, urlparse

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")

from payload_triage import spark as triage  # noqa: E402

from conftest import ARCHIVE, cli_reports, files_under, party_messages, row_to_report  # noqa: E402


def local_name(source: str) -> str:
    """Spark's `file:/abs/path` (percent-encoded) as the plain path the CLI prints;
    the `#k` message number, which we append, is kept."""
    path, _, number = source.partition("#")
    plain = unquote(urlparse(path).path)
    return f"{plain}#{number}" if number else plain


def spark_reports(spark, *roots: Path) -> Dict[str, Dict[str, Any]]:
    frames = [
        spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(str(root))
        for root in roots
    ]
    files = frames[0]
    for frame in frames[1:]:
        files = files.unionByName(frame)
    result = triage.validate(files)
    assert tuple(result.columns) == triage.REPORT_COLUMNS
    rows = [row.asDict(recursive=True) for row in result.collect()]
    by_source = {local_name(r["source"]): row_to_report(r) for r in rows}
    assert len(by_source) == len(rows), "two rows with one source"
    return by_source


def assert_same_as_cli(spark_by_source: Dict[str, Dict], cli: List[Dict]) -> None:
    assert len(spark_by_source) == len(cli)
    for expected in cli:
        got = spark_by_source.get(expected["source"])
        assert got is not None, expected["source"]
        # `source` differs by design (Spark's URI against the CLI's path); every
        # other key must be equal.
        got = {k: v for k, v in got.items() if k != "source"}
        want = {k: v for k, v in expected.items() if k != "source"}
        assert got == want, expected["source"]


def test_the_sample_archive_through_spark_equals_the_cli(spark, triage_bin) -> None:
    files = files_under(ARCHIVE)
    cli = cli_reports(triage_bin, str(ARCHIVE.resolve()))
    assert len(cli) >= len(files)
    assert_same_as_cli(spark_reports(spark, ARCHIVE.resolve()), cli)


def test_sender_destinations_and_acknowledgement_through_spark_equal_the_cli(spark, triage_bin, tmp_path) -> None:
    folder = (tmp_path / "parties").resolve()
    folder.mkdir()
    for name, data in party_messages().items():
        (folder / name).write_bytes(data)
    cli = cli_reports(triage_bin, str(folder))
    assert len(cli) == 3
    assert all("sender" in r["exchange"] for r in cli)
    assert_same_as_cli(spark_reports(spark, folder), cli)
    # The columns themselves: `sender` a struct, `destinations` an array of structs
    # (null when the message names none), `acknowledgement_code` a string.
    rows = {Path(local_name(r["source"])).name: r for r in triage.validate(spark.read.format("binaryFile").load(str(folder))).collect()}
    ack = rows["ack.hl7"]["exchange"]
    assert ack["acknowledgement_code"] == "AE"
    assert (ack["sender"]["application"], ack["sender"]["facility"], ack["sender"]["id"]) == ("LABAPP", "NORTHLAB", None)
    assert [(p["application"], p["facility"]) for p in ack["destinations"]] == [("EHRAPP", "GENHOSP")]
    redox = rows["redox.json"]["exchange"]
    assert redox["acknowledgement_code"] is None
    assert [p["name"] for p in redox["destinations"]] == ["Triage Exchange", None]
    xcpd = rows["xcpd.xml"]["exchange"]
    assert xcpd["sender"]["issuer"] == "CN=north gateway"
    assert xcpd["destinations"] is None
    schema = triage.report_schema()["exchange"].dataType
    assert schema["sender"].dataType.simpleString().startswith("struct<id:string")
    assert schema["destinations"].dataType.simpleString().startswith("array<struct<id:string")
    assert spark.createDataFrame([], triage.REPORT_SCHEMA_DDL).schema == triage.report_schema()


def test_the_public_corpora_through_spark_equal_the_cli(spark, triage_bin, corpus) -> None:
    roots = sorted(p.resolve() for p in corpus.iterdir() if p.is_dir())
    assert roots, f"no corpus folders in {corpus}"
    cli = cli_reports(triage_bin, *map(str, roots))
    assert len(cli) >= 500
    assert_same_as_cli(spark_reports(spark, *roots), cli)


def test_bad_rows_never_fail_the_job(spark) -> None:
    from pyspark.sql.types import BinaryType, StringType, StructField, StructType

    schema = StructType([StructField("name", StringType()), StructField("payload", BinaryType())])
    data = [
        ("null", None),
        ("empty", bytearray()),
        ("noise", bytearray(range(256))),
        (None, bytearray(b"MSH|^~\\&|A|B|C|D|20240312083000||ADT^A01|1|P|2.5.1\r")),
    ]
    df = spark.createDataFrame(data, schema)
    rows = {r["source"]: r for r in triage.validate(df, "payload", "name").collect()}
    assert set(rows) == {"null", "empty", "noise", ""}
    null = rows["null"]
    assert null["valid"] is None and null["traffic_type"] is None and null["diagnostics"] is None
    assert rows["empty"]["valid"] is False
    assert [d["code"] for d in rows["empty"]["diagnostics"]] == ["EMPTY_PAYLOAD"]
    assert rows["noise"]["traffic_type"] == "other"
    assert rows[""]["format"] == "hl7v2"
    assert rows[""]["exchange"]["message_type"] == "ADT"
    assert rows[""]["exchange"]["sender"]["application"] == "A"
    assert null["exchange"] is None


def test_messages_and_options(spark, triage_bin) -> None:
    capture = next(p for p in files_under(ARCHIVE) if len(cli_reports(triage_bin, str(p))) > 1)
    df = spark.createDataFrame([(capture.name, bytearray(capture.read_bytes()))], "name string, content binary")
    per_message = triage.validate(df, source="name").collect()
    assert len(per_message) == len(cli_reports(triage_bin, str(capture)))
    assert per_message[0]["source"] == f"{capture.name}#1"
    one = triage.validate(df, source="name", messages=False).collect()
    assert len(one) == 1 and one[0]["source"] == capture.name
    assert "PAYLOAD_HOLDS_SEVERAL_MESSAGES" in [d["code"] for d in one[0]["diagnostics"]]
    hinted = triage.validate(df, source=None, hint="other", environment="production").collect()
    assert all(r["traffic_type"] == "other" for r in hinted)
    # Unnamed: the library numbers the messages of an unnamed payload `#1`, `#2`, ...
    assert [r["source"] for r in hinted] == [f"#{k}" for k in range(1, len(hinted) + 1)]


def test_configuration_and_column_errors_fail_on_the_driver(spark) -> None:
    df = spark.createDataFrame([("a", "MSH|")], "name string, content string")
    with pytest.raises(TypeError, match="binary"):
        triage.validate(df, source="name")
    good = df.selectExpr("name", "cast(content as binary) as content")
    with pytest.raises(ValueError):
        triage.validate(good, config="[limits]\nnope = 1\n")
    with pytest.raises(ValueError):
        triage.validate(good, timezone="Nowhere/Never")


def test_one_engine_per_process_across_batches_and_tasks() -> None:
    import pyarrow as pa

    from payload_triage.spark import _builds, _validate_batches, report_schema

    arrow_schema = triage._arrow_schema(report_schema())
    config = "[limits]\nother = 123456\n"
    before = _builds()
    batches = [
        pa.RecordBatch.from_pydict({"content": [b"a", None], "path": ["x", "y"]}),
        pa.RecordBatch.from_pydict({"content": [b"b"], "path": ["z"]}),
    ]
    for _task in range(3):
        out = list(
            _validate_batches(
                iter(batches), arrow_schema=arrow_schema, config=config, options={}, has_source=True
            )
        )
        assert [b.num_rows for b in out] == [2, 1]
        assert out[0].column("limit_bytes").to_pylist() == [123456, None]
    # Six batches over three "tasks" in this process: one engine.
    assert _builds()[0] - before[0] == 1
    assert config in triage._ENGINES
