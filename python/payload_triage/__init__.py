"""Classify, size-check, validate and canonicalize health-data payloads.

The engine is the payload-triage Rust library; this package gives it to Python::

    import payload_triage

    engine = payload_triage.Engine()                # or Engine(toml_text)
    report = engine.validate(b"MSH|^~\\&|...", hint="hl7v2-mllp")
    report.valid, report.traffic_type, report.format
    for d in report.diagnostics:
        print(d.code, d.severity, d.path, d.message)
    report.to_json()                                 # the CLI's JSON line

Bad input is a report, never an exception. A configuration error (TOML, an unknown
zone, traffic type or environment name) raises ``ValueError``; a payload that is not
``bytes`` or ``bytearray`` raises ``TypeError``.

``payload_triage.spark`` validates a DataFrame column of binary payloads on Apache
Spark (it needs ``pyspark`` and ``pyarrow``; this module does not).
"""

from ._native import CONTRACT_VERSION, Datetime, Diagnostic, Engine, Exchange, Party, Report

__all__ = [
    "CONTRACT_VERSION",
    "Datetime",
    "Diagnostic",
    "Engine",
    "Exchange",
    "Party",
    "Report",
]

__version__ = "0.1.0"
