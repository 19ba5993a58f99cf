//! `payload_triage._native`: the Python face of the payload-triage engine.
//!
//! Only the crate's public API is used: [`Engine`], [`Context`], [`Config::from_toml_str`]
//! and [`Report`] with its serde serialization, so every report a Python caller sees is
//! the report the CLI writes. The Python package (`payload_triage/`) re-exports these
//! classes and adds the Spark helper.
//!
//! Rules kept here:
//! - bad input is a report, never an exception; a configuration error (TOML, zone name,
//!   traffic or environment name) is a `ValueError`; a wrong argument type (`None`,
//!   `str` for bytes) is a `TypeError`;
//! - the GIL is released while the engine runs, so other Python threads go on.

use std::str::FromStr;

use payload_triage::{
    Config, Context, DatetimeEntry, Diagnostic, Engine, Environment, Exchange, Party, Report,
    SourceProfile, TrafficType,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyList, PyString};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

/// A configuration problem, as the `ValueError` Python callers catch.
fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// The serialized name of an enum value (`fhir_r4`, `second`, `query_response`): the
/// same spelling the JSON report uses.
fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A JSON value as the equivalent Python object (dict, list, str, int, float, bool,
/// None).
fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A report serialized as the CLI's JSON object, as a Python dict.
fn report_dict<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(report).map_err(value_error)?;
    json_to_py(py, &value)
}

/// The bytes of one payload argument: borrowed from a `bytes` object, copied from a
/// `bytearray` (which Python code may change while the GIL is released).
enum Payload<'py> {
    Borrowed(Bound<'py, PyBytes>),
    Owned(Vec<u8>),
}

impl Payload<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Borrowed(b) => b.as_bytes(),
            Payload::Owned(v) => v,
        }
    }
}

/// Reads a payload argument; anything but `bytes` or `bytearray` is a `TypeError` that
/// says what was passed (never what it held).
fn payload<'py>(data: &Bound<'py, PyAny>, what: &str) -> PyResult<Payload<'py>> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        return Ok(Payload::Borrowed(bytes.clone()));
    }
    if let Ok(array) = data.cast::<PyByteArray>() {
        return Ok(Payload::Owned(array.to_vec()));
    }
    let type_name = data
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_owned());
    let hint = if data.is_instance_of::<PyString>() {
        "; encode text first, e.g. text.encode(\"utf-8\")"
    } else {
        ""
    };
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes or bytearray, not {type_name}{hint}"
    )))
}

/// The per-call options of every `validate*` method, parsed once.
struct Options {
    hint: Option<TrafficType>,
    timezone: Option<String>,
    environment: Option<Environment>,
}

impl Options {
    fn parse(
        hint: Option<&str>,
        timezone: Option<&str>,
        environment: Option<&str>,
    ) -> PyResult<Self> {
        let hint = hint
            .map(TrafficType::from_str)
            .transpose()
            .map_err(value_error)?;
        let environment = environment
            .map(Environment::from_str)
            .transpose()
            .map_err(value_error)?;
        if let Some(zone) = timezone {
            // Checked now, whatever the source: a bad zone name is a configuration error
            // even where a source profile would have overridden it.
            SourceProfile::default()
                .with_zone(zone)
                .map_err(value_error)?;
        }
        Ok(Options {
            hint,
            timezone: timezone.map(str::to_owned),
            environment,
        })
    }
}

/// The validation engine. Build it once and share it: it is thread-safe, and every
/// `validate*` call releases the GIL while the engine runs.
///
/// `config` is the TOML text the CLI reads with `--config` (limits, bounds, destination
/// environment, source profiles); `None` is the default configuration. An invalid
/// configuration raises `ValueError`.
#[pyclass(frozen, module = "payload_triage._native", name = "Engine")]
struct PyEngine {
    engine: Engine,
}

impl PyEngine {
    /// The context for one payload named `source`, as the CLI builds it for a path: the
    /// configuration's profile for that name, the per-call zone where no named profile
    /// matches (the CLI's `--timezone`), the destination environment, the hint.
    fn context(&self, source: &str, options: &Options) -> Result<Context, payload_triage::Error> {
        let config = self.engine.config();
        let mut profile = self.engine.profile_for(source);
        // The call's zone stands in for the default profile's, as --timezone does for the
        // CLI: a named profile that claims the source (by the engine's one claiming rule,
        // path components, not string prefixes) keeps its own.
        if let Some(zone) = &options.timezone {
            if profile.name() == Some("default") {
                profile = profile.with_zone(zone)?;
            }
        }
        let mut ctx = Context::new().with_source(profile).named(source);
        if let Some(hint) = options.hint {
            ctx = ctx.with_hint(hint);
        }
        if let Some(destination) = options.environment.or(config.destination_environment) {
            ctx = ctx.with_destination(destination);
        }
        Ok(ctx)
    }

    /// One context per source name; the configuration's profiles are looked up only
    /// when it has any.
    fn contexts(
        &self,
        sources: &[Option<String>],
        count: usize,
        options: &Options,
    ) -> PyResult<Vec<Context>> {
        let name = |i: usize| -> &str {
            sources
                .get(i)
                .and_then(|s| s.as_deref())
                .unwrap_or_default()
        };
        if self.engine.config().sources.is_empty() {
            let base = self.context("", options).map_err(value_error)?;
            return Ok((0..count).map(|i| base.clone().named(name(i))).collect());
        }
        (0..count)
            .map(|i| self.context(name(i), options).map_err(value_error))
            .collect()
    }
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (config = None))]
    fn new(config: Option<&str>) -> PyResult<Self> {
        let config = match config {
            Some(text) => Config::from_toml_str(text).map_err(value_error)?,
            None => Config::default(),
        };
        let engine = Engine::new(config).map_err(value_error)?;
        Ok(PyEngine { engine })
    }

    /// Validates one payload (`bytes` or `bytearray`) and returns its `Report`.
    ///
    /// Never raises on bad input: malformed, empty or over-limit bytes give a report.
    /// A payload holding several messages gets the first message's report with
    /// `PAYLOAD_HOLDS_SEVERAL_MESSAGES`; `validate_messages` gives one per message.
    ///
    /// `hint`: the channel's traffic type (`hl7v2-mllp` or `hl7v2_mllp`, ...), as the
    /// CLI's `--traffic`. `source`: the report's `source`; the configuration's source
    /// profiles are matched against it by prefix, as the CLI matches paths.
    /// `timezone`: the sender's IANA zone for local times without an offset, as
    /// `--timezone` (a matching source profile's zone wins). `environment`: the
    /// destination's environment type, as `--environment`.
    ///
    /// Raises `TypeError` when `data` is not bytes and `ValueError` for an unknown
    /// hint, zone or environment name.
    #[pyo3(signature = (data, *, hint = None, source = None, timezone = None, environment = None))]
    fn validate(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        hint: Option<&str>,
        source: Option<&str>,
        timezone: Option<&str>,
        environment: Option<&str>,
    ) -> PyResult<PyReport> {
        let options = Options::parse(hint, timezone, environment)?;
        let ctx = self
            .context(source.unwrap_or_default(), &options)
            .map_err(value_error)?;
        let payload = payload(data, "data")?;
        let bytes = payload.as_slice();
        let engine = &self.engine;
        let report = py.detach(|| engine.validate(bytes, &ctx));
        Ok(PyReport { inner: report })
    }

    /// One `Report` per message the payload holds (an MLLP capture, an HL7 batch,
    /// NDJSON), sources numbered `source#1`, `source#2`, ... when there are several:
    /// what the CLI reports for a file. Arguments as for `validate`.
    #[pyo3(signature = (data, *, hint = None, source = None, timezone = None, environment = None))]
    fn validate_messages(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        hint: Option<&str>,
        source: Option<&str>,
        timezone: Option<&str>,
        environment: Option<&str>,
    ) -> PyResult<Vec<PyReport>> {
        let options = Options::parse(hint, timezone, environment)?;
        let ctx = self
            .context(source.unwrap_or_default(), &options)
            .map_err(value_error)?;
        let payload = payload(data, "data")?;
        let bytes = payload.as_slice();
        let engine = &self.engine;
        let reports = py.detach(|| engine.validate_messages(bytes, &ctx));
        Ok(reports
            .into_iter()
            .map(|inner| PyReport { inner })
            .collect())
    }

    /// `validate` for each item of `items`, in order, with the GIL released and the
    /// items spread over the engine's thread pool; `parallel=False` keeps to the
    /// calling thread (as inside a Spark task, where Spark already uses every core).
    /// `sources`, when given, names each item and has one entry per item.
    #[pyo3(signature = (items, *, hint = None, sources = None, timezone = None, environment = None, parallel = true))]
    #[allow(clippy::too_many_arguments)] // the Python keyword arguments
    fn validate_many(
        &self,
        py: Python<'_>,
        items: Vec<Bound<'_, PyAny>>,
        hint: Option<&str>,
        sources: Option<Vec<Option<String>>>,
        timezone: Option<&str>,
        environment: Option<&str>,
        parallel: bool,
    ) -> PyResult<Vec<PyReport>> {
        let options = Options::parse(hint, timezone, environment)?;
        let sources = sources.unwrap_or_default();
        if !sources.is_empty() && sources.len() != items.len() {
            return Err(PyValueError::new_err(format!(
                "sources has {} names for {} items",
                sources.len(),
                items.len()
            )));
        }
        let payloads = items
            .iter()
            .enumerate()
            .map(|(i, item)| payload(item, &format!("items[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        let contexts = self.contexts(&sources, payloads.len(), &options)?;
        let slices: Vec<&[u8]> = payloads.iter().map(Payload::as_slice).collect();
        let engine = &self.engine;
        let reports: Vec<Report> = py.detach(|| {
            if parallel {
                slices
                    .par_iter()
                    .zip(contexts.par_iter())
                    .map(|(bytes, ctx)| engine.validate(bytes, ctx))
                    .collect()
            } else {
                slices
                    .iter()
                    .zip(contexts.iter())
                    .map(|(bytes, ctx)| engine.validate(bytes, ctx))
                    .collect()
            }
        });
        Ok(reports
            .into_iter()
            .map(|inner| PyReport { inner })
            .collect())
    }

    /// The Spark helper's batch in columnar form: for each column of the result, a
    /// list with one entry per row (one row per message of each payload, a row of nulls
    /// but its source for a null payload); `diagnostics` and `datetimes` as list
    /// offsets plus one list per struct field, `exchange` as a validity list plus a
    /// `{field: list}` dict of its string fields, `sender` as a validity list plus a
    /// dict of party fields, `destinations` as list offsets, validity and a dict of
    /// party fields. Arrow arrays are built from these lists without a Python object
    /// per row. Not part of the public API.
    #[pyo3(signature = (contents, sources, *, hint = None, timezone = None, environment = None, messages = true))]
    #[allow(clippy::too_many_arguments)] // the Python keyword arguments
    fn _columns<'py>(
        &self,
        py: Python<'py>,
        contents: Vec<Option<Bound<'py, PyAny>>>,
        sources: Vec<Option<String>>,
        hint: Option<&str>,
        timezone: Option<&str>,
        environment: Option<&str>,
        messages: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let options = Options::parse(hint, timezone, environment)?;
        let payloads = contents
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_ref()
                    .map(|data| payload(data, &format!("contents[{i}]")))
                    .transpose()
            })
            .collect::<PyResult<Vec<_>>>()?;
        let contexts = self.contexts(&sources, payloads.len(), &options)?;
        let slices: Vec<Option<&[u8]>> = payloads
            .iter()
            .map(|p| p.as_ref().map(Payload::as_slice))
            .collect();
        let engine = &self.engine;
        let columns = py.detach(|| {
            let mut columns = Columns::default();
            for ((bytes, ctx), source) in slices.iter().zip(contexts.iter()).zip(sources.iter()) {
                match bytes {
                    None => columns.push_null(source.clone()),
                    Some(bytes) => {
                        if messages {
                            for report in engine.validate_messages(bytes, ctx) {
                                columns.push(&report);
                            }
                        } else {
                            columns.push(&engine.validate(bytes, ctx));
                        }
                    }
                }
            }
            columns
        });
        columns.into_py(py)
    }

    /// Seconds the Rust library takes for `iterations` calls of `Engine::validate` on
    /// `data`, timed inside Rust (the per-call baseline of bench/throughput.py). Not
    /// part of the public API.
    fn _time_rust(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        iterations: u32,
    ) -> PyResult<f64> {
        let payload = payload(data, "data")?;
        let bytes = payload.as_slice();
        let engine = &self.engine;
        let ctx = Context::new();
        Ok(py.detach(|| {
            let start = std::time::Instant::now();
            for _ in 0..iterations {
                std::hint::black_box(engine.validate(std::hint::black_box(bytes), &ctx));
            }
            start.elapsed().as_secs_f64()
        }))
    }

    fn __repr__(&self) -> String {
        "Engine(...)".to_owned()
    }
}

/// An optional string as Python writes it: `None` or a quoted string.
fn py_repr(value: Option<&str>) -> String {
    value.map_or_else(|| "None".to_owned(), |s| format!("{s:?}"))
}

/// The report columns of a Spark batch, filled row by row in Rust.
#[derive(Default)]
struct Columns {
    source: Vec<Option<String>>,
    traffic_type: Vec<Option<&'static str>>,
    format: Vec<Option<String>>,
    size_bytes: Vec<Option<u64>>,
    valid: Vec<Option<bool>>,
    limit_bytes: Vec<Option<u64>>,
    content_looks_like: Vec<Option<&'static str>>,
    encoded_bytes: Vec<Option<u64>>,
    embedded: Vec<Option<String>>,
    contract_version: Vec<Option<u32>>,
    source_profile: Vec<Option<String>>,
    redacted: Vec<Option<bool>>,
    /// Offsets into the flat diagnostic lists (rows + 1 entries); `None` rows are null.
    diagnostics_offsets: Vec<i64>,
    diagnostics_valid: Vec<bool>,
    diagnostics: [Vec<String>; 4],
    datetimes_offsets: Vec<i64>,
    datetimes_valid: Vec<bool>,
    datetimes: [Vec<Option<String>>; 4],
    exchange_valid: Vec<bool>,
    exchange: [Vec<Option<String>>; EXCHANGE_STRINGS.len()],
    /// `exchange.sender`: null where the report has no sender.
    sender_valid: Vec<bool>,
    sender: PartyColumns,
    /// `exchange.destinations`: offsets into the flat party lists (rows + 1 entries),
    /// null where the report lists none (the JSON report then has no key).
    destinations_offsets: Vec<i64>,
    destinations_valid: Vec<bool>,
    destinations: PartyColumns,
}

/// The string fields of the Spark `exchange` struct, in the order `Columns::push`
/// fills them; `sender` and `destinations` follow them in the struct.
const EXCHANGE_STRINGS: [&str; 11] = [
    "pattern",
    "version",
    "message_type",
    "event",
    "structure",
    "transaction",
    "message_id",
    "relates_to",
    "claimed_environment",
    "processing_id",
    "acknowledgement_code",
];

/// The fields of a Spark party struct (`exchange.sender`, `exchange.destinations`),
/// the keys of the JSON report's party object.
const PARTY_FIELDS: [&str; 7] = [
    "id",
    "name",
    "application",
    "facility",
    "address",
    "home_community_id",
    "issuer",
];

/// One list per party field, one entry per party.
#[derive(Default)]
struct PartyColumns([Vec<Option<String>>; PARTY_FIELDS.len()]);

impl PartyColumns {
    fn len(&self) -> usize {
        self.0[0].len()
    }

    fn push(&mut self, party: Option<&Party>) {
        let values = [
            party.and_then(|p| owned(&p.id)),
            party.and_then(|p| owned(&p.name)),
            party.and_then(|p| owned(&p.application)),
            party.and_then(|p| owned(&p.facility)),
            party.and_then(|p| owned(&p.address)),
            party.and_then(|p| owned(&p.home_community_id)),
            party.and_then(|p| owned(&p.issuer)),
        ];
        for (column, value) in self.0.iter_mut().zip(values) {
            column.push(value);
        }
    }

    /// `{field name: list}`, so the Python side assembles the struct by name.
    fn into_py(self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let out = PyDict::new(py);
        for (name, column) in PARTY_FIELDS.iter().zip(self.0) {
            out.set_item(name, column)?;
        }
        Ok(out)
    }
}

impl Columns {
    fn offsets(&mut self) {
        if self.diagnostics_offsets.is_empty() {
            self.diagnostics_offsets.push(0);
            self.datetimes_offsets.push(0);
            self.destinations_offsets.push(0);
        }
    }

    fn push(&mut self, report: &Report) {
        self.offsets();
        self.source.push(Some(report.source.clone()));
        self.traffic_type.push(Some(report.traffic_type.as_str()));
        self.format.push(Some(wire_name(&report.format)));
        self.size_bytes.push(Some(report.size_bytes));
        self.valid.push(Some(report.is_valid()));
        self.limit_bytes.push(Some(report.limit_bytes));
        self.content_looks_like
            .push(report.content_looks_like.map(TrafficType::as_str));
        self.encoded_bytes.push(report.encoded_bytes);
        self.embedded.push(Some(
            serde_json::to_string(&report.embedded).unwrap_or_else(|_| "[]".to_owned()),
        ));
        self.contract_version
            .push(Some(payload_triage::CONTRACT_VERSION));
        self.source_profile.push(report.source_profile.clone());
        // Null unless redacted, as the JSON report has the key only then.
        self.redacted.push(report.redacted.then_some(true));
        for d in &report.diagnostics {
            let [code, severity, path, message] = &mut self.diagnostics;
            code.push(d.code.name().to_owned());
            severity.push(d.severity.as_str().to_owned());
            path.push(d.path.clone());
            message.push(d.message.clone());
        }
        let end = self.diagnostics[0].len() as i64;
        self.diagnostics_offsets.push(end);
        self.diagnostics_valid.push(true);
        for d in &report.datetimes {
            let [path, original, canonical, precision] = &mut self.datetimes;
            path.push(Some(d.path.to_string()));
            original.push(Some(d.original.to_string()));
            canonical.push(owned(&d.canonical));
            precision.push(d.precision.as_ref().map(wire_name));
        }
        let end = self.datetimes[0].len() as i64;
        self.datetimes_offsets.push(end);
        self.datetimes_valid.push(true);
        let e = &report.exchange;
        self.exchange_valid.push(!e.is_empty());
        let fields = [
            e.pattern.as_ref().map(wire_name),
            owned(&e.version),
            owned(&e.message_type),
            owned(&e.event),
            owned(&e.structure),
            owned(&e.transaction),
            owned(&e.message_id),
            owned(&e.relates_to),
            e.claimed_environment.map(|x| x.as_str().to_owned()),
            owned(&e.processing_id),
            owned(&e.acknowledgement_code),
        ];
        for (column, value) in self.exchange.iter_mut().zip(fields) {
            column.push(value);
        }
        // A sender with no field set is still `{}` in the JSON report: a struct of
        // nulls here, not a null struct.
        self.sender_valid.push(e.sender.is_some());
        self.sender.push(e.sender.as_ref());
        for party in &e.destinations {
            self.destinations.push(Some(party));
        }
        self.destinations_offsets
            .push(self.destinations.len() as i64);
        self.destinations_valid.push(!e.destinations.is_empty());
    }

    /// A null payload: its source, every other column null.
    fn push_null(&mut self, source: Option<String>) {
        self.offsets();
        self.source.push(source);
        self.traffic_type.push(None);
        self.format.push(None);
        self.size_bytes.push(None);
        self.valid.push(None);
        self.limit_bytes.push(None);
        self.content_looks_like.push(None);
        self.encoded_bytes.push(None);
        self.embedded.push(None);
        self.contract_version.push(None);
        self.source_profile.push(None);
        self.redacted.push(None);
        let end = self.diagnostics[0].len() as i64;
        self.diagnostics_offsets.push(end);
        self.diagnostics_valid.push(false);
        let end = self.datetimes[0].len() as i64;
        self.datetimes_offsets.push(end);
        self.datetimes_valid.push(false);
        self.exchange_valid.push(false);
        for column in &mut self.exchange {
            column.push(None);
        }
        self.sender_valid.push(false);
        self.sender.push(None);
        self.destinations_offsets
            .push(self.destinations.len() as i64);
        self.destinations_valid.push(false);
    }

    fn into_py(mut self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        self.offsets();
        let out = PyDict::new(py);
        out.set_item("source", self.source)?;
        out.set_item("traffic_type", self.traffic_type)?;
        out.set_item("format", self.format)?;
        out.set_item("size_bytes", self.size_bytes)?;
        out.set_item("valid", self.valid)?;
        out.set_item("limit_bytes", self.limit_bytes)?;
        out.set_item("content_looks_like", self.content_looks_like)?;
        out.set_item("encoded_bytes", self.encoded_bytes)?;
        out.set_item("embedded", self.embedded)?;
        out.set_item("contract_version", self.contract_version)?;
        out.set_item("source_profile", self.source_profile)?;
        out.set_item("redacted", self.redacted)?;
        out.set_item("diagnostics_offsets", self.diagnostics_offsets)?;
        out.set_item("diagnostics_valid", self.diagnostics_valid)?;
        let [code, severity, path, message] = self.diagnostics;
        out.set_item("diagnostics_fields", (code, severity, path, message))?;
        out.set_item("datetimes_offsets", self.datetimes_offsets)?;
        out.set_item("datetimes_valid", self.datetimes_valid)?;
        let [path, original, canonical, precision] = self.datetimes;
        out.set_item("datetimes_fields", (path, original, canonical, precision))?;
        out.set_item("exchange_valid", self.exchange_valid)?;
        let fields = PyDict::new(py);
        for (name, column) in EXCHANGE_STRINGS.iter().zip(self.exchange) {
            fields.set_item(name, column)?;
        }
        out.set_item("exchange_fields", fields)?;
        out.set_item("sender_valid", self.sender_valid)?;
        out.set_item("sender_fields", self.sender.into_py(py)?)?;
        out.set_item("destinations_offsets", self.destinations_offsets)?;
        out.set_item("destinations_valid", self.destinations_valid)?;
        out.set_item("destinations_fields", self.destinations.into_py(py)?)?;
        Ok(out)
    }
}

/// The report on one payload (or one message of it): the CLI's JSON report as an
/// object with typed attributes. Reports compare equal when every field is equal.
#[pyclass(frozen, module = "payload_triage._native", name = "Report")]
struct PyReport {
    inner: Report,
}

#[pymethods]
impl PyReport {
    #[getter]
    fn contract_version(&self) -> u32 {
        payload_triage::CONTRACT_VERSION
    }
    #[getter]
    fn source(&self) -> &str {
        &self.inner.source
    }
    #[getter]
    fn traffic_type(&self) -> &'static str {
        self.inner.traffic_type.as_str()
    }
    #[getter]
    fn content_looks_like(&self) -> Option<&'static str> {
        self.inner.content_looks_like.map(TrafficType::as_str)
    }
    #[getter]
    fn format(&self) -> String {
        wire_name(&self.inner.format)
    }
    #[getter]
    fn size_bytes(&self) -> u64 {
        self.inner.size_bytes
    }
    #[getter]
    fn limit_bytes(&self) -> u64 {
        self.inner.limit_bytes
    }
    #[getter]
    fn encoded_bytes(&self) -> Option<u64> {
        self.inner.encoded_bytes
    }
    #[getter]
    fn valid(&self) -> bool {
        self.inner.is_valid()
    }
    #[getter]
    fn diagnostics(&self) -> Vec<PyDiagnostic> {
        self.inner
            .diagnostics
            .iter()
            .map(PyDiagnostic::from)
            .collect()
    }
    #[getter]
    fn datetimes(&self) -> Vec<PyDatetime> {
        self.inner.datetimes.iter().map(PyDatetime::from).collect()
    }
    #[getter]
    fn embedded(&self) -> Vec<PyReport> {
        self.inner
            .embedded
            .iter()
            .map(|r| PyReport { inner: r.clone() })
            .collect()
    }
    #[getter]
    fn exchange(&self) -> Option<PyExchange> {
        (!self.inner.exchange.is_empty()).then(|| PyExchange::from(&self.inner.exchange))
    }

    /// The report as the JSON object of the contract (plain dicts and lists).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        report_dict(py, &self.inner)
    }

    /// The report as one JSON line: what `triage validate --format json` writes for
    /// the same payload and source.
    fn to_json(&self) -> String {
        self.inner.to_json_line()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyReport>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Report(source={:?}, traffic_type={:?}, format={:?}, valid={}, diagnostics={})",
            self.inner.source,
            self.inner.traffic_type.as_str(),
            wire_name(&self.inner.format),
            if self.inner.is_valid() {
                "True"
            } else {
                "False"
            },
            self.inner.diagnostics.len()
        )
    }
}

/// One finding: code, severity, where, and a message that never holds payload values.
#[pyclass(
    frozen,
    get_all,
    module = "payload_triage._native",
    name = "Diagnostic"
)]
struct PyDiagnostic {
    code: String,
    severity: String,
    path: String,
    message: String,
}

impl From<&Diagnostic> for PyDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        PyDiagnostic {
            code: d.code.name().to_owned(),
            severity: d.severity.as_str().to_owned(),
            path: d.path.clone(),
            message: d.message.clone(),
        }
    }
}

#[pymethods]
impl PyDiagnostic {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("code", &self.code)?;
        dict.set_item("severity", &self.severity)?;
        dict.set_item("path", &self.path)?;
        dict.set_item("message", &self.message)?;
        Ok(dict)
    }

    fn __str__(&self) -> String {
        if self.path.is_empty() {
            format!("{} {}: {}", self.severity, self.code, self.message)
        } else {
            format!(
                "{} {} at {}: {}",
                self.severity, self.code, self.path, self.message
            )
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "Diagnostic(code={:?}, severity={:?}, path={:?})",
            self.code, self.severity, self.path
        )
    }
}

/// One datetime field and its canonical UTC value.
#[pyclass(frozen, get_all, module = "payload_triage._native", name = "Datetime")]
struct PyDatetime {
    path: String,
    original: String,
    canonical: Option<String>,
    precision: Option<String>,
}

impl From<&DatetimeEntry> for PyDatetime {
    fn from(d: &DatetimeEntry) -> Self {
        PyDatetime {
            path: d.path.to_string(),
            original: d.original.to_string(),
            canonical: owned(&d.canonical),
            precision: d.precision.as_ref().map(wire_name),
        }
    }
}

#[pymethods]
impl PyDatetime {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("path", &self.path)?;
        dict.set_item("original", &self.original)?;
        dict.set_item("canonical", &self.canonical)?;
        dict.set_item("precision", &self.precision)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        format!(
            "Datetime(path={:?}, canonical={}, precision={})",
            self.path,
            py_repr(self.canonical.as_deref()),
            py_repr(self.precision.as_deref())
        )
    }
}

/// The routing metadata a message carries; every field may be `None` (and
/// `destinations` empty).
#[pyclass(frozen, module = "payload_triage._native", name = "Exchange")]
struct PyExchange {
    #[pyo3(get)]
    pattern: Option<String>,
    #[pyo3(get)]
    version: Option<String>,
    #[pyo3(get)]
    message_type: Option<String>,
    #[pyo3(get)]
    event: Option<String>,
    #[pyo3(get)]
    structure: Option<String>,
    #[pyo3(get)]
    transaction: Option<String>,
    #[pyo3(get)]
    message_id: Option<String>,
    #[pyo3(get)]
    relates_to: Option<String>,
    #[pyo3(get)]
    acknowledgement_code: Option<String>,
    #[pyo3(get)]
    claimed_environment: Option<String>,
    #[pyo3(get)]
    processing_id: Option<String>,
    sender: Option<Party>,
    destinations: Vec<Party>,
    wire: Value,
}

impl From<&Exchange> for PyExchange {
    fn from(e: &Exchange) -> Self {
        PyExchange {
            pattern: e.pattern.as_ref().map(wire_name),
            version: owned(&e.version),
            message_type: owned(&e.message_type),
            event: owned(&e.event),
            structure: owned(&e.structure),
            transaction: owned(&e.transaction),
            message_id: owned(&e.message_id),
            relates_to: owned(&e.relates_to),
            acknowledgement_code: owned(&e.acknowledgement_code),
            claimed_environment: e.claimed_environment.map(|x| x.as_str().to_owned()),
            processing_id: owned(&e.processing_id),
            sender: e.sender.clone(),
            destinations: e.destinations.clone(),
            wire: serde_json::to_value(e).unwrap_or(Value::Null),
        }
    }
}

#[pymethods]
impl PyExchange {
    /// Who the message says sent it, or `None`.
    #[getter]
    fn sender(&self) -> Option<PyParty> {
        self.sender.clone().map(|inner| PyParty { inner })
    }

    /// Where the message says it goes (at most 32 listed); empty when it names none.
    #[getter]
    fn destinations(&self) -> Vec<PyParty> {
        self.destinations
            .iter()
            .map(|p| PyParty { inner: p.clone() })
            .collect()
    }

    /// The fields present, as in the JSON report.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &self.wire)
    }

    fn __repr__(&self) -> String {
        format!("Exchange({})", self.wire)
    }
}

/// A sender or destination as the message names it; every field may be `None`.
#[pyclass(frozen, module = "payload_triage._native", name = "Party")]
struct PyParty {
    inner: Party,
}

#[pymethods]
impl PyParty {
    #[getter]
    fn id(&self) -> Option<&str> {
        self.inner.id.as_deref()
    }
    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }
    #[getter]
    fn application(&self) -> Option<&str> {
        self.inner.application.as_deref()
    }
    #[getter]
    fn facility(&self) -> Option<&str> {
        self.inner.facility.as_deref()
    }
    #[getter]
    fn address(&self) -> Option<&str> {
        self.inner.address.as_deref()
    }
    #[getter]
    fn home_community_id(&self) -> Option<&str> {
        self.inner.home_community_id.as_deref()
    }
    #[getter]
    fn issuer(&self) -> Option<&str> {
        self.inner.issuer.as_deref()
    }

    /// The fields present, as in the JSON report.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(&self.inner).map_err(value_error)?;
        json_to_py(py, &value)
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyParty>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        let fields = serde_json::to_value(&self.inner).unwrap_or(Value::Null);
        format!("Party({fields})")
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyEngine>()?;
    m.add_class::<PyReport>()?;
    m.add_class::<PyDiagnostic>()?;
    m.add_class::<PyDatetime>()?;
    m.add_class::<PyExchange>()?;
    m.add_class::<PyParty>()?;
    m.add("CONTRACT_VERSION", payload_triage::CONTRACT_VERSION)?;
    Ok(())
}

/// A report field as an owned Python-side string.
fn owned(value: &Option<payload_triage::Text>) -> Option<String> {
    value.as_ref().map(|text| text.to_string())
}
