"""Validate a Spark DataFrame column of binary payloads with payload-triage.

Each executor's Python worker builds the engine once (on its first Arrow batch) and
reuses it for every later batch and task; the payloads go through ``mapInArrow`` in
Arrow batches, whose buffers the engine reads and whose result buffers it fills, so no
Python object is made per row or per value. The result has one row per message, with
the CLI's JSON report as Spark columns::

    from pyspark.sql import SparkSession
    from payload_triage import spark as triage

    spark = SparkSession.builder.getOrCreate()
    files = (spark.read.format("binaryFile")
             .option("recursiveFileLookup", "true")
             .load("s3a://bucket/hl7/2024/"))
    reports = triage.validate(files)             # columns: see REPORT_COLUMNS
    reports.where("NOT valid").select("source", "diagnostics").show()

The job runs unchanged on a cluster, provided the ``payload-triage`` wheel is installed
on the executors (it is the same abi3 wheel everywhere).

A bad row never fails the job: malformed, empty or over-limit payloads get a report; a
null payload gets a row with its ``source`` and every other column null.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, Optional, Tuple

from ._native import _EXCHANGE_FIELDS, _PARTY_FIELDS, Engine

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

__all__ = ["REPORT_COLUMNS", "REPORT_SCHEMA_DDL", "report_schema", "validate"]

# The diagnostics and datetimes are arrays of structs; `exchange` is a struct whose
# fields are all optional (its `sender` a party struct, its `destinations` an array of
# them; the fields added after the first release come last); `embedded` (nested reports of embedded files) is the JSON
# array of the contract as text, because Spark has no recursive types.
_PARTY = "STRUCT<" + ", ".join(f"{name}: STRING" for name in _PARTY_FIELDS) + ">"
_COLUMNS = (
    ("source", "STRING"),
    ("traffic_type", "STRING"),
    ("format", "STRING"),
    ("size_bytes", "BIGINT"),
    ("valid", "BOOLEAN"),
    ("diagnostics", "ARRAY<STRUCT<code: STRING, severity: STRING, path: STRING, message: STRING>>"),
    ("datetimes", "ARRAY<STRUCT<path: STRING, original: STRING, canonical: STRING, precision: STRING>>"),
    (
        "exchange",
        "STRUCT<"
        + "".join(f"{name}: STRING, " for name in _EXCHANGE_FIELDS)
        + f"sender: {_PARTY}, destinations: ARRAY<{_PARTY}>>",
    ),
    ("limit_bytes", "BIGINT"),
    ("content_looks_like", "STRING"),
    ("encoded_bytes", "BIGINT"),
    ("embedded", "STRING"),
    ("contract_version", "INT"),
    ("source_profile", "STRING"),
    ("redacted", "BOOLEAN"),
)

#: The result's columns, in order.
REPORT_COLUMNS = tuple(name for name, _ in _COLUMNS)

#: The result's schema as a Spark DDL string.
REPORT_SCHEMA_DDL = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)

_ENGINES: Dict[Optional[str], Engine] = {}
_BUILDS = 0
_LOCK = threading.Lock()


def _engine(config: Optional[str]) -> Engine:
    """The engine for `config` in this process: built on first use, then reused by
    every batch and task this Python worker runs."""
    global _BUILDS
    engine = _ENGINES.get(config)
    if engine is None:
        with _LOCK:
            engine = _ENGINES.get(config)
            if engine is None:
                engine = Engine(config)
                _ENGINES[config] = engine
                _BUILDS += 1
    return engine


def report_schema() -> "StructType":
    """The Spark schema of :func:`validate`'s result (``REPORT_SCHEMA_DDL``)."""
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    def strings(*names: str) -> StructType:
        return StructType([StructField(name, StringType(), True) for name in names])

    diagnostic = strings("code", "severity", "path", "message")
    datetime = strings("path", "original", "canonical", "precision")
    party = strings(*_PARTY_FIELDS)
    exchange = strings(*_EXCHANGE_FIELDS)
    exchange = exchange.add("sender", party, True).add("destinations", ArrayType(party, True), True)
    types = {
        "source": StringType(),
        "traffic_type": StringType(),
        "format": StringType(),
        "size_bytes": LongType(),
        "valid": BooleanType(),
        "diagnostics": ArrayType(diagnostic, True),
        "datetimes": ArrayType(datetime, True),
        "exchange": exchange,
        "limit_bytes": LongType(),
        "content_looks_like": StringType(),
        "encoded_bytes": LongType(),
        "embedded": StringType(),
        "contract_version": IntegerType(),
        "source_profile": StringType(),
        "redacted": BooleanType(),
    }
    return StructType([StructField(name, types[name], True) for name in REPORT_COLUMNS])


def _arrow_schema(schema: "StructType") -> "pa.Schema":
    """The Arrow schema Spark expects for `schema`."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(schema)


def _validate_batches(
    batches: Iterable["pa.RecordBatch"],
    *,
    arrow_schema: "pa.Schema",
    config: Optional[str],
    options: Dict[str, Any],
    has_source: bool,
) -> Iterator["pa.RecordBatch"]:
    """The ``mapInArrow`` function: column 0 holds the payloads, column 1 (if any) the
    source names. The engine reads the columns' Arrow buffers and fills the result's;
    a batch whose text would pass Arrow ``string``'s 2 GiB comes back as several."""
    engine = _engine(config)
    for batch in batches:
        yield from _report_batches(engine, batch, arrow_schema, options, has_source)


def _report_batches(
    engine: Engine,
    batch: "pa.RecordBatch",
    arrow_schema: "pa.Schema",
    options: Dict[str, Any],
    has_source: bool,
    **extra: Any,
) -> Iterator["pa.RecordBatch"]:
    """The report batches of one input batch (``extra``: ``chunk_bytes`` for tests)."""
    import pyarrow as pa

    contents = _var_buffers(batch.column(0), pa.binary())
    sources = _var_buffers(batch.column(1), pa.string()) if has_source else None
    for columns in engine._arrow_columns(contents, sources, **options, **extra):
        yield _to_arrow(columns, arrow_schema)


def _var_buffers(column: "pa.Array", kind: "pa.DataType") -> Tuple[Any, ...]:
    """An Arrow binary or string column as the engine reads it: ``(length, offset,
    offset width, validity, offsets, data)``, each buffer copied once into ``bytes``
    (one object per buffer, none per row). Other types (views, dictionaries) are cast
    to `kind` first."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind_of = column.type
    if pa.types.is_large_binary(kind_of) or pa.types.is_large_string(kind_of):
        width = 8
    elif pa.types.is_binary(kind_of) or pa.types.is_string(kind_of):
        width = 4
    else:
        column = column.cast(kind)
        width = 4
    validity, offsets, data = column.buffers()[:3]
    return (
        len(column),
        column.offset,
        width,
        None if validity is None or column.null_count == 0 else validity.to_pybytes(),
        b"" if offsets is None else offsets.to_pybytes(),
        b"" if data is None else data.to_pybytes(),
    )


def _to_arrow(columns: Dict[str, Tuple[Any, ...]], arrow_schema: "pa.Schema") -> "pa.RecordBatch":
    """The engine's Arrow buffers (``{column path: (kind, length, null_count,
    validity, *buffers)}``, a struct's fields at ``path.field``, a list's items at
    ``path[]``) as a batch of `arrow_schema`, with no Python object per row or value."""
    import pyarrow as pa

    leaves = {"utf8": pa.string(), "int64": pa.int64(), "int32": pa.int32(), "bool": pa.bool_()}

    def array(path: str, want: "pa.DataType") -> "pa.Array":
        kind, length, null_count, validity, *data = columns[path]
        buffers = [None if validity is None else pa.py_buffer(validity)]
        buffers += [pa.py_buffer(b) for b in data]
        if kind == "struct":
            fields = [want.field(i) for i in range(want.num_fields)]
            children = [array(f"{path}.{f.name}", f.type) for f in fields]
            made = pa.struct([pa.field(f.name, c.type, f.nullable) for f, c in zip(fields, children)])
            return pa.Array.from_buffers(made, length, buffers, null_count, children=children)
        if kind == "list":
            item = want.value_field
            child = array(f"{path}[]", item.type)
            made = pa.list_(pa.field(item.name, child.type, item.nullable))
            return pa.Array.from_buffers(made, length, buffers, null_count, children=[child])
        return pa.Array.from_buffers(leaves[kind], length, buffers, null_count)

    arrays = []
    for field in arrow_schema:
        got = array(field.name, field.type)
        arrays.append(got if got.type == field.type else got.cast(field.type))
    batch = pa.RecordBatch.from_arrays(arrays, schema=arrow_schema)
    # A cheap check (buffer sizes against lengths and offsets' ends, not every value)
    # before Spark's JVM reads the buffers.
    batch.validate()
    return batch


def validate(
    df: "DataFrame",
    content: str = "content",
    source: Optional[str] = "path",
    *,
    config: Optional[str] = None,
    hint: Optional[str] = None,
    timezone: Optional[str] = None,
    environment: Optional[str] = None,
    messages: bool = True,
) -> "DataFrame":
    """Validates the binary column ``content`` of ``df`` and returns the reports.

    ``source`` names the column that names each payload (``path`` for
    ``spark.read.format("binaryFile")``), or ``None``. A payload holding several
    messages gives one row per message, its source numbered ``name#1``, ``name#2`` …,
    as the CLI reports a file; ``messages=False`` gives one row per payload instead.
    ``config`` (TOML text), ``hint``, ``timezone`` and ``environment`` mean what they
    mean for :meth:`payload_triage.Engine.validate`; source profiles match the source
    column's values (URIs such as ``s3a://bucket/feeds/``).

    Raises ``ValueError`` for a bad configuration and ``TypeError`` when ``content``
    is not a binary column, on the driver, before any task runs.
    """
    from pyspark.sql.types import BinaryType, StringType

    # Check the configuration and names on the driver: a bad one fails now, clearly,
    # instead of in every task.
    Engine(config).validate(b"", hint=hint, timezone=timezone, environment=environment)
    field = df.schema[content]
    if not isinstance(field.dataType, BinaryType):
        raise TypeError(
            f"column {content!r} must be binary, not {field.dataType.simpleString()}; "
            "cast text with .cast('binary') or read files with format('binaryFile')"
        )
    columns = [df[content]]
    if source is not None:
        source_type = df.schema[source].dataType
        columns.append(df[source] if isinstance(source_type, StringType) else df[source].cast("string"))
    schema = report_schema()
    arrow_schema = _arrow_schema(schema)
    options = {
        "hint": hint,
        "timezone": timezone,
        "environment": environment,
        "messages": messages,
    }
    has_source = source is not None

    def run(batches: Iterable["pa.RecordBatch"]) -> Iterator["pa.RecordBatch"]:
        return _validate_batches(
            batches,
            arrow_schema=arrow_schema,
            config=config,
            options=options,
            has_source=has_source,
        )

    return df.select(*columns).mapInArrow(run, schema)


def _builds() -> Tuple[int, int]:
    """(engines built, engines cached) in this process; for tests."""
    return _BUILDS, len(_ENGINES)
