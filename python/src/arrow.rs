//! The Spark helper's batches in Arrow's own memory layout: the payload column read from
//! its Arrow buffers, the report columns filled in Rust and handed to Python as buffers
//! (`pyarrow.Array.from_buffers`), so no Python object is made per row or per value.
//!
//! The layouts are those of the Arrow columnar format
//! (<https://arrow.apache.org/docs/format/Columnar.html>):
//! - "Validity bitmaps": one bit per slot, 1 = valid; slot `j` is bit `j % 8` of byte
//!   `j / 8` (least-significant bit numbering). A column without nulls passes no
//!   bitmap, which the format allows.
//! - "Fixed-size Primitive Layout": int64 and int32 values, a null slot holding any
//!   value (0 here); booleans are bit-packed, numbered as the validity bitmap is.
//! - "Variable-size Binary Layout": `length + 1` offsets, value `j` being the bytes
//!   `data[offsets[j]..offsets[j + 1]]`, a null slot repeating the previous offset.
//!   Arrow `string` and `binary` have int32 offsets, `large_*` int64; the result's
//!   strings are `string`, so one array's text stays below 2^31 bytes (a batch that
//!   would pass that is split, see [`Batches`]).
//! - "Variable-size List Layout": the same int32 offsets, into the child array.
//! - "Struct Layout": a validity bitmap and one child array per field, each as long as
//!   the struct array (a null struct still has a slot, null here, in every child).
//! - "Byte Order (Endianness)": the buffers are in the platform's byte order, which is
//!   the order pyarrow in this same process reads and writes.

use payload_triage::{ExchangePattern, Format, Party, Report, Text};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use serde::Serialize;

use crate::wire_name;

/// The most text one chunk of the result holds, summed over all its string columns:
/// every column's offsets then fit Arrow `string`'s int32.
pub(crate) const MAX_CHUNK_TEXT: usize = i32::MAX as usize;

/// An Arrow binary or string column as Python hands it over: `(length, offset, offset
/// width in bytes (4 or 8), validity bitmap or None, offsets buffer, data buffer)`, the
/// buffers as `bytes` (`pyarrow.Buffer.to_pybytes`).
pub(crate) type VarColumn<'py> = (
    usize,
    usize,
    usize,
    Option<Bound<'py, PyBytes>>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
);

/// The values of an Arrow binary or string column, `None` for a null slot. Every
/// offset is checked against the buffers' lengths: a buffer that does not hold what
/// the layout says is a `ValueError` naming `what` and the slot, never a panic.
pub(crate) fn var_values<'a>(
    column: &'a VarColumn<'_>,
    what: &str,
) -> PyResult<Vec<Option<&'a [u8]>>> {
    let (len, offset, width, validity, offsets, data) = column;
    let (len, offset, width) = (*len, *offset, *width);
    let validity = validity.as_ref().map(|v| v.as_bytes());
    let offsets = offsets.as_bytes();
    let data = data.as_bytes();
    let bad = |detail: &str| {
        PyValueError::new_err(format!(
            "{what}: the Arrow buffers do not hold a valid column ({detail})"
        ))
    };
    if width != 4 && width != 8 {
        return Err(bad("offsets must be 4 or 8 bytes wide"));
    }
    // Offset `k` of the column, as a byte position in `data`.
    let at = |k: usize| -> Option<usize> {
        let start = k.checked_mul(width)?;
        let bytes = offsets.get(start..start.checked_add(width)?)?;
        match width {
            4 => usize::try_from(i32::from_ne_bytes(bytes.try_into().ok()?)).ok(),
            _ => usize::try_from(i64::from_ne_bytes(bytes.try_into().ok()?)).ok(),
        }
    };
    let mut values = Vec::with_capacity(len);
    for i in 0..len {
        let j = offset
            .checked_add(i)
            .ok_or_else(|| bad("offset out of range"))?;
        if let Some(bits) = validity {
            let byte = bits
                .get(j / 8)
                .ok_or_else(|| bad(&format!("validity bitmap too short at row {i}")))?;
            if byte >> (j % 8) & 1 == 0 {
                values.push(None);
                continue;
            }
        }
        let range = at(j).zip(j.checked_add(1).and_then(at));
        let value = range
            .and_then(|(start, end)| data.get(start..end))
            .ok_or_else(|| bad(&format!("offsets out of range at row {i}")))?;
        values.push(Some(value));
    }
    Ok(values)
}

/// The values of an Arrow string column; text that is not UTF-8 (which the format
/// forbids) is a `ValueError`.
pub(crate) fn str_values<'a>(
    column: &'a VarColumn<'_>,
    what: &str,
) -> PyResult<Vec<Option<&'a str>>> {
    var_values(column, what)?
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            value
                .map(std::str::from_utf8)
                .transpose()
                .map_err(|_| PyValueError::new_err(format!("{what}: row {i} is not UTF-8")))
        })
        .collect()
}

/// A bitmap numbered as Arrow's validity bitmaps are (see the module's comment).
#[derive(Default)]
struct Bitmap {
    bytes: Vec<u8>,
    len: usize,
    unset: usize,
}

impl Bitmap {
    fn push(&mut self, bit: bool) {
        let shift = self.len % 8;
        if shift == 0 {
            self.bytes.push(0);
        }
        if bit {
            if let Some(last) = self.bytes.last_mut() {
                *last |= 1 << shift;
            }
        } else {
            self.unset += 1;
        }
        self.len += 1;
    }

    /// `(kind, length, null_count, validity)`: the bitmap as a validity buffer, `None`
    /// when every slot is valid.
    fn header<'py>(&self, py: Python<'py>, kind: &str) -> Vec<Bound<'py, PyAny>> {
        let validity = if self.unset > 0 {
            PyBytes::new(py, &self.bytes).into_any()
        } else {
            py.None().into_bound(py)
        };
        vec![
            PyString::new(py, kind).into_any(),
            usize_py(py, self.len),
            usize_py(py, self.unset),
            validity,
        ]
    }
}

fn usize_py(py: Python<'_>, value: usize) -> Bound<'_, PyAny> {
    value
        .into_pyobject(py)
        .map(|v| v.into_any())
        .unwrap_or_else(|e| match e {})
}

/// The error for a column whose offsets would pass int32.
fn too_big(path: &str) -> PyErr {
    PyValueError::new_err(format!(
        "column {path}: one report holds more than Arrow `string`'s 2 GiB of text"
    ))
}

/// Offsets of a string or list column: int32, `length + 1` of them, from 0.
#[derive(Default)]
struct Offsets {
    bytes: Vec<u8>,
    overflow: bool,
}

impl Offsets {
    fn push(&mut self, end: usize) {
        if self.bytes.is_empty() {
            self.bytes.extend_from_slice(&0i32.to_ne_bytes());
        }
        let end = match i32::try_from(end) {
            Ok(end) => end,
            Err(_) => {
                self.overflow = true;
                i32::MAX
            }
        };
        self.bytes.extend_from_slice(&end.to_ne_bytes());
    }

    /// The buffer; an empty column has the one offset 0.
    fn buffer<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyAny>> {
        if self.overflow {
            return Err(too_big(path));
        }
        let zero = 0i32.to_ne_bytes();
        let bytes = if self.bytes.is_empty() {
            zero.as_slice()
        } else {
            self.bytes.as_slice()
        };
        Ok(PyBytes::new(py, bytes).into_any())
    }
}

/// An Arrow `string` column.
#[derive(Default)]
struct Strings {
    valid: Bitmap,
    offsets: Offsets,
    data: Vec<u8>,
}

impl Strings {
    fn push(&mut self, value: Option<&str>) {
        if let Some(text) = value {
            self.data.extend_from_slice(text.as_bytes());
        }
        self.offsets.push(self.data.len());
        self.valid.push(value.is_some());
    }

    fn len(&self) -> usize {
        self.valid.len
    }

    fn put(&self, out: &Bound<'_, PyDict>, path: &str) -> PyResult<()> {
        let py = out.py();
        let mut spec = self.valid.header(py, "utf8");
        spec.push(self.offsets.buffer(py, path)?);
        spec.push(PyBytes::new(py, &self.data).into_any());
        out.set_item(path, PyTuple::new(py, spec)?)
    }
}

/// An Arrow int64 or int32 column (`N` bytes a value).
struct Fixed<const N: usize> {
    valid: Bitmap,
    values: Vec<u8>,
}

impl<const N: usize> Default for Fixed<N> {
    fn default() -> Self {
        Fixed {
            valid: Bitmap::default(),
            values: Vec::new(),
        }
    }
}

impl<const N: usize> Fixed<N> {
    fn push(&mut self, value: Option<[u8; N]>) {
        self.values.extend_from_slice(&value.unwrap_or([0; N]));
        self.valid.push(value.is_some());
    }

    fn put(&self, out: &Bound<'_, PyDict>, path: &str, kind: &str) -> PyResult<()> {
        let py = out.py();
        let mut spec = self.valid.header(py, kind);
        spec.push(PyBytes::new(py, &self.values).into_any());
        out.set_item(path, PyTuple::new(py, spec)?)
    }
}

/// A byte count as int64 (Spark's BIGINT); one past int64 (8 EiB, never a real size)
/// is an error at the end rather than a wrong number.
fn int64(value: u64, overflow: &mut bool) -> [u8; 8] {
    i64::try_from(value)
        .unwrap_or_else(|_| {
            *overflow = true;
            i64::MAX
        })
        .to_ne_bytes()
}

/// An Arrow boolean column.
#[derive(Default)]
struct Bools {
    valid: Bitmap,
    values: Bitmap,
}

impl Bools {
    fn push(&mut self, value: Option<bool>) {
        self.values.push(value.unwrap_or(false));
        self.valid.push(value.is_some());
    }

    fn put(&self, out: &Bound<'_, PyDict>, path: &str) -> PyResult<()> {
        let py = out.py();
        let mut spec = self.valid.header(py, "bool");
        spec.push(PyBytes::new(py, &self.values.bytes).into_any());
        out.set_item(path, PyTuple::new(py, spec)?)
    }
}

/// An Arrow list column's own buffers (its child is filled apart).
#[derive(Default)]
struct List {
    valid: Bitmap,
    offsets: Offsets,
}

impl List {
    /// One row: whether it is non-null, and the child's length after its items.
    fn push(&mut self, valid: bool, end: usize) {
        self.offsets.push(end);
        self.valid.push(valid);
    }

    fn put(&self, out: &Bound<'_, PyDict>, path: &str) -> PyResult<()> {
        let py = out.py();
        let mut spec = self.valid.header(py, "list");
        spec.push(self.offsets.buffer(py, path)?);
        out.set_item(path, PyTuple::new(py, spec)?)
    }
}

/// A struct column's own validity (its children are filled apart).
fn put_struct(out: &Bound<'_, PyDict>, path: &str, valid: &Bitmap) -> PyResult<()> {
    let py = out.py();
    out.set_item(path, PyTuple::new(py, valid.header(py, "struct"))?)
}

/// A struct column that is never null (the items of a list), `len` slots.
fn put_items(out: &Bound<'_, PyDict>, path: &str, len: usize) -> PyResult<()> {
    let py = out.py();
    let spec = vec![
        PyString::new(py, "struct").into_any(),
        usize_py(py, len),
        usize_py(py, 0),
        py.None().into_bound(py),
    ];
    out.set_item(path, PyTuple::new(py, spec)?)
}

/// The fields of the result's `diagnostics` structs.
const DIAGNOSTIC_FIELDS: [&str; 4] = ["code", "severity", "path", "message"];

/// The fields of the result's `datetimes` structs.
const DATETIME_FIELDS: [&str; 4] = ["path", "original", "canonical", "precision"];

/// The string fields of the result's `exchange` struct, in the order
/// [`Chunk::push`] fills them; `sender` and `destinations` follow.
pub(crate) const EXCHANGE_STRINGS: [&str; 11] = [
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

/// The fields of a party struct (`exchange.sender`, `exchange.destinations`), the keys
/// of the JSON report's party object.
pub(crate) const PARTY_FIELDS: [&str; 7] = [
    "id",
    "name",
    "application",
    "facility",
    "address",
    "home_community_id",
    "issuer",
];

/// One string column per party field, one slot per party.
#[derive(Default)]
struct Parties([Strings; PARTY_FIELDS.len()]);

impl Parties {
    fn len(&self) -> usize {
        self.0.first().map_or(0, Strings::len)
    }

    fn push(&mut self, party: Option<&Party>) {
        let values = [
            party.and_then(|p| p.id.as_deref()),
            party.and_then(|p| p.name.as_deref()),
            party.and_then(|p| p.application.as_deref()),
            party.and_then(|p| p.facility.as_deref()),
            party.and_then(|p| p.address.as_deref()),
            party.and_then(|p| p.home_community_id.as_deref()),
            party.and_then(|p| p.issuer.as_deref()),
        ];
        for (column, value) in self.0.iter_mut().zip(values) {
            column.push(value);
        }
    }

    fn put(&self, out: &Bound<'_, PyDict>, path: &str) -> PyResult<()> {
        for (name, column) in PARTY_FIELDS.iter().zip(&self.0) {
            column.put(out, &format!("{path}.{name}"))?;
        }
        Ok(())
    }
}

/// The report columns of one chunk of a Spark batch, filled row by row.
#[derive(Default)]
struct Chunk {
    /// Bytes of text the rows may have put into the string columns (an upper bound).
    text: usize,
    /// A number past int64 or int32 was pushed.
    overflow: bool,
    source: Strings,
    traffic_type: Strings,
    format: Strings,
    size_bytes: Fixed<8>,
    valid: Bools,
    diagnostics: List,
    diagnostic: [Strings; 4],
    datetimes: List,
    datetime: [Strings; 4],
    exchange: Bitmap,
    exchange_fields: [Strings; EXCHANGE_STRINGS.len()],
    /// `exchange.sender`: null where the report has no sender; a sender with no field
    /// set is `{}` in the JSON report, so a struct of nulls here, not a null struct.
    sender: Bitmap,
    sender_fields: Parties,
    /// `exchange.destinations`: null where the report lists none (the JSON report then
    /// has no key).
    destinations: List,
    destination: Parties,
    limit_bytes: Fixed<8>,
    content_looks_like: Strings,
    encoded_bytes: Fixed<8>,
    embedded: Strings,
    contract_version: Fixed<4>,
    source_profile: Strings,
    redacted: Bools,
}

impl Chunk {
    fn rows(&self) -> usize {
        self.source.len()
    }

    fn push(&mut self, report: &Report, format: &str, pattern: Option<&str>, embedded: &str) {
        let overflow = &mut self.overflow;
        self.source.push(Some(report.source.as_str()));
        self.traffic_type.push(Some(report.traffic_type.as_str()));
        self.format.push(Some(format));
        self.size_bytes
            .push(Some(int64(report.size_bytes, overflow)));
        self.valid.push(Some(report.is_valid()));
        for d in &report.diagnostics {
            let [code, severity, path, message] = &mut self.diagnostic;
            code.push(Some(d.code.name()));
            severity.push(Some(d.severity.as_str()));
            path.push(Some(d.path.as_str()));
            message.push(Some(d.message.as_str()));
        }
        self.diagnostics
            .push(true, self.diagnostic.first().map_or(0, Strings::len));
        for d in &report.datetimes {
            let [path, original, canonical, precision] = &mut self.datetime;
            path.push(Some(&*d.path));
            original.push(Some(&*d.original));
            canonical.push(d.canonical.as_deref());
            precision.push(d.precision.map(|p| p.as_str()));
        }
        self.datetimes
            .push(true, self.datetime.first().map_or(0, Strings::len));
        let e = &report.exchange;
        self.exchange.push(!e.is_empty());
        let fields = [
            pattern,
            e.version.as_deref(),
            e.message_type.as_deref(),
            e.event.as_deref(),
            e.structure.as_deref(),
            e.transaction.as_deref(),
            e.message_id.as_deref(),
            e.relates_to.as_deref(),
            e.claimed_environment.map(|x| x.as_str()),
            e.processing_id.as_deref(),
            e.acknowledgement_code.as_deref(),
        ];
        for (column, value) in self.exchange_fields.iter_mut().zip(fields) {
            column.push(value);
        }
        self.sender.push(e.sender.is_some());
        self.sender_fields.push(e.sender.as_ref());
        for party in &e.destinations {
            self.destination.push(Some(party));
        }
        self.destinations
            .push(!e.destinations.is_empty(), self.destination.len());
        self.limit_bytes
            .push(Some(int64(report.limit_bytes, overflow)));
        self.content_looks_like
            .push(report.content_looks_like.map(|t| t.as_str()));
        self.encoded_bytes
            .push(report.encoded_bytes.map(|n| int64(n, overflow)));
        self.embedded.push(Some(embedded));
        let version = i32::try_from(payload_triage::CONTRACT_VERSION).unwrap_or_else(|_| {
            *overflow = true;
            i32::MAX
        });
        self.contract_version.push(Some(version.to_ne_bytes()));
        self.source_profile.push(report.source_profile.as_deref());
        // Null unless redacted, as the JSON report has the key only then.
        self.redacted.push(report.redacted.then_some(true));
    }

    /// A null payload: its source, every other column null.
    fn push_null(&mut self, source: Option<&str>) {
        self.source.push(source);
        self.traffic_type.push(None);
        self.format.push(None);
        self.size_bytes.push(None);
        self.valid.push(None);
        self.diagnostics
            .push(false, self.diagnostic.first().map_or(0, Strings::len));
        self.datetimes
            .push(false, self.datetime.first().map_or(0, Strings::len));
        self.exchange.push(false);
        for column in &mut self.exchange_fields {
            column.push(None);
        }
        self.sender.push(false);
        self.sender_fields.push(None);
        self.destinations.push(false, self.destination.len());
        self.limit_bytes.push(None);
        self.content_looks_like.push(None);
        self.encoded_bytes.push(None);
        self.embedded.push(None);
        self.contract_version.push(None);
        self.source_profile.push(None);
        self.redacted.push(None);
    }

    /// `{column path: (kind, length, null_count, validity, *buffers)}`: a struct's
    /// fields are `path.field`, a list's items `path[]`.
    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        if self.overflow {
            return Err(PyValueError::new_err(
                "a report's number does not fit the result's integer column",
            ));
        }
        let out = PyDict::new(py);
        self.source.put(&out, "source")?;
        self.traffic_type.put(&out, "traffic_type")?;
        self.format.put(&out, "format")?;
        self.size_bytes.put(&out, "size_bytes", "int64")?;
        self.valid.put(&out, "valid")?;
        self.diagnostics.put(&out, "diagnostics")?;
        put_items(
            &out,
            "diagnostics[]",
            self.diagnostic.first().map_or(0, Strings::len),
        )?;
        for (name, column) in DIAGNOSTIC_FIELDS.iter().zip(&self.diagnostic) {
            column.put(&out, &format!("diagnostics[].{name}"))?;
        }
        self.datetimes.put(&out, "datetimes")?;
        put_items(
            &out,
            "datetimes[]",
            self.datetime.first().map_or(0, Strings::len),
        )?;
        for (name, column) in DATETIME_FIELDS.iter().zip(&self.datetime) {
            column.put(&out, &format!("datetimes[].{name}"))?;
        }
        put_struct(&out, "exchange", &self.exchange)?;
        for (name, column) in EXCHANGE_STRINGS.iter().zip(&self.exchange_fields) {
            column.put(&out, &format!("exchange.{name}"))?;
        }
        put_struct(&out, "exchange.sender", &self.sender)?;
        self.sender_fields.put(&out, "exchange.sender")?;
        self.destinations.put(&out, "exchange.destinations")?;
        put_items(&out, "exchange.destinations[]", self.destination.len())?;
        self.destination.put(&out, "exchange.destinations[]")?;
        self.limit_bytes.put(&out, "limit_bytes", "int64")?;
        self.content_looks_like.put(&out, "content_looks_like")?;
        self.encoded_bytes.put(&out, "encoded_bytes", "int64")?;
        self.embedded.put(&out, "embedded")?;
        self.contract_version
            .put(&out, "contract_version", "int32")?;
        self.source_profile.put(&out, "source_profile")?;
        self.redacted.put(&out, "redacted")?;
        Ok(out)
    }
}

/// Room for an enum's or a code's name in [`text_bound`]: far more than any is long.
const NAME_BYTES: usize = 64;

fn text_len(value: &Option<Text>) -> usize {
    value.as_ref().map_or(0, |t| t.len())
}

fn party_len(party: &Party) -> usize {
    text_len(&party.id)
        + text_len(&party.name)
        + text_len(&party.application)
        + text_len(&party.facility)
        + text_len(&party.address)
        + text_len(&party.home_community_id)
        + text_len(&party.issuer)
}

/// At least the bytes of text a report puts into the string columns, summed over them
/// (`embedded` is its JSON text, `embedded_len` bytes).
fn text_bound(report: &Report, embedded_len: usize) -> usize {
    let diagnostics: usize = report
        .diagnostics
        .iter()
        .map(|d| d.path.len() + d.message.len() + 2 * NAME_BYTES)
        .sum();
    let datetimes: usize = report
        .datetimes
        .iter()
        .map(|d| d.path.len() + d.original.len() + text_len(&d.canonical) + NAME_BYTES)
        .sum();
    let e = &report.exchange;
    let exchange = text_len(&e.version)
        + text_len(&e.message_type)
        + text_len(&e.event)
        + text_len(&e.structure)
        + text_len(&e.transaction)
        + text_len(&e.message_id)
        + text_len(&e.relates_to)
        + text_len(&e.processing_id)
        + text_len(&e.acknowledgement_code)
        + 2 * NAME_BYTES
        + e.sender.as_ref().map_or(0, party_len)
        + e.destinations.iter().map(party_len).sum::<usize>();
    report.source.len()
        + embedded_len
        + report.source_profile.as_ref().map_or(0, String::len)
        + 3 * NAME_BYTES
        + diagnostics
        + datetimes
        + exchange
}

/// A name looked up once per batch, not once per row (`wire_name` goes through serde).
fn cached<T: Copy + PartialEq + Serialize>(names: &mut Vec<(T, String)>, value: T) -> &str {
    if !names.iter().any(|(k, _)| *k == value) {
        names.push((value, wire_name(&value)));
    }
    names
        .iter()
        .find(|(k, _)| *k == value)
        .map_or("", |(_, name)| name.as_str())
}

/// A Spark batch's result: one chunk, or more when its text would pass `limit` bytes
/// (Arrow `string`'s int32 offsets; a smaller limit only in tests). A chunk always
/// takes at least one row; a single report past the limit on its own fails clearly
/// when it is handed over.
pub(crate) struct Batches {
    limit: usize,
    done: Vec<Chunk>,
    current: Chunk,
    formats: Vec<(Format, String)>,
    patterns: Vec<(ExchangePattern, String)>,
}

impl Batches {
    pub(crate) fn new(limit: usize) -> Self {
        Batches {
            limit,
            done: Vec::new(),
            current: Chunk::default(),
            formats: Vec::new(),
            patterns: Vec::new(),
        }
    }

    /// Starts a new chunk when `text` more bytes would not fit this one.
    fn make_room(&mut self, text: usize) {
        if self.current.rows() > 0 && self.current.text.saturating_add(text) > self.limit {
            self.done.push(std::mem::take(&mut self.current));
        }
        self.current.text = self.current.text.saturating_add(text);
    }

    pub(crate) fn push(&mut self, report: &Report) {
        // Most reports embed nothing: their `[]` needs no serializer.
        let embedded = if report.embedded.is_empty() {
            "[]".to_owned()
        } else {
            serde_json::to_string(&report.embedded).unwrap_or_else(|_| "[]".to_owned())
        };
        self.make_room(text_bound(report, embedded.len()));
        let format = cached(&mut self.formats, report.format);
        let pattern = report
            .exchange
            .pattern
            .map(|p| cached(&mut self.patterns, p));
        self.current.push(report, format, pattern, &embedded);
    }

    pub(crate) fn push_null(&mut self, source: Option<&str>) {
        self.make_room(source.map_or(0, str::len));
        self.current.push_null(source);
    }

    /// The chunks as a Python list of `{column path: buffers}` dicts, in row order.
    pub(crate) fn into_py(mut self, py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
        if self.current.rows() > 0 || self.done.is_empty() {
            self.done.push(self.current);
        }
        let out = PyList::empty(py);
        for chunk in &self.done {
            out.append(chunk.to_py(py)?)?;
        }
        Ok(out)
    }
}
