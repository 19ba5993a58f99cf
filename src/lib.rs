//! # payload-triage
//!
//! The gate at the door of a health-data exchange. Every payload is classified by
//! traffic type, held to that type's size limit, validated against bundled schemas, and
//! has its datetime fields canonicalized to UTC ISO 8601 without inventing times.
//!
//! ```
//! use payload_triage::{Context, Engine, TrafficType};
//!
//! let engine = Engine::default(); // build once, share across threads
//! let ctx = Context::new().with_hint(TrafficType::Hl7v2Mllp);
//! let report = engine.validate(b"PID|1||123\r", &ctx);
//! assert!(!report.valid());
//! assert!(report.diagnostics.iter().any(|d| d.code == "HL7_MSH_MISSING"));
//! println!("{}", report.to_json_line());
//! ```
//!
//! The pipeline, one module per step: [`limits`] → [`classify`] → format modules
//! ([`hl7v2`], [`json`], [`xml`], and [`files`] for binary files) → [`datetime`] →
//! embedded files → [`report`] → [`batch`]. Diagnostic codes are listed in [`codes`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod batch;
pub mod classify;
pub mod codes;
pub mod config;
pub mod datetime;
pub mod engine;
pub mod error;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod hl7v2;
pub mod json;
pub mod limits;
pub mod report;
pub mod traffic;
pub mod xml;

pub use classify::{classify, sniff, Sniffed};
pub use config::{Config, SourceProfile};
pub use engine::{Context, Engine};
pub use error::Error;
pub use limits::SizePolicy;
pub use report::{DatetimeEntry, Diagnostic, Exchange, ExchangePattern, Format, Report, Severity};
pub use traffic::{Environment, TrafficType};

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
    }
}
