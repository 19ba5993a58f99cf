//! Errors: I/O and configuration only. Malformed payloads are never an `Err`; they are
//! diagnostics in a [`Report`](crate::Report).

use std::path::PathBuf;

/// What can go wrong outside the payload itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading a payload failed.
    #[error("cannot read {source_name}: {error}")]
    Io {
        /// The file or stream being read.
        source_name: String,
        /// The underlying error.
        #[source]
        error: std::io::Error,
    },
    /// Writing an output file (`--canonical-out`) failed.
    #[error("cannot write {target}: {error}")]
    Write {
        /// The file being written, as a source name.
        target: String,
        /// The underlying error.
        #[source]
        error: std::io::Error,
    },
    /// The configuration is wrong.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
}

/// What is wrong with a configuration: one variant per kind of mistake, so a service can
/// tell them apart without reading the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A time zone name is not in the bundled IANA tz database.
    #[error("unknown IANA time zone `{name}`")]
    UnknownZone {
        /// The name as given.
        name: String,
    },
    /// A named source profile has a bad value.
    #[error("source `{profile}`: {error}")]
    Source {
        /// The profile's name.
        profile: String,
        /// What is wrong with it.
        error: Box<ConfigError>,
    },
    /// A bound is out of its range.
    #[error("bounds.{bound} must be at least {minimum}")]
    Bound {
        /// The bound's key.
        bound: &'static str,
        /// The smallest allowed value.
        minimum: u64,
    },
    /// A `[severity]` key names no registered diagnostic code.
    #[error("[severity]: `{name}` is not a diagnostic code (`triage codes` lists them)")]
    UnknownCode {
        /// The key as given.
        name: String,
    },
    /// A `[severity]` value is not `info`, `warning`, `error` or `off`.
    #[error("[severity] {code}: `{value}` is not one of info, warning, error, off")]
    UnknownSeverity {
        /// The code.
        code: String,
        /// The value as given.
        value: String,
    },
    /// Two source profiles claim the same inputs.
    #[error("sources `{first}` and `{second}` both claim the inputs under `{path}`; a source must match one profile")]
    ProfilesOverlap {
        /// The path both claim, as written.
        path: String,
        /// One profile.
        first: String,
        /// The other.
        second: String,
    },
    /// Two source profiles claim the same sender identity.
    #[error("sources `{first}` and `{second}` both claim the {field} identity given in `{second}`; a sender must match one profile")]
    IdentityOverlap {
        /// The identity field (`hl7_sending_facility`, ...).
        field: &'static str,
        /// One profile.
        first: String,
        /// The other.
        second: String,
    },
    /// A policy entry of a profile cannot be used: empty, too long, or holding a
    /// control character.
    #[error("`{field}`: {problem}")]
    PolicyEntry {
        /// The key (`identity.hl7_sending_facility`, `destinations`, ...).
        field: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A named profile uses a reserved name.
    #[error("sources.{name}: `default` names the [source] profile and cannot name another")]
    ReservedProfileName {
        /// The name.
        name: String,
    },
    /// The configuration file cannot be read.
    #[error("cannot read {}: {message}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The configuration text is not valid TOML for this schema.
    #[error("{}{message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Syntax {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// What is wrong, with line and column where known.
        message: String,
    },
}

impl Error {
    /// The input or output the error is about, as a source name (escaped per
    /// `docs/contract.md`), when it has one.
    pub fn input_name(&self) -> Option<&str> {
        match self {
            Error::Io { source_name, .. } => Some(source_name),
            Error::Write { target, .. } => Some(target),
            Error::Config(_) => None,
        }
    }

    pub(crate) fn write(target: impl Into<String>, error: std::io::Error) -> Self {
        Error::Write {
            target: target.into(),
            error,
        }
    }

    pub(crate) fn io(source_name: impl Into<String>, error: std::io::Error) -> Self {
        Error::Io {
            source_name: source_name.into(),
            error,
        }
    }
}
