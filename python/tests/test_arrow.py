"""The Spark helper's batch function at the Arrow level, without Spark: the result
batch that the engine fills from the payload column's buffers is valid Arrow, holds the
library's reports row for row (nulls where the JSON report has no key, null rows for
null payloads), reads sliced and large-offset input, splits where Arrow `string` would
overflow, and turns a bad buffer into a ValueError."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

pa = pytest.importorskip("pyarrow")
pytest.importorskip("pyspark")

from payload_triage import Engine  # noqa: E402
from payload_triage import spark as triage  # noqa: E402

from conftest import ARCHIVE, files_under, party_messages, row_to_report  # noqa: E402

OPTIONS = {"hint": None, "timezone": None, "environment": None, "messages": True}
ADT = b"MSH|^~\\&|A|B|C|D|20240312083000||ADT^A01|1|P|2.5.1\rEVN|A01|20240312083000\r"


@pytest.fixture(scope="module")
def arrow_schema():
    return triage._arrow_schema(triage.report_schema())


def payloads() -> List[Optional[bytes]]:
    """Nulls among reports with and without exchange, sender, destinations,
    diagnostics and datetimes, and a payload of several messages."""
    capture = next(p for p in files_under(ARCHIVE) if p.suffix == ".mllp")
    clean = next(p for p in files_under(ARCHIVE) if not Engine().validate(p.read_bytes()).diagnostics)
    return [
        None,
        ADT,
        b"",
        bytes(range(256)),
        None,
        *party_messages().values(),
        capture.read_bytes(),
        b'{"resourceType": "Patient", "id": "x"}',
        "MSH|^~\\&|Ä|B|C|D|20240312083000||ADT^A01|1|P|2.5.1\r".encode(),
        None,
        (ARCHIVE / "fhir" / "bundle_message_with_pdf.json").read_bytes(),  # embeds a report
        clean.read_bytes(),
    ]


def run(arrow_schema, batch, has_source: bool = True, **extra: Any) -> List["pa.RecordBatch"]:
    engine = triage._engine(None)
    out = list(triage._report_batches(engine, batch, arrow_schema, OPTIONS, has_source, **extra))
    for b in out:
        b.validate(full=True)
        assert b.schema == arrow_schema
    return out


def rows(batches) -> List[Dict[str, Any]]:
    return [row for b in batches for row in b.to_pylist()]


def expected(data: List[Optional[bytes]], names: List[Optional[str]]) -> List[Dict[str, Any]]:
    """The library's JSON reports, one per message; a null payload is None."""
    engine = Engine()
    out: List[Any] = []
    for payload, name in zip(data, names):
        if payload is None:
            out.append((None, name))
        else:
            out += [r.to_dict() for r in engine.validate_messages(payload, source=name or "")]
    return out


def check(got: List[Dict[str, Any]], want: List[Any]) -> None:
    assert len(got) == len(want)
    for row, report in zip(got, want):
        if isinstance(report, tuple):
            # A null payload: its source, every other column null.
            assert row["source"] == report[1]
            assert all(v is None for k, v in row.items() if k != "source"), row
        else:
            assert row_to_report(row) == report


def test_the_batch_holds_the_library_reports_with_nulls(arrow_schema) -> None:
    data = payloads()
    names = [f"p{i}" if i != 2 else None for i in range(len(data))]
    batch = pa.RecordBatch.from_arrays(
        [pa.array(data, pa.binary()), pa.array(names, pa.string())], names=["content", "path"]
    )
    [out] = run(arrow_schema, batch)
    got = rows([out])
    check(got, expected(data, names))
    assert len(got) > len(data)  # the capture gave several rows
    assert any(r["embedded"] != "[]" for r in got)
    by_source = {r["source"]: r for r in got}
    adt = by_source["p1"]
    assert by_source[f"p{len(data) - 1}"]["diagnostics"] == []
    assert adt["exchange"]["destinations"] == [
        {"id": None, "name": None, "application": "C", "facility": "D", "address": None,
         "home_community_id": None, "issuer": None}
    ]
    noise = by_source["p3"]
    # No exchange: a null struct, not a struct of nulls; no datetimes: an empty list.
    assert noise["exchange"] is None and noise["datetimes"] == []
    assert noise["redacted"] is None and noise["content_looks_like"] is None
    xcpd = by_source["p7"]
    assert xcpd["exchange"]["sender"]["issuer"] == "CN=north gateway"
    assert xcpd["exchange"]["destinations"] is None
    nulls = [r for r in got if r["valid"] is None]
    assert [r["source"] for r in nulls] == ["p0", "p4", f"p{len(data) - 3}"]
    assert all(r["diagnostics"] is None and r["exchange"] is None for r in nulls)


def test_no_source_column_and_an_empty_batch(arrow_schema) -> None:
    data = [ADT, None]
    batch = pa.RecordBatch.from_arrays([pa.array(data, pa.binary())], names=["content"])
    got = rows(run(arrow_schema, batch, has_source=False))
    check(got, expected(data, [None, None]))
    assert got[0]["source"] == ""
    empty = pa.RecordBatch.from_arrays(
        [pa.array([], pa.binary()), pa.array([], pa.string())], names=["content", "path"]
    )
    out = run(arrow_schema, empty)
    assert [b.num_rows for b in out] == [0]


def test_sliced_large_and_chunked_input_read_as_plain(arrow_schema) -> None:
    data = payloads()
    names = [f"p{i}" for i in range(len(data))]
    whole = pa.RecordBatch.from_arrays(
        [pa.array(data, pa.binary()), pa.array(names, pa.string())], names=["content", "path"]
    )
    want = rows(run(arrow_schema, whole.slice(3, 6)))
    assert want and want[0]["source"] == "p3"
    # A slice has an offset into its buffers (and a validity bitmap shifted with it).
    assert whole.slice(3, 6).column(0).offset == 3
    large = pa.RecordBatch.from_arrays(
        [pa.array(data, pa.large_binary()).slice(3, 6), pa.array(names, pa.large_string()).slice(3, 6)],
        names=["content", "path"],
    )
    assert rows(run(arrow_schema, large)) == want
    viewed = pa.RecordBatch.from_arrays(
        [pa.array(data, pa.binary()).slice(3, 6).cast(pa.binary_view()), pa.array(names[3:9], pa.string())],
        names=["content", "path"],
    )
    assert rows(run(arrow_schema, viewed)) == want


def test_a_batch_past_the_string_limit_is_split_not_overflowed(arrow_schema) -> None:
    data = payloads()
    names = [f"p{i}" for i in range(len(data))]
    batch = pa.RecordBatch.from_arrays(
        [pa.array(data, pa.binary()), pa.array(names, pa.string())], names=["content", "path"]
    )
    [whole] = run(arrow_schema, batch)
    # Every report's text passes one byte: each chunk takes one row.
    one_each = run(arrow_schema, batch, chunk_bytes=1)
    assert [b.num_rows for b in one_each] == [1] * whole.num_rows
    assert rows(one_each) == rows([whole])
    some = run(arrow_schema, batch, chunk_bytes=4000)
    assert 1 < len(some) < whole.num_rows
    assert rows(some) == rows([whole])


def var(length: int, offset: int, width: int, validity, offsets: bytes, data: bytes):
    return (length, offset, width, validity, offsets, data)


def i32(*values: int) -> bytes:
    return b"".join(v.to_bytes(4, "little", signed=True) for v in values)


@pytest.mark.parametrize(
    "contents, detail",
    [
        (var(2, 0, 4, None, i32(0, 3), b"abc"), "offsets out of range at row 1"),
        (var(1, 0, 4, None, i32(0, 4), b"abc"), "offsets out of range at row 0"),
        (var(1, 0, 4, None, i32(2, 1), b"abc"), "offsets out of range at row 0"),
        (var(1, 0, 4, None, i32(-1, 1), b"abc"), "offsets out of range at row 0"),
        (var(1, 5, 4, None, i32(0, 1), b"abc"), "offsets out of range at row 0"),
        (var(9, 0, 4, b"\xff", i32(*range(10)), b"abcdefghij"), "validity bitmap too short at row 8"),
        (var(1, 0, 2, None, b"\0\0\0\0", b""), "4 or 8 bytes wide"),
        (var(1, 2**63, 4, None, i32(0, 1), b"a"), "offsets out of range"),
        (var(1, 0, 8, None, i32(0, 1), b"a"), "offsets out of range at row 0"),
    ],
)
def test_a_bad_buffer_is_a_value_error(contents, detail) -> None:
    engine = triage._engine(None)
    with pytest.raises(ValueError, match="contents: the Arrow buffers") as caught:
        engine._arrow_columns(contents, None, **OPTIONS)
    assert detail in str(caught.value)


def test_bad_source_columns_are_value_errors() -> None:
    engine = triage._engine(None)
    contents = var(1, 0, 4, None, i32(0, 1), b"a")
    with pytest.raises(ValueError, match="sources: row 0 is not UTF-8"):
        engine._arrow_columns(contents, var(1, 0, 4, None, i32(0, 1), b"\xff"), **OPTIONS)
    with pytest.raises(ValueError, match="sources has 2 rows for 1 payloads"):
        engine._arrow_columns(contents, var(2, 0, 4, None, i32(0, 1, 2), b"ab"), **OPTIONS)
    # A null slot is never read: its offsets may be anything in range.
    [out] = engine._arrow_columns(var(1, 0, 4, b"\0", i32(0, 0), b""), None, **OPTIONS)
    assert out["source"][1:3] == (1, 1)
