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

mod arrow;

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
pub(crate) fn wire_name<T: Serialize>(value: &T) -> String {
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
    fn contexts<S: AsRef<str>>(
        &self,
        sources: &[Option<S>],
        count: usize,
        options: &Options,
    ) -> PyResult<Vec<Context>> {
        let name = |i: usize| -> &str {
            sources
                .get(i)
                .and_then(|s| s.as_ref())
                .map_or("", AsRef::as_ref)
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

    /// The Spark helper's batch as Arrow buffers, with no Python object per row or per
    /// value. `contents` (and `sources`, when given) is an Arrow binary or string column
    /// as `(length, offset, offset width, validity, offsets, data)`, the buffers as
    /// `bytes`; a buffer that does not hold what its layout says is a `ValueError`.
    /// Rows as `validate_messages` (or `validate` with `messages=False`) gives them for
    /// each payload, a row of nulls but its source for a null payload. Returns a list
    /// of chunks, more than one only when a batch's text would pass Arrow `string`'s
    /// 2 GiB (`chunk_bytes` lowers that limit, for tests), each `{column path: (kind,
    /// length, null_count, validity, *buffers)}`: a struct's fields are `path.field`,
    /// a list's items `path[]`. Not part of the public API.
    #[pyo3(signature = (contents, sources, *, hint = None, timezone = None, environment = None, messages = true, chunk_bytes = None))]
    #[allow(clippy::too_many_arguments)] // the Python keyword arguments
    fn _arrow_columns<'py>(
        &self,
        py: Python<'py>,
        contents: arrow::VarColumn<'py>,
        sources: Option<arrow::VarColumn<'py>>,
        hint: Option<&str>,
        timezone: Option<&str>,
        environment: Option<&str>,
        messages: bool,
        chunk_bytes: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let options = Options::parse(hint, timezone, environment)?;
        let payloads = arrow::var_values(&contents, "contents")?;
        let names = match &sources {
            Some(column) => arrow::str_values(column, "sources")?,
            None => vec![None; payloads.len()],
        };
        if names.len() != payloads.len() {
            return Err(PyValueError::new_err(format!(
                "sources has {} rows for {} payloads",
                names.len(),
                payloads.len()
            )));
        }
        let contexts = self.contexts(&names, payloads.len(), &options)?;
        let engine = &self.engine;
        let limit = chunk_bytes.unwrap_or(arrow::MAX_CHUNK_TEXT);
        let batches = py.detach(|| {
            let mut batches = arrow::Batches::new(limit);
            for ((bytes, ctx), name) in payloads.iter().zip(&contexts).zip(&names) {
                match bytes {
                    None => batches.push_null(*name),
                    Some(bytes) if messages => {
                        for report in engine.validate_messages(bytes, ctx) {
                            batches.push(&report);
                        }
                    }
                    Some(bytes) => batches.push(&engine.validate(bytes, ctx)),
                }
            }
            batches
        });
        batches.into_py(py)
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
    // The Spark helper's schema names the struct fields the Arrow writer fills: one list.
    m.add("_EXCHANGE_FIELDS", arrow::EXCHANGE_STRINGS.to_vec())?;
    m.add("_PARTY_FIELDS", arrow::PARTY_FIELDS.to_vec())?;
    Ok(())
}

/// A report field as an owned Python-side string.
fn owned(value: &Option<payload_triage::Text>) -> Option<String> {
    value.as_ref().map(|text| text.to_string())
}
