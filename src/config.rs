//! Configuration: size limits, bounds, severity overrides, source profiles and the
//! destination.
//!
//! [`Config`] is the TOML file the command line takes (`--config`). With the `config`
//! feature (on by default), [`Config::from_toml_str`] and [`Config::from_path`] read it
//! in the library too, so a service and the CLI read the same file the same way.
//! Source profiles are matched to inputs by path prefix, or else by the sender the
//! message names, so an archive organised per sender gets each sender's zone and
//! environment; a profile also restricts what its source's key may do
//! (`docs/contract.md`, "Sources and their policy").
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
//! message_types = ["ORU^R01"]   # what its key may do
//!
//! [sources.lab.identity]        # the sender, as its messages name it
//! hl7_sending_facility = ["GOODLAB"]
//!
//! [severity]          # per-code overrides: info, warning, error or off
//! HL7_TABLE_VALUE = "info"
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::codes::Code;
use crate::datetime::{lookup_zone, DstPolicy};
use crate::error::{ConfigError, Error};
pub use crate::limits::SizePolicy;
pub use crate::policy::IdentityConfig;
use crate::policy::{Policy, PolicyConfig};
use crate::report::Severity;
use crate::traffic::Environment;
pub use crate::xml::XmlLimits;

/// Bounds on the work input can cause beyond its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Bounds {
    /// How deep embedded files may nest (a file in a file in a payload is depth 2).
    pub embedded_depth: u8,
    /// How many embedded files one payload may carry.
    pub embedded_count: usize,
    /// How many messages one file may hold (HL7 batches, MLLP captures, NDJSON).
    pub messages_per_file: usize,
    /// How many segments of one HL7 v2 message are examined; the rest are reported
    /// with `HL7_SEGMENT_COUNT_EXCEEDED`.
    pub segments_per_message: usize,
    /// How many diagnostics one report lists; the rest are counted in a final one. The
    /// gate's own diagnostics (content mismatch, environment) are always listed.
    pub diagnostics_per_report: usize,
    /// How many datetimes one report lists; the rest are still canonicalized and
    /// checked, and counted in one `DATETIMES_TRUNCATED`.
    pub datetimes_per_report: usize,
    /// How many findings (listed or not) a format may make in one report before it is
    /// told to stop examining the payload.
    pub findings_per_report: u64,
    /// Bounds of the secure XML reader (`[bounds.xml]`).
    pub xml: crate::xml::XmlLimits,
    /// Bounds of containers read by the batch runner (`[bounds.containers]`).
    pub containers: ContainerBounds,
    /// How many requests and responses wait to be paired at once, and how many sent ids
    /// are remembered to find duplicates, in a run's summary (default 100,000; see
    /// [`crate::pairing`]). Past it the oldest are dropped (queries and responses are
    /// counted as `overflow`).
    pub pairing_window: usize,
}

/// Bounds of containers: MLLP captures, HL7 batch files, NDJSON files and archives.
/// A container is not a payload: each message in it is held to its own traffic type's
/// limit, and the container to these bounds (docs/contract.md, "Containers and
/// payloads").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ContainerBounds {
    /// Bytes one capture, batch file or NDJSON file may hold (default 1 TB); the rest is
    /// not read (`CONTAINER_BYTES_EXCEEDED`).
    pub bytes: u64,
    /// Messages one container may hold (default 100 million); the rest are not
    /// examined (`MESSAGE_COUNT_EXCEEDED`).
    pub messages: u64,
    /// Decompressed bytes one archive may produce, nested archives included (default
    /// 16 GiB; `CONTAINER_BYTES_EXCEEDED`).
    pub archive_bytes: u64,
    /// Entries one archive may hold, nested archives included (default 100,000;
    /// `CONTAINER_ENTRIES_EXCEEDED`).
    pub archive_entries: u64,
    /// Archives nested inside an archive that are opened (default 2;
    /// `ARCHIVE_DEPTH_EXCEEDED`).
    pub archive_depth: u8,
    /// The largest ratio of decompressed to compressed bytes, checked past the first
    /// 16 MiB of an entry (default 250; `ARCHIVE_BOMB_SUSPECTED`).
    pub archive_ratio: u64,
}

impl Default for ContainerBounds {
    fn default() -> Self {
        let archives = crate::container::archive::ArchiveBounds::default();
        ContainerBounds {
            bytes: 1_000_000_000_000,
            messages: 100_000_000,
            archive_bytes: archives.total_bytes,
            archive_entries: archives.max_entries,
            archive_depth: archives.max_depth,
            archive_ratio: archives.max_ratio,
        }
    }
}

impl ContainerBounds {
    /// The archive readers' bounds.
    pub(crate) fn archive_bounds(&self) -> crate::container::archive::ArchiveBounds {
        crate::container::archive::ArchiveBounds {
            total_bytes: self.archive_bytes,
            max_ratio: self.archive_ratio,
            max_entries: self.archive_entries,
            max_depth: self.archive_depth,
            ..crate::container::archive::ArchiveBounds::default()
        }
    }
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            embedded_depth: 4,
            embedded_count: 256,
            messages_per_file: 1_000_000,
            segments_per_message: 1_000_000,
            diagnostics_per_report: 1_000,
            datetimes_per_report: 200_000,
            findings_per_report: 1_000_000,
            xml: crate::xml::XmlLimits::default(),
            containers: ContainerBounds::default(),
            pairing_window: crate::pairing::DEFAULT_WINDOW,
        }
    }
}

/// A sender's profile as written in configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
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
    /// What the source is to the exchange (`role = "ehr"` or `"application"`).
    pub role: Option<SourceRole>,
    /// The sender identities that select this profile (`[sources.NAME.identity]`).
    pub identity: IdentityConfig,
    /// The traffic types the source's key may send (a source is one communication
    /// method); absent means any.
    pub traffic_types: Option<Vec<crate::traffic::TrafficType>>,
    /// The exchange patterns it may use (`notification`, `query`, `query_response`,
    /// `writeback`, ...); absent means any.
    pub patterns: Option<Vec<crate::report::ExchangePattern>>,
    /// Redox data models it may send: `"Results"` (every event) or
    /// `"Results.New"`; absent means any.
    pub data_models: Option<Vec<String>>,
    /// HL7 v2 message types it may send: `"ORU"` (every event) or `"ADT^A01"`;
    /// absent means any.
    pub message_types: Option<Vec<String>>,
    /// IHE transactions it may use (`"ITI-55"`); absent means any.
    pub transactions: Option<Vec<String>>,
    /// Destinations it may send to, by Redox destination ID or name, or HL7 v2
    /// receiving application or facility (MSH-5, MSH-6); absent means any.
    pub destinations: Option<Vec<String>>,
}

impl SourceConfig {
    fn policy(&self) -> Result<Policy, ConfigError> {
        Policy::from_config(&PolicyConfig {
            identity: &self.identity,
            traffic_types: &self.traffic_types,
            patterns: &self.patterns,
            data_models: &self.data_models,
            message_types: &self.message_types,
            transactions: &self.transactions,
            destinations: &self.destinations,
        })
    }
}

/// What a source is to the exchange. An application writing back to an EHR sends
/// writebacks: what it notifies is data written into the EHR (Redox's writeback
/// pattern), so its notifications are reported with the `writeback` pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SourceRole {
    /// An EHR (or another system of record): its notifications are notifications.
    Ehr,
    /// An application that writes back to an EHR.
    Application,
}

/// The whole configuration. Every field has a default; change what you need.
///
/// ```
/// use payload_triage::{Config, Engine};
///
/// let config = Config::from_toml_str(r#"
///     destination_environment = "staging"
///     [bounds]
///     diagnostics_per_report = 50
///     [severity]
///     HL7_TABLE_VALUE = "off"
/// "#)?;
/// assert_eq!(config.bounds.diagnostics_per_report, 50);
/// let engine = Engine::new(config)?;
/// # let _ = engine;
/// # Ok::<(), payload_triage::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Size limit per traffic type.
    pub limits: SizePolicy,
    /// Bounds on nesting and counts.
    pub bounds: Bounds,
    /// The environment type of the destination this gate stands in front of.
    pub destination_environment: Option<Environment>,
    /// The default source profile.
    pub source: SourceConfig,
    /// Named source profiles, matched by path prefix or by the sender's identity.
    pub sources: BTreeMap<String, SourceConfig>,
    /// A payload that neither its path nor its sender's identity binds to a named
    /// profile is an error (`SOURCE_UNKNOWN`).
    pub strict_sources: bool,
    /// Per-code severity overrides (`[severity]`).
    pub severity: SeverityOverrides,
    /// The folder relative paths of `[sources.*] paths` are read from: the
    /// configuration file's folder ([`Config::from_path`]); otherwise the current one.
    #[serde(skip)]
    pub base_dir: Option<std::path::PathBuf>,
    /// Redacted mode (`redact = true`): every report leaves the engine with the values
    /// taken from the payload dropped ([`Report::redact`](crate::Report::redact)), for
    /// output that goes to logs.
    pub redact: bool,
}

/// Per-code severity overrides: `CODE = "info" | "warning" | "error" | "off"`. An `off`
/// code is neither listed nor counted. Unknown codes are a configuration error, so a
/// typo cannot silently leave a rule on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeverityOverrides {
    entries: Vec<(Code, Option<Severity>)>,
    /// As read from TOML, until [`SeverityOverrides::resolve`] checks the names.
    unresolved: BTreeMap<String, String>,
}

impl SeverityOverrides {
    /// Sets `code` to `severity`, or turns it off with `None`.
    pub fn set(&mut self, code: Code, severity: Option<Severity>) {
        self.entries.retain(|(c, _)| *c != code);
        self.entries.push((code, severity));
    }

    /// The override for `code`: `None` when there is none, `Some(None)` when it is off.
    pub fn get(&self, code: &Code) -> Option<Option<Severity>> {
        if self.entries.is_empty() {
            return None;
        }
        self.entries
            .iter()
            .find(|(c, _)| c.name == code.name)
            .map(|&(_, s)| s)
    }

    /// The severity `code` has under these overrides when its rule (or a policy) gives
    /// it `severity`; `None` when the code is turned off.
    pub fn apply(&self, code: &Code, severity: Severity) -> Option<Severity> {
        match self.get(code) {
            Some(overridden) => overridden,
            None => Some(severity),
        }
    }

    /// Whether no code is overridden.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Checks the names and values read from TOML and makes them overrides; the engine
    /// does this when it is built.
    pub fn resolve(&mut self) -> Result<(), ConfigError> {
        let unresolved = std::mem::take(&mut self.unresolved);
        for (name, value) in unresolved {
            let code =
                Code::from_name(&name).ok_or(ConfigError::UnknownCode { name: name.clone() })?;
            let severity = match value.as_str() {
                "info" => Some(Severity::Info),
                "warning" => Some(Severity::Warning),
                "error" => Some(Severity::Error),
                "off" => None,
                _ => return Err(ConfigError::UnknownSeverity { code: name, value }),
            };
            self.set(code, severity);
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for SeverityOverrides {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(SeverityOverrides {
            entries: Vec::new(),
            unresolved: BTreeMap::<String, String>::deserialize(deserializer)?,
        })
    }
}

/// A sender's profile, resolved: the zone is looked up in the bundled tz database, so
/// results do not depend on the host's tzdata. Zones are given by IANA name.
///
/// ```
/// use payload_triage::{DstPolicy, Environment, SourceProfile};
///
/// let profile = SourceProfile::default()
///     .with_zone("America/Chicago")?
///     .with_environment(Environment::Production)
///     .with_dst_policy(DstPolicy::Earlier);
/// assert_eq!(profile.zone_name(), Some("America/Chicago"));
/// assert!(SourceProfile::default().with_zone("Mars/Olympus_Mons").is_err());
/// # Ok::<(), payload_triage::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SourceProfile {
    /// The profile's name in the configuration (`default` for `[source]`), reported as
    /// `source_profile`; `None` for a profile built in code without one.
    name: Option<String>,
    pub(crate) zone: Option<crate::datetime::Zone>,
    zone_name: Option<String>,
    /// The sender's environment type.
    pub environment: Option<Environment>,
    /// DST gap and fold policy.
    pub dst_policy: DstPolicy,
    /// HL7 v2: use MSH-7's offset for other fields that carry none.
    pub hl7_use_msh7_offset: bool,
    /// What the source is to the exchange.
    pub role: Option<SourceRole>,
    /// Identities and restrictions (`[sources.NAME]` policy keys).
    pub(crate) policy: std::sync::Arc<Policy>,
}

impl SourceProfile {
    /// A profile with the sender's IANA zone, for local times without an offset.
    pub fn with_zone(mut self, iana_name: &str) -> Result<Self, Error> {
        self.zone = Some(lookup_zone(iana_name)?);
        self.zone_name = Some(iana_name.to_owned());
        Ok(self)
    }

    /// A profile for a source with `role`.
    pub fn with_role(mut self, role: SourceRole) -> Self {
        self.role = Some(role);
        self
    }

    /// A profile named `name`, the name reports give as `source_profile`.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The profile's name, if it has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The sender's IANA zone name, if one is set.
    pub fn zone_name(&self) -> Option<&str> {
        self.zone_name.as_deref()
    }

    /// A profile with the sender's environment type.
    pub fn with_environment(mut self, environment: Environment) -> Self {
        self.environment = Some(environment);
        self
    }

    /// A profile with a DST gap and fold policy.
    pub fn with_dst_policy(mut self, policy: DstPolicy) -> Self {
        self.dst_policy = policy;
        self
    }

    /// HL7 v2: whether MSH-7's offset applies to other fields that carry none.
    pub fn with_msh7_offset(mut self, use_it: bool) -> Self {
        self.hl7_use_msh7_offset = use_it;
        self
    }

    /// Resolves a configured profile.
    pub fn from_config(config: &SourceConfig) -> Result<Self, Error> {
        let mut profile = SourceProfile {
            name: None,
            zone: None,
            zone_name: None,
            environment: config.environment,
            dst_policy: config.dst_policy,
            hl7_use_msh7_offset: config.hl7_use_msh7_offset,
            role: config.role,
            policy: std::sync::Arc::new(config.policy()?),
        };
        if let Some(name) = &config.timezone {
            profile = profile.with_zone(name)?;
        }
        Ok(profile)
    }
}

impl Config {
    /// The same configuration with the size limit of `traffic` set to `bytes`.
    ///
    /// ```
    /// use payload_triage::{Config, TrafficType};
    ///
    /// let config = Config::default().with_limit(TrafficType::Hl7v2Mllp, 5_000_000);
    /// assert_eq!(config.limits.limit(TrafficType::Hl7v2Mllp), 5_000_000);
    /// ```
    pub fn with_limit(mut self, traffic: crate::traffic::TrafficType, bytes: u64) -> Self {
        self.limits.set(traffic, bytes);
        self
    }

    /// The same configuration with the destination's environment type set.
    pub fn with_destination(mut self, environment: Environment) -> Self {
        self.destination_environment = Some(environment);
        self
    }

    /// Reads a configuration from TOML text, and checks it.
    #[cfg(feature = "config")]
    pub fn from_toml_str(text: &str) -> Result<Config, Error> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: None,
            message: e.to_string(),
        })?;
        config.severity.resolve()?;
        config.check()?;
        Ok(config)
    }

    /// Reads a configuration file (TOML), and checks it.
    #[cfg(feature = "config")]
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
            path: Some(path.to_owned()),
            message: e.to_string(),
        })?;
        config.base_dir = Some(absolute(path.parent().unwrap_or(std::path::Path::new(""))));
        config.severity.resolve()?;
        config.check()?;
        Ok(config)
    }

    /// The source profile for an input, by its source name: the named profile whose
    /// `paths` entry is the longest prefix of the input's path, compared by path
    /// components after both are made absolute and `.` and `..` resolved (profile
    /// paths from the configuration file's folder, input paths from the current one),
    /// so `data/lab/x.hl7` and `./data/lab/x.hl7` get the same profile, and
    /// `data/lab` does not claim `data/lab2/`. An archive entry or a container's
    /// message is matched by its file's path. Standard input and inputs no profile
    /// claims get the default profile (`[source]`), named `default`.
    pub fn profile_for(&self, name: &str) -> Result<SourceProfile, Error> {
        match self.profile_claiming(name) {
            Some((profile, source)) => named(profile, source),
            None => named("default", &self.source),
        }
    }

    /// The named profile that claims the input `name` (see [`Config::profile_for`]);
    /// `None` for the default profile. With no named profiles nothing is computed, not
    /// even the current folder.
    pub(crate) fn profile_claiming(&self, name: &str) -> Option<(&String, &SourceConfig)> {
        if self.sources.is_empty() || name.is_empty() || name == "-" {
            return None;
        }
        let input = input_path(name)?;
        let base = self.base();
        let mut best: Option<(usize, &String, &SourceConfig)> = None;
        for (profile, source) in &self.sources {
            for prefix in &source.paths {
                let prefix = normalize(&base.join(prefix));
                if input.starts_with(&prefix) {
                    let depth = prefix.components().count();
                    if best.is_none_or(|(d, _, _)| depth > d) {
                        best = Some((depth, profile, source));
                    }
                }
            }
        }
        best.map(|(_, profile, source)| (profile, source))
    }

    /// The folder profile paths are relative to.
    fn base(&self) -> std::path::PathBuf {
        match &self.base_dir {
            Some(dir) => dir.clone(),
            None => absolute(std::path::Path::new("")),
        }
    }

    /// Checks every zone name, bound and severity override now, so errors surface at
    /// start-up.
    pub fn check(&self) -> Result<(), Error> {
        if let Some((name, _)) = self.severity.unresolved.iter().next() {
            // Read by serde without `from_toml_str`: resolve before use.
            return Err(ConfigError::UnknownCode { name: name.clone() }.into());
        }
        SourceProfile::from_config(&self.source)?;
        let base = self.base();
        let mut claimed: BTreeMap<std::path::PathBuf, (&String, &String)> = BTreeMap::new();
        for (name, source) in &self.sources {
            if name == "default" {
                return Err(ConfigError::ReservedProfileName { name: name.clone() }.into());
            }
            for path in &source.paths {
                if let Some((other, _)) = claimed.get(&normalize(&base.join(path))) {
                    if *other != name {
                        return Err(ConfigError::ProfilesOverlap {
                            path: path.clone(),
                            first: (*other).clone(),
                            second: name.clone(),
                        }
                        .into());
                    }
                }
                claimed.insert(normalize(&base.join(path)), (name, path));
            }
        }
        let mut policies: Vec<(&String, Policy)> = Vec::new();
        for (name, source) in &self.sources {
            let resolved = SourceProfile::from_config(source).and_then(|_| Ok(source.policy()?));
            match resolved {
                Ok(policy) => policies.push((name, policy)),
                Err(Error::Config(error)) => {
                    return Err(ConfigError::Source {
                        profile: name.clone(),
                        error: Box::new(error),
                    }
                    .into())
                }
                Err(other) => return Err(other),
            }
        }
        // A sender must select one profile: no identity value may be claimed twice.
        // One pass over every listed value, so 100,000 profiles check in linear time.
        let mut claimed_by: std::collections::HashMap<(&str, &str), &String> =
            std::collections::HashMap::new();
        for (name, policy) in &policies {
            for (field, value) in policy.identity_values() {
                match claimed_by.insert((field, value), name) {
                    Some(first) if first != *name => {
                        return Err(ConfigError::IdentityOverlap {
                            field,
                            first: first.clone(),
                            second: (*name).clone(),
                        }
                        .into());
                    }
                    _ => {}
                }
            }
        }
        let bounds = [
            (
                "diagnostics_per_report",
                self.bounds.diagnostics_per_report as u64,
            ),
            ("findings_per_report", self.bounds.findings_per_report),
        ];
        for (bound, value) in bounds {
            if value == 0 {
                return Err(ConfigError::Bound { bound, minimum: 1 }.into());
            }
        }
        Ok(())
    }
}

/// The profile built from `source`, named `name`.
fn named(name: &str, source: &SourceConfig) -> Result<SourceProfile, Error> {
    Ok(SourceProfile::from_config(source)?.with_name(name))
}

/// `path` made absolute against the current folder (lexically: no file system access
/// beyond reading the current folder, so a path that does not exist yet still matches).
fn absolute(path: &std::path::Path) -> std::path::PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    normalize(&joined)
}

/// `path` with `.` dropped and `..` applied to what precedes it, lexically.
fn normalize(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The file path behind a source name: the part before a container's `#k` or an
/// archive's `!/entry`, with `%XX` escapes decoded (docs/contract.md, "Inputs and
/// source names"), made absolute.
fn input_path(name: &str) -> Option<std::path::PathBuf> {
    let file = name.split(['#', '!']).next().unwrap_or(name);
    let bytes = crate::batch::unescape_name(file)?;
    #[cfg(unix)]
    let path = {
        use std::os::unix::ffi::OsStrExt;
        std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&bytes))
    };
    #[cfg(not(unix))]
    let path = std::path::PathBuf::from(String::from_utf8_lossy(&bytes).into_owned());
    Some(absolute(&path))
}
