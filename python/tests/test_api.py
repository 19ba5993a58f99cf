"""The Python API against the CLI, and what it does with bad input."""

from __future__ import annotations

import json

import pytest

import payload_triage
from payload_triage import Engine

from conftest import ARCHIVE, cli_reports, files_under, party_messages

HL7 = (
    b"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240312083000||ORU^R01^ORU_R01|MSG0001|P|2.5.1\r"
    b"PID|1||12345^^^HOSP^MR||Doe^Jane||19800101|F\r"
    b"OBR|1||ORD1|GLU^Glucose|||202403120800\r"
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


def test_report_attributes_agree_with_its_json(engine: Engine) -> None:
    report = engine.validate(HL7, source="lab.hl7")
    as_json = json.loads(report.to_json())
    assert report.to_dict() == as_json
    assert report.source == as_json["source"] == "lab.hl7"
    assert report.traffic_type == as_json["traffic_type"] == "hl7v2_mllp"
    assert report.format == as_json["format"] == "hl7v2"
    assert report.size_bytes == len(HL7) == as_json["size_bytes"]
    assert report.limit_bytes == as_json["limit_bytes"]
    assert report.valid is as_json["valid"]
    assert report.contract_version == payload_triage.CONTRACT_VERSION == as_json["contract_version"]
    assert [d.to_dict() for d in report.diagnostics] == as_json["diagnostics"]
    assert [d.to_dict() for d in report.datetimes] == as_json["datetimes"]
    assert report.exchange is not None
    assert report.exchange.to_dict() == as_json["exchange"]
    assert report.exchange.message_type == "ORU"
    assert report.exchange.event == "R01"
    msh7 = next(d for d in report.datetimes if d.path == "MSH-7")
    assert msh7.original == "20240312083000"
    assert msh7.precision == "second"
    assert report == engine.validate(HL7, source="lab.hl7")
    assert report != engine.validate(HL7, source="other.hl7")


def test_sender_destinations_and_acknowledgement_equal_the_cli(engine: Engine, triage_bin, tmp_path) -> None:
    """The exchange's parties and MSA-1 as typed attributes, and in `to_dict()` /
    `to_json()` exactly as the CLI writes them."""
    exchanges = {}
    for name, data in party_messages().items():
        path = tmp_path / name
        path.write_bytes(data)
        expected = cli_reports(triage_bin, str(path))
        assert len(expected) == 1, name
        report = engine.validate(data, source=str(path))
        as_json = json.loads(report.to_json())
        assert as_json == expected[0], name
        assert report.to_dict() == as_json, name
        exchange = report.exchange
        assert exchange is not None, name
        wire = as_json["exchange"]
        assert exchange.to_dict() == wire, name
        assert exchange.acknowledgement_code == wire.get("acknowledgement_code"), name
        sender = exchange.sender
        assert sender is not None and sender.to_dict() == wire["sender"], name
        assert [p.to_dict() for p in exchange.destinations] == wire.get("destinations", []), name
        exchanges[name] = exchange

    ack = exchanges["ack.hl7"]
    assert ack.acknowledgement_code == "AE" and ack.relates_to == "MSG0001"
    assert (ack.sender.application, ack.sender.facility, ack.sender.id) == ("LABAPP", "NORTHLAB", None)
    assert [(p.application, p.facility) for p in ack.destinations] == [("EHRAPP", "GENHOSP")]
    redox = exchanges["redox.json"]
    assert redox.acknowledgement_code is None
    assert (redox.sender.id, redox.sender.name) == ("7ce6f387-c33c-417d-8682-81e83628cbd9", "North EHR")
    assert [p.name for p in redox.destinations] == ["Triage Exchange", None]
    assert redox.destinations[1].to_dict() == {"id": "0f6f2c3e-1111-4222-8333-444455556666"}
    assert redox.destinations[0] == engine.validate(party_messages()["redox.json"]).exchange.destinations[0]
    assert redox.destinations[0] != redox.destinations[1]
    xcpd = exchanges["xcpd.xml"]
    assert xcpd.sender.address == "https://gateway.north.example/xcpd"
    assert xcpd.sender.issuer == "CN=north gateway"
    assert xcpd.sender.home_community_id == "urn:oid:2.16.840.1.113883.3.72.6.5"
    assert xcpd.destinations == []
    assert isinstance(xcpd.sender, payload_triage.Party)

    # A message that names nobody: no sender, no destinations, no keys.
    bare = engine.validate(b"MSH|^~\\&|||||20240312083000||ADT^A01|1|P|2.5.1\r").exchange
    assert bare is not None and bare.sender is None and bare.destinations == []
    assert not {"sender", "destinations", "acknowledgement_code"} & set(bare.to_dict())


def test_every_archive_file_equals_the_cli_report(engine: Engine, triage_bin) -> None:
    """The sample archive, file by file: `validate_messages(bytes, source=path)` gives
    exactly the CLI's JSON lines, `source` included."""
    files = files_under(ARCHIVE)
    assert len(files) >= 10
    for path in files:
        expected = cli_reports(triage_bin, str(path))
        got = [json.loads(r.to_json()) for r in engine.validate_messages(path.read_bytes(), source=str(path))]
        assert got == expected, path
        if len(expected) == 1:
            assert json.loads(engine.validate(path.read_bytes(), source=str(path)).to_json()) == expected[0]


@pytest.mark.parametrize(
    "option, cli_flag, value",
    [
        ("hint", "--traffic", "hl7v2-mllp"),
        ("hint", "--traffic", "redox-api"),
        ("timezone", "--timezone", "America/New_York"),
        ("environment", "--environment", "production"),
    ],
)
def test_options_mean_what_the_cli_flags_mean(engine: Engine, triage_bin, option, cli_flag, value) -> None:
    for path in files_under(ARCHIVE):
        expected = cli_reports(triage_bin, cli_flag, value, str(path))
        got = engine.validate_messages(path.read_bytes(), source=str(path), **{option: value})
        assert [r.to_dict() for r in got] == expected, (path, option)


def test_configuration_is_the_cli_toml(triage_bin, tmp_path) -> None:
    toml = (
        "destination_environment = \"production\"\n"
        "[limits]\nhl7v2_mllp = 100\n"
        "[sources.east]\npaths = [\"east/\"]\ntimezone = \"America/New_York\"\n"
    )
    config = tmp_path / "triage.toml"
    config.write_text(toml)
    engine = Engine(toml)
    for path in files_under(ARCHIVE):
        expected = cli_reports(triage_bin, "--config", str(config), str(path))
        got = engine.validate_messages(path.read_bytes(), source=str(path))
        if len(got) != len(expected):
            # A batch file over the limit: the CLI cuts a container into messages, each
            # held to the limit on its own; the library holds a payload it is given whole
            # (docs/contract.md, "Containers and payloads").
            assert len(got) == 1 and len(expected) > 1, path
            assert got[0].diagnostics[0].code == "SIZE_LIMIT_EXCEEDED", path
            continue
        assert [r.to_dict() for r in got] == expected, path
    # A source profile matched by the source name's prefix: its zone wins over the
    # call's timezone, as a profile's does over --timezone.
    local = b"MSH|^~\\&|A|B|C|D|20240312083000||ADT^A01|1|P|2.5.1\r"
    east = engine.validate(local, source="east/a.hl7", timezone="Asia/Tokyo")
    assert any(d.canonical == "2024-03-12T12:30:00Z" for d in east.datetimes)
    # The profile claims "./east/a.hl7" too (paths are compared as paths, not as
    # strings), so its zone still wins; a source no profile claims takes the call's.
    dotted = engine.validate(local, source="./east/a.hl7", timezone="Asia/Tokyo")
    assert any(d.canonical == "2024-03-12T12:30:00Z" for d in dotted.datetimes)
    west = engine.validate(local, source="west/a.hl7", timezone="Asia/Tokyo")
    assert any(d.canonical == "2024-03-11T23:30:00Z" for d in west.datetimes)


def test_validate_many_equals_validate_one_by_one(engine: Engine) -> None:
    payloads = [p.read_bytes() for p in files_under(ARCHIVE)] * 3 + [b"", bytearray(HL7)]
    names = [f"item{i}" for i in range(len(payloads))]
    for parallel in (True, False):
        many = engine.validate_many(payloads, sources=names, parallel=parallel)
        assert many == [engine.validate(p, source=n) for p, n in zip(payloads, names)]
    assert engine.validate_many([]) == []
    with pytest.raises(ValueError, match="sources"):
        engine.validate_many([HL7, HL7], sources=["one"])
    with pytest.raises(TypeError, match=r"items\[1\]"):
        engine.validate_many([HL7, None])


def test_bad_input_is_a_report(engine: Engine) -> None:
    empty = engine.validate(b"")
    assert not empty.valid
    assert [d.code for d in empty.diagnostics] == ["EMPTY_PAYLOAD"]
    garbage = engine.validate(bytes(range(256)) * 10)
    assert garbage.traffic_type == "other"
    truncated = engine.validate(HL7[:25], hint="hl7v2-mllp")
    assert not truncated.valid


def test_an_over_limit_payload_is_reported_not_parsed() -> None:
    engine = Engine("[limits]\nhl7v2_mllp = 1000\n")
    big = HL7 + b"NTE|1||" + b"x" * 5000 + b"\r"
    report = engine.validate(big, hint="hl7v2-mllp")
    assert not report.valid
    assert report.size_bytes == len(big)
    assert report.limit_bytes == 1000
    assert "SIZE_LIMIT_EXCEEDED" in [d.code for d in report.diagnostics]


def test_a_two_gigabyte_payload_gets_a_size_report() -> None:
    """Past every default limit and past 2**31: a report, from the size alone."""
    data = bytes(2**31 + 1)
    report = Engine().validate(data, hint="uploaded-file")
    assert report.size_bytes == len(data)
    assert not report.valid
    assert "SIZE_LIMIT_EXCEEDED" in [d.code for d in report.diagnostics]
    del data


@pytest.mark.parametrize("value, message", [(None, "NoneType"), ("MSH|^~\\&|", "encode"), (12, "int")])
def test_wrong_argument_types_are_type_errors(engine: Engine, value, message) -> None:
    with pytest.raises(TypeError, match=message):
        engine.validate(value)


@pytest.mark.parametrize(
    "config",
    [
        "this is not toml",
        "[limits]\nhl7v2_mllp = \"big\"\n",
        "[source]\ntimezone = \"Mars/Olympus_Mons\"\n",
        "[severity]\nNO_SUCH_CODE = \"error\"\n",
    ],
)
def test_configuration_errors_are_value_errors(config) -> None:
    with pytest.raises(ValueError):
        Engine(config)


@pytest.mark.parametrize(
    "kwargs",
    [{"timezone": "Mars/Olympus_Mons"}, {"hint": "carrier-pigeon"}, {"environment": "moon"}],
)
def test_bad_names_are_value_errors(engine: Engine, kwargs) -> None:
    with pytest.raises(ValueError):
        engine.validate(HL7, **kwargs)
    with pytest.raises(ValueError):
        engine.validate_many([HL7], **kwargs)


def test_docstrings_and_stubs_are_there() -> None:
    from pathlib import Path

    package = Path(payload_triage.__file__).parent
    assert (package / "_native.pyi").is_file()
    assert (package / "py.typed").is_file()
    for item in (Engine, Engine.validate, Engine.validate_many, Engine.validate_messages, payload_triage.Report):
        assert item.__doc__, item
