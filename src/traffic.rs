//! Traffic types and environment types: the two vocabularies every other module shares.
//!
//! The names are part of the output contract (docs/contract.md, "Traffic types and default
//! limits"): `snake_case` in reports and configuration, `kebab-case` on the command line.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of traffic a payload arrived as; each has its own size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TrafficType {
    /// Redox Data Model API JSON and Redox FHIR API (FHIR R4 JSON).
    RedoxApi,
    /// Carequality / IHE SOAP XML, including MTOM/XOP multipart.
    Carequality,
    /// HL7 v2.x messages, MLLP-framed or bare, including FHS/BHS batches.
    Hl7v2Mllp,
    /// A file uploaded as itself (PDF, image, DICOM, CDA document, ...).
    UploadedFile,
    /// A file carried inside another payload (base64 or MTOM part).
    EmbeddedFile,
    /// Anything else.
    Other,
}

impl TrafficType {
    /// Every traffic type, in the order of docs/contract.md's table.
    pub const ALL: [TrafficType; 6] = [
        TrafficType::RedoxApi,
        TrafficType::Carequality,
        TrafficType::Hl7v2Mllp,
        TrafficType::UploadedFile,
        TrafficType::EmbeddedFile,
        TrafficType::Other,
    ];

    /// The name used in reports and configuration (`hl7v2_mllp`).
    pub fn as_str(self) -> &'static str {
        match self {
            TrafficType::RedoxApi => "redox_api",
            TrafficType::Carequality => "carequality",
            TrafficType::Hl7v2Mllp => "hl7v2_mllp",
            TrafficType::UploadedFile => "uploaded_file",
            TrafficType::EmbeddedFile => "embedded_file",
            TrafficType::Other => "other",
        }
    }

    /// The name used on the command line (`hl7v2-mllp`).
    pub fn cli_name(self) -> &'static str {
        match self {
            TrafficType::RedoxApi => "redox-api",
            TrafficType::Carequality => "carequality",
            TrafficType::Hl7v2Mllp => "hl7v2-mllp",
            TrafficType::UploadedFile => "uploaded-file",
            TrafficType::EmbeddedFile => "embedded-file",
            TrafficType::Other => "other",
        }
    }
}

impl fmt::Display for TrafficType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a name that is no traffic type or environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`; expected one of: {expected}")]
pub struct UnknownName {
    what: &'static str,
    name: String,
    expected: &'static str,
}

impl FromStr for TrafficType {
    type Err = UnknownName;

    /// Accepts both the command-line (`hl7v2-mllp`) and report (`hl7v2_mllp`) spellings.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TrafficType::ALL
            .into_iter()
            .find(|t| t.cli_name() == s || t.as_str() == s)
            .ok_or_else(|| UnknownName {
                what: "traffic type",
                name: s.to_owned(),
                expected: "redox-api, carequality, hl7v2-mllp, uploaded-file, embedded-file, other",
            })
    }
}

/// The environment type of an exchange's source or destination. Data may only flow
/// between equal environment types (docs/contract.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Environment {
    /// Development.
    Development,
    /// Staging (test, training, validation).
    Staging,
    /// Production.
    Production,
}

impl Environment {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "development" => Ok(Environment::Development),
            "staging" => Ok(Environment::Staging),
            "production" => Ok(Environment::Production),
            _ => Err(UnknownName {
                what: "environment",
                name: s.to_owned(),
                expected: "development, staging, production",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_names_round_trip_in_both_spellings() {
        for t in TrafficType::ALL {
            assert_eq!(t.cli_name().parse::<TrafficType>(), Ok(t));
            assert_eq!(t.as_str().parse::<TrafficType>(), Ok(t));
            assert_eq!(
                serde_json::to_string(&t).ok(),
                Some(format!("\"{}\"", t.as_str()))
            );
        }
        assert!("hl7".parse::<TrafficType>().is_err());
    }
}
