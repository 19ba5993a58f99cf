//! Configuration: size limits, embedded-file bounds, source profiles and the destination.
//!
//! [`Config`] deserializes from the TOML file the command line takes (`--config`); the
//! library itself does not parse TOML. Source profiles are matched to inputs by path
//! prefix, so an archive organised per sender gets each sender's zone and environment.
//!
//! ```toml
//! destination_environment = "production"
//!
//! [limits]            # bytes; 1 MB = 1,000,000
//! hl7v2_mllp = 30000000
//!
//! [source]            # the default profile
//! timezone = "America/New_York"
//! environment = "production"
//!
//! [sources.lab]       # a named profile for inputs under these paths
//! paths = ["archive/lab/"]
//! timezone = "America/Chicago"
//! hl7_use_msh7_offset = true
//! dst_policy = "earlier"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::datetime::DstPolicy;
use crate::error::Error;
use crate::limits::SizePolicy;
use crate::traffic::Environment;

/// Bounds on the work input can cause beyond its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bounds {
    /// How deep embedded files may nest (a file in a file in a payload is depth 2).
    pub embedded_depth: u8,
    /// How many embedded files one payload may carry.
    pub embedded_count: usize,
    /// How many messages one file may hold (HL7 batches, MLLP captures, NDJSON).
    pub messages_per_file: usize,
    /// How many diagnostics one report keeps; the rest are counted in a final one.
    pub diagnostics_per_report: usize,
    /// Bounds of the secure XML reader (`[bounds.xml]`).
    pub xml: crate::xml::XmlLimits,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            embedded_depth: 4,
            embedded_count: 256,
            messages_per_file: 1_000_000,
            diagnostics_per_report: 1_000,
            xml: crate::xml::XmlLimits::default(),
        }
    }
}

/// A sender's profile as written in configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SourceConfig {
    /// Path prefixes of inputs from this source (named profiles only).
    pub paths: Vec<String>,
    /// IANA zone for local times without an offset.
    pub timezone: Option<String>,
    /// The sender's environment type.
    pub environment: Option<Environment>,
    /// DST gap and fold policy.
    pub dst_policy: DstPolicy,
    /// HL7 v2: use MSH-7's offset for other fields that carry none.
    pub hl7_use_msh7_offset: bool,
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Size limit per traffic type.
    pub limits: SizePolicy,
    /// Bounds on nesting and counts.
    pub bounds: Bounds,
    /// The environment type of the destination this gate stands in front of.
    pub destination_environment: Option<Environment>,
    /// The default source profile.
    pub source: SourceConfig,
    /// Named source profiles, matched by path prefix.
    pub sources: BTreeMap<String, SourceConfig>,
}

/// A sender's profile, resolved: the zone is looked up in jiff's bundled tz database.
#[derive(Debug, Clone, Default)]
pub struct SourceProfile {
    /// The sender's IANA zone, for local times without an offset.
    pub zone: Option<jiff::tz::TimeZone>,
    /// The sender's environment type.
    pub environment: Option<Environment>,
    /// DST gap and fold policy.
    pub dst_policy: DstPolicy,
    /// HL7 v2: use MSH-7's offset for other fields that carry none.
    pub hl7_use_msh7_offset: bool,
}

impl SourceProfile {
    /// A profile with the sender's IANA zone, looked up in the bundled tz database so the
    /// result does not depend on the host's tzdata.
    pub fn with_zone(mut self, iana_name: &str) -> Result<Self, Error> {
        self.zone = Some(lookup_zone(iana_name)?);
        Ok(self)
    }

    /// A profile with the sender's environment type.
    pub fn with_environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// Resolves a configured profile.
    pub fn from_config(config: &SourceConfig) -> Result<Self, Error> {
        let mut profile = SourceProfile {
            zone: None,
            environment: config.environment,
            dst_policy: config.dst_policy,
            hl7_use_msh7_offset: config.hl7_use_msh7_offset,
        };
        if let Some(name) = &config.timezone {
            profile = profile.with_zone(name)?;
        }
        Ok(profile)
    }
}

/// Looks an IANA zone name up in jiff's bundled database.
pub fn lookup_zone(iana_name: &str) -> Result<jiff::tz::TimeZone, Error> {
    static DB: std::sync::OnceLock<jiff::tz::TimeZoneDatabase> = std::sync::OnceLock::new();
    DB.get_or_init(jiff::tz::TimeZoneDatabase::bundled)
        .get(iana_name)
        .map_err(|_| Error::Config(format!("unknown IANA time zone `{iana_name}`")))
}

impl Config {
    /// The source profile for an input path: the named profile with the longest matching
    /// path prefix, else the default profile.
    pub fn profile_for(&self, path: &str) -> Result<SourceProfile, Error> {
        let best = self
            .sources
            .values()
            .flat_map(|s| s.paths.iter().map(move |p| (p, s)))
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, s)| s);
        SourceProfile::from_config(best.unwrap_or(&self.source))
    }

    /// Checks every zone name and limit now, so errors surface at start-up.
    pub fn check(&self) -> Result<(), Error> {
        SourceProfile::from_config(&self.source)?;
        for (name, source) in &self.sources {
            SourceProfile::from_config(source)
                .map_err(|e| Error::Config(format!("source `{name}`: {e}")))?;
        }
        if self.bounds.diagnostics_per_report == 0 {
            return Err(Error::Config(
                "bounds.diagnostics_per_report must be at least 1".into(),
            ));
        }
        Ok(())
    }
}
