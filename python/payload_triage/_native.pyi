"""Type stubs of the Rust extension ``payload_triage._native``."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

CONTRACT_VERSION: int
_EXCHANGE_FIELDS: List[str]
_PARTY_FIELDS: List[str]
"""The version of the report contract (docs/contract.md) these reports follow."""

Payload = Union[bytes, bytearray]

class Diagnostic:
    """One finding: which rule, how bad, where. The message names the place and the
    rule, never a value from the payload (which may be PHI)."""

    @property
    def code(self) -> str:
        """Stable SCREAMING_SNAKE_CASE code (``triage codes`` lists them all)."""
    @property
    def severity(self) -> str:
        """``"error"``, ``"warning"`` or ``"info"``; only errors make a report invalid."""
    @property
    def path(self) -> str:
        """Where: ``SEG[k]-F.C.S`` (HL7 v2), a JSON Pointer, or an XML location path;
        empty for the payload as a whole."""
    @property
    def message(self) -> str:
        """What rule was broken."""
    def to_dict(self) -> Dict[str, str]:
        """``{"code", "severity", "path", "message"}`` as in the JSON report."""

class Datetime:
    """One datetime field of the payload and its canonical UTC value."""

    @property
    def path(self) -> str:
        """Where the value sits."""
    @property
    def original(self) -> str:
        """The value exactly as sent."""
    @property
    def canonical(self) -> Optional[str]:
        """UTC W3C-DTF at the input's precision; ``None`` when it cannot be computed
        without inventing information (no zone known) or the value is invalid."""
    @property
    def precision(self) -> Optional[str]:
        """``"year"`` … ``"second"``, ``"fraction"``; ``None`` when unparsed."""
    def to_dict(self) -> Dict[str, Optional[str]]:
        """``{"path", "original", "canonical", "precision"}`` as in the JSON report."""

class Party:
    """A system a message names as its sender or as a destination. Each format fills
    the fields it carries; every field may be ``None``. The values come from the
    payload."""

    @property
    def id(self) -> Optional[str]:
        """Redox ``Meta.Source.ID`` or ``Meta.Destinations[].ID``."""
    @property
    def name(self) -> Optional[str]:
        """Redox ``Meta.Source.Name`` or ``Meta.Destinations[].Name``."""
    @property
    def application(self) -> Optional[str]:
        """HL7 v2 sending or receiving application (MSH-3, MSH-5): the HD namespace
        id, or its universal id when the namespace id is empty."""
    @property
    def facility(self) -> Optional[str]:
        """HL7 v2 sending or receiving facility (MSH-4, MSH-6), read as
        ``application``."""
    @property
    def address(self) -> Optional[str]:
        """WS-Addressing ``From/Address``."""
    @property
    def home_community_id(self) -> Optional[str]:
        """The SAML assertion's ``urn:nhin:names:saml:homeCommunityId`` attribute."""
    @property
    def issuer(self) -> Optional[str]:
        """The SAML assertion's ``Issuer``."""
    def to_dict(self) -> Dict[str, str]:
        """The fields present, as in the JSON report."""

class Exchange:
    """Routing metadata a message carries; every field may be ``None`` (and
    ``destinations`` empty)."""

    @property
    def pattern(self) -> Optional[str]:
        """``notification``, ``query``, ``query_response``, ``retrieve``,
        ``retrieve_response``, ``writeback`` or ``acknowledgement``."""
    @property
    def version(self) -> Optional[str]: ...
    @property
    def message_type(self) -> Optional[str]: ...
    @property
    def event(self) -> Optional[str]: ...
    @property
    def structure(self) -> Optional[str]: ...
    @property
    def transaction(self) -> Optional[str]: ...
    @property
    def message_id(self) -> Optional[str]: ...
    @property
    def relates_to(self) -> Optional[str]: ...
    @property
    def acknowledgement_code(self) -> Optional[str]:
        """The acknowledgment code of an HL7 v2 response (MSA-1: ``AA``, ``AE``,
        ``AR``, ``CA``, ``CE``, ``CR``), as sent."""
    @property
    def claimed_environment(self) -> Optional[str]: ...
    @property
    def processing_id(self) -> Optional[str]: ...
    @property
    def sender(self) -> Optional[Party]:
        """Who the message says sent it: Redox ``Meta.Source``, HL7 v2 MSH-3 and
        MSH-4, WS-Addressing ``From``, the SAML issuer and home community id."""
    @property
    def destinations(self) -> List[Party]:
        """Where the message says it goes: Redox ``Meta.Destinations``, HL7 v2 MSH-5
        and MSH-6; at most 32 are listed. Empty when the message names none (the JSON
        report then has no ``destinations`` key)."""
    def to_dict(self) -> Dict[str, Any]:
        """The fields present, as in the JSON report (``sender`` a dict,
        ``destinations`` a list of dicts)."""

class Report:
    """The report on one payload (or one message of it): the CLI's JSON report as an
    object. Reports compare equal when every field is equal."""

    @property
    def contract_version(self) -> int: ...
    @property
    def source(self) -> str:
        """The ``source`` argument (``name#k`` for the k-th message of several)."""
    @property
    def traffic_type(self) -> str:
        """``redox_api``, ``carequality``, ``hl7v2_mllp``, ``uploaded_file``,
        ``embedded_file`` or ``other``."""
    @property
    def content_looks_like(self) -> Optional[str]:
        """The traffic type the content suggests, when a hint disagrees with it."""
    @property
    def format(self) -> str:
        """``hl7v2``, ``fhir_r4``, ``redox_data_model``, ``json``, ``soap``, ``mtom``,
        ``cda``, ``xml``, ``pdf``, ``png``, ``jpeg``, ``tiff``, ``dicom``, ``zip``,
        ``text`` or ``unknown``."""
    @property
    def size_bytes(self) -> int:
        """Bytes counted against the limit (decoded bytes for an embedded file)."""
    @property
    def limit_bytes(self) -> int:
        """The size limit that was applied."""
    @property
    def encoded_bytes(self) -> Optional[int]:
        """For an embedded file: its length as carried (base64 characters)."""
    @property
    def valid(self) -> bool:
        """``False`` if and only if a diagnostic has severity ``error``."""
    @property
    def diagnostics(self) -> List[Diagnostic]: ...
    @property
    def datetimes(self) -> List[Datetime]: ...
    @property
    def embedded(self) -> List["Report"]:
        """One nested report per embedded file."""
    @property
    def exchange(self) -> Optional[Exchange]:
        """Routing metadata, when the format carries any."""
    def to_dict(self) -> Dict[str, Any]:
        """The report as the JSON object of the contract (plain dicts and lists)."""
    def to_json(self) -> str:
        """The report as one JSON line, byte for byte what
        ``triage validate --format json`` writes for the same payload and source."""

class Engine:
    """The validation engine. Build it once and share it: it is thread-safe, and every
    ``validate*`` call releases the GIL while the engine runs.

    ``config`` is the TOML text the CLI reads with ``--config`` (limits, bounds,
    destination environment, source profiles). ``None`` is the default configuration.
    An invalid configuration raises ``ValueError``.
    """

    def __init__(self, config: Optional[str] = None) -> None: ...
    def validate(
        self,
        data: Payload,
        *,
        hint: Optional[str] = None,
        source: Optional[str] = None,
        timezone: Optional[str] = None,
        environment: Optional[str] = None,
    ) -> Report:
        """Validates one payload. Never raises on bad input: malformed, empty or
        over-limit bytes give a report. A payload holding several messages (an MLLP
        capture, an HL7 batch, NDJSON) gets the first message's report with
        ``PAYLOAD_HOLDS_SEVERAL_MESSAGES``; use :meth:`validate_messages` for one report
        per message.

        ``hint``: the channel's traffic type (``hl7v2-mllp`` or ``hl7v2_mllp``, …), as
        the CLI's ``--traffic``. ``source``: the report's ``source`` name; the
        configuration's source profiles are matched against it by prefix, as the CLI
        matches paths. ``timezone``: the sender's IANA zone for local times without an
        offset, as ``--timezone`` (a matching source profile's zone wins).
        ``environment``: the destination's environment type, as ``--environment``.

        Raises ``TypeError`` when ``data`` is not ``bytes``/``bytearray`` and
        ``ValueError`` for an unknown hint, zone or environment name.
        """
    def validate_messages(
        self,
        data: Payload,
        *,
        hint: Optional[str] = None,
        source: Optional[str] = None,
        timezone: Optional[str] = None,
        environment: Optional[str] = None,
    ) -> List[Report]:
        """One report per message the payload holds, sources numbered ``source#1``,
        ``source#2`` … when there are several: what the CLI reports for a file."""
    def validate_many(
        self,
        items: Sequence[Payload],
        *,
        hint: Optional[str] = None,
        sources: Optional[Sequence[Optional[str]]] = None,
        timezone: Optional[str] = None,
        environment: Optional[str] = None,
        parallel: bool = True,
    ) -> List[Report]:
        """:meth:`validate` for each item, in order, with the GIL released and the
        items spread over the engine's thread pool (``parallel=False`` keeps to the
        calling thread, as inside a Spark task). ``sources``, when given, names each
        item and has one entry per item."""
    def _time_rust(self, data: Payload, iterations: int) -> float: ...
    def _arrow_columns(
        self,
        contents: Tuple[int, int, int, Optional[bytes], bytes, bytes],
        sources: Optional[Tuple[int, int, int, Optional[bytes], bytes, bytes]],
        *,
        hint: Optional[str] = None,
        timezone: Optional[str] = None,
        environment: Optional[str] = None,
        messages: bool = True,
        chunk_bytes: Optional[int] = None,
    ) -> List[Dict[str, Tuple[Any, ...]]]: ...
