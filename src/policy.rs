//! The gate's source policy: which configured source a message comes from, and what
//! that source's key may do (`docs/contract.md`, "Sources and their policy").
//!
//! A source profile (`[sources.NAME]`) is selected by the input's path, or else by the
//! sender's identity the message carries (Redox `Meta.Source`, HL7 v2 MSH-3 and MSH-4,
//! the SOAP header's `wsa:From`, SAML issuer and home community id). The profile then
//! restricts the traffic type, the exchange patterns, the Redox data models and events,
//! the HL7 v2 message types and events, the IHE transactions and the destinations its
//! source may use. Every check here reads the report's own metadata, so it runs after
//! the format module and before the report is sealed (and possibly redacted).

use std::collections::HashSet;

use serde::Deserialize;

use crate::error::ConfigError;
use crate::report::{ExchangePattern, Format, Party};
use crate::traffic::TrafficType;

/// The longest identity or policy entry accepted in a configuration, in bytes.
const ENTRY_MAX: usize = 1024;

/// The sender identities a profile claims, as written in configuration
/// (`[sources.NAME.identity]`). Each key lists the values accepted for one field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct IdentityConfig {
    /// Redox `Meta.Source.ID`.
    pub redox_source_id: Vec<String>,
    /// Redox `Meta.Source.Name`.
    pub redox_source_name: Vec<String>,
    /// HL7 v2 MSH-3 sending application (HD namespace id, or universal id).
    pub hl7_sending_application: Vec<String>,
    /// HL7 v2 MSH-4 sending facility (HD namespace id, or universal id).
    pub hl7_sending_facility: Vec<String>,
    /// SOAP `wsa:From/wsa:Address`.
    pub wsa_from: Vec<String>,
    /// The SAML `urn:nhin:names:saml:homeCommunityId` attribute.
    pub home_community_id: Vec<String>,
    /// The SAML assertion's `Issuer`.
    pub saml_issuer: Vec<String>,
}

impl IdentityConfig {
    /// Each field: its configuration key, the values, the family of messages that
    /// carry it, and how to read it from a sender.
    fn fields(&self) -> [FieldConfig<'_>; 7] {
        [
            (
                "redox_source_id",
                &self.redox_source_id,
                Family::Redox,
                |p| p.id.as_deref(),
            ),
            (
                "redox_source_name",
                &self.redox_source_name,
                Family::Redox,
                |p| p.name.as_deref(),
            ),
            (
                "hl7_sending_application",
                &self.hl7_sending_application,
                Family::Hl7v2,
                |p| p.application.as_deref(),
            ),
            (
                "hl7_sending_facility",
                &self.hl7_sending_facility,
                Family::Hl7v2,
                |p| p.facility.as_deref(),
            ),
            ("wsa_from", &self.wsa_from, Family::Soap, |p| {
                p.address.as_deref()
            }),
            (
                "home_community_id",
                &self.home_community_id,
                Family::Soap,
                |p| p.home_community_id.as_deref(),
            ),
            ("saml_issuer", &self.saml_issuer, Family::Soap, |p| {
                p.issuer.as_deref()
            }),
        ]
    }
}

/// The message families that carry a sender identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Redox,
    Hl7v2,
    Soap,
    /// FHIR resources, documents, files: no sender identity is read from them.
    None,
}

impl Family {
    pub(crate) fn of(format: Format) -> Family {
        match format {
            Format::RedoxDataModel => Family::Redox,
            Format::Hl7v2 => Family::Hl7v2,
            Format::Soap | Format::Mtom => Family::Soap,
            _ => Family::None,
        }
    }

    /// Where a message of this family names its sender, for diagnostic paths.
    fn sender_path(self) -> &'static str {
        match self {
            Family::Redox => "/Meta/Source",
            Family::Hl7v2 => "MSH-4",
            Family::Soap => "/Envelope/Header",
            Family::None => "",
        }
    }

    /// The fields that name the sender, for messages.
    fn sender_fields(self) -> &'static str {
        match self {
            Family::Redox => "Meta.Source",
            Family::Hl7v2 => "MSH-3 and MSH-4",
            Family::Soap => "wsa:From, the SAML issuer and home community id",
            Family::None => "no field",
        }
    }
}

/// How a sender relates to a profile's identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdMatch {
    /// The profile claims no identity for this family of messages.
    NotDeclared,
    /// Every identity field the message carries and the profile lists is accepted,
    /// and there is at least one.
    Match,
    /// A field is not accepted, or the message carries none of the listed fields.
    Mismatch,
}

/// A profile's policy, resolved for fast lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct Policy {
    /// (configuration key, family, accepted values, how to read the field).
    identity: Vec<IdentityField>,
    traffic_types: Option<Vec<TrafficType>>,
    patterns: Option<Vec<ExchangePattern>>,
    data_models: Option<HashSet<String>>,
    message_types: Option<HashSet<String>>,
    transactions: Option<HashSet<String>>,
    destinations: Option<HashSet<String>>,
}

/// How an identity field is read from a sender.
type Read = fn(&Party) -> Option<&str>;

/// One identity field as configured: its key, values, family and reader.
type FieldConfig<'c> = (&'static str, &'c Vec<String>, Family, Read);

/// One identity field a profile lists: its configuration key, the message family that
/// carries it, the accepted values, and how to read it from a sender.
type IdentityField = (&'static str, Family, HashSet<String>, Read);

/// One broken rule of a source's policy.
pub(crate) struct Denial {
    pub code: &'static crate::codes::Code,
    pub path: String,
    pub message: String,
}

/// The policy part of a source's configuration.
pub(crate) struct PolicyConfig<'c> {
    pub identity: &'c IdentityConfig,
    pub traffic_types: &'c Option<Vec<TrafficType>>,
    pub patterns: &'c Option<Vec<ExchangePattern>>,
    pub data_models: &'c Option<Vec<String>>,
    pub message_types: &'c Option<Vec<String>>,
    pub transactions: &'c Option<Vec<String>>,
    pub destinations: &'c Option<Vec<String>>,
}

impl Policy {
    /// Resolves and checks a profile's policy: every entry is non-empty, at most
    /// 1,024 bytes and free of control characters.
    pub(crate) fn from_config(config: &PolicyConfig<'_>) -> Result<Policy, ConfigError> {
        let check = |field: String, values: &[String]| -> Result<HashSet<String>, ConfigError> {
            for value in values {
                let problem = if value.trim().is_empty() {
                    Some("an entry is empty")
                } else if value.len() > ENTRY_MAX {
                    Some("an entry is longer than 1024 bytes")
                } else if value.chars().any(char::is_control) {
                    Some("an entry holds a control character")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    return Err(ConfigError::PolicyEntry { field, problem });
                }
            }
            Ok(values.iter().map(|v| v.trim().to_owned()).collect())
        };
        let mut identity = Vec::new();
        for (key, values, family, read) in config.identity.fields() {
            if !values.is_empty() {
                identity.push((key, family, check(format!("identity.{key}"), values)?, read));
            }
        }
        let set = |key: &str, values: &Option<Vec<String>>| {
            values
                .as_ref()
                .map(|v| check(key.to_owned(), v))
                .transpose()
        };
        Ok(Policy {
            identity,
            traffic_types: config.traffic_types.clone(),
            patterns: config.patterns.clone(),
            data_models: set("data_models", config.data_models)?,
            message_types: set("message_types", config.message_types)?,
            transactions: set("transactions", config.transactions)?,
            destinations: set("destinations", config.destinations)?,
        })
    }

    /// Whether this policy restricts or identifies anything.
    pub(crate) fn is_empty(&self) -> bool {
        self.identity.is_empty()
            && self.traffic_types.is_none()
            && self.patterns.is_none()
            && self.data_models.is_none()
            && self.message_types.is_none()
            && self.transactions.is_none()
            && self.destinations.is_none()
    }

    /// How `sender` (from a message of `family`) relates to this profile's identities.
    pub(crate) fn identify(&self, family: Family, sender: Option<&Party>) -> IdMatch {
        let mut declared = false;
        let mut matched = false;
        for (_, f, accepted, read) in &self.identity {
            if *f != family {
                continue;
            }
            declared = true;
            match sender.and_then(|s| read(s)) {
                Some(value) if accepted.contains(value.trim()) => matched = true,
                Some(_) => return IdMatch::Mismatch,
                None => {}
            }
        }
        match (declared, matched) {
            (false, _) => IdMatch::NotDeclared,
            (true, true) => IdMatch::Match,
            (true, false) => IdMatch::Mismatch,
        }
    }

    /// Every (identity key, accepted value) this policy lists.
    pub(crate) fn identity_values(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.identity
            .iter()
            .flat_map(|(key, _, values, _)| values.iter().map(move |v| (*key, v.as_str())))
    }

    /// Every rule of this policy that `report` breaks, for the profile `name`.
    pub(crate) fn denials(&self, name: &str, report: &crate::report::Report) -> Vec<Denial> {
        let mut out = Vec::new();
        let family = Family::of(report.format);
        let exchange = &report.exchange;
        if let Some(allowed) = &self.traffic_types {
            if !allowed.contains(&report.traffic_type) {
                out.push(Denial {
                    code: &crate::codes::SOURCE_TRAFFIC_TYPE_DENIED,
                    path: String::new(),
                    message: format!(
                        "source `{name}` may not send {} traffic (`traffic_types`)",
                        report.traffic_type
                    ),
                });
            }
        }
        if let Some(allowed) = &self.patterns {
            // Messages have a pattern; one that cannot be told is refused (fail closed).
            if family != Family::None {
                match exchange.pattern {
                    Some(pattern) if allowed.contains(&pattern) => {}
                    pattern => out.push(Denial {
                        code: &crate::codes::SOURCE_PATTERN_DENIED,
                        path: String::new(),
                        message: match pattern {
                            Some(p) => format!(
                                "source `{name}` may not send {} messages (`patterns`)",
                                p.as_str()
                            ),
                            None => format!(
                                "the message's exchange pattern is unknown, and source `{name}` restricts patterns (`patterns`)"
                            ),
                        },
                    }),
                }
            }
        }
        let kind = |allowed: &Option<HashSet<String>>, sep: char| -> Option<bool> {
            let allowed = allowed.as_ref()?;
            let ty = exchange.message_type.as_deref()?;
            let whole = exchange.event.as_deref().map(|e| format!("{ty}{sep}{e}"));
            Some(allowed.contains(ty) || whole.is_some_and(|w| allowed.contains(&w)))
        };
        match family {
            Family::Redox
                if self.data_models.is_some() && kind(&self.data_models, '.') != Some(true) =>
            {
                out.push(Denial {
                        code: &crate::codes::SOURCE_DATA_MODEL_DENIED,
                        path: "/Meta/DataModel".to_owned(),
                        message: format!(
                            "the data model and event type are not among those source `{name}` may send (`data_models`)"
                        ),
                    });
            }
            Family::Hl7v2
                if self.message_types.is_some() && kind(&self.message_types, '^') != Some(true) =>
            {
                out.push(Denial {
                        code: &crate::codes::SOURCE_MESSAGE_TYPE_DENIED,
                        path: "MSH-9".to_owned(),
                        message: format!(
                            "the message type and event are not among those source `{name}` may send (`message_types`)"
                        ),
                    });
            }
            Family::Soap => {
                if let Some(allowed) = &self.transactions {
                    if !exchange
                        .transaction
                        .as_deref()
                        .is_some_and(|t| allowed.contains(t))
                    {
                        out.push(Denial {
                            code: &crate::codes::SOURCE_TRANSACTION_DENIED,
                            path: "/Envelope/Header/Action".to_owned(),
                            message: format!(
                                "the IHE transaction is not among those source `{name}` may use (`transactions`)"
                            ),
                        });
                    }
                }
            }
            _ => {}
        }
        if let Some(allowed) = &self.destinations {
            let denied = |d: &Party| {
                ![&d.id, &d.name, &d.application, &d.facility]
                    .into_iter()
                    .flatten()
                    .any(|v| allowed.contains(v.trim()))
            };
            let mut first = None;
            let mut count = 0usize;
            for (i, d) in exchange.destinations.iter().enumerate() {
                if denied(d) {
                    count += 1;
                    first.get_or_insert(i);
                }
            }
            if let Some(first) = first {
                let path = match family {
                    Family::Redox => format!("/Meta/Destinations/{first}"),
                    Family::Hl7v2 => "MSH-6".to_owned(),
                    _ => String::new(),
                };
                out.push(Denial {
                    code: &crate::codes::SOURCE_DESTINATION_DENIED,
                    path,
                    message: format!(
                        "the message names {} destination(s); {count} of them are not among those source `{name}` may send to (`destinations`)",
                        exchange.destinations.len()
                    ),
                });
            }
        }
        out
    }
}

/// A denial for a sender that does not match the profile its path selected.
pub(crate) fn identity_mismatch(name: &str, family: Family, other: Option<&str>) -> Denial {
    Denial {
        code: &crate::codes::SOURCE_IDENTITY_MISMATCH,
        path: family.sender_path().to_owned(),
        message: match other {
            Some(other) => format!(
                "the input's path selects source `{name}`, but the sender ({}) is source `{other}`",
                family.sender_fields()
            ),
            None => format!(
                "the input's path selects source `{name}`, but the sender ({}) is not one of its identities",
                family.sender_fields()
            ),
        },
    }
}

/// A denial for a sender that several profiles claim.
pub(crate) fn identity_ambiguous(family: Family, first: &str, second: &str) -> Denial {
    Denial {
        code: &crate::codes::SOURCE_IDENTITY_AMBIGUOUS,
        path: family.sender_path().to_owned(),
        message: format!(
            "the sender ({}) matches sources `{first}` and `{second}`; the default profile applied",
            family.sender_fields()
        ),
    }
}

/// A denial for a message from no configured source, under `strict_sources`.
pub(crate) fn unknown_source(family: Family) -> Denial {
    Denial {
        code: &crate::codes::SOURCE_UNKNOWN,
        path: family.sender_path().to_owned(),
        message: format!(
            "neither the input's path nor the sender ({}) selects a configured source, and `strict_sources` is on",
            family.sender_fields()
        ),
    }
}
