//! The format registry: every format module plugs in here, through one trait.
//!
//! The engine's dispatch, classification ([`crate::classify::sniff`] asks each module in
//! registry order), the code registry ([`crate::codes::all`], and so `triage codes`) and
//! the command line all read [`REGISTRY`]. Adding a format means writing its module,
//! implementing [`FormatModule`] for it, and adding one line to [`REGISTRY`] (see
//! `docs/architecture.md`).

use crate::classify::Sniffed;
use crate::codes::Code;
use crate::emit::Emitter;
use crate::engine::Payload;
use crate::report::Format;
use crate::traffic::TrafficType;

/// One format module: how to recognise its content, which codes it owns, and how to
/// validate a payload of it.
pub(crate) trait FormatModule: Sync {
    /// A short name for documentation and `triage codes` (`hl7v2`, `json`, ...).
    fn name(&self) -> &'static str;

    /// The diagnostic codes this module declares.
    fn codes(&self) -> &'static [Code];

    /// The traffic type whose channel carries only this module's content, if any: a
    /// payload on that channel is always validated here, whatever it looks like.
    fn channel(&self) -> Option<TrafficType>;

    /// Whether this module validates content sniffed as `format` (file, embedded and
    /// other traffic are dispatched by content).
    fn validates(&self, format: Format) -> bool;

    /// The classification rule: what the content looks like, from `window` (at most
    /// [`crate::classify::SNIFF_WINDOW`] bytes) and `text` (the window without a UTF-8
    /// byte order mark and leading whitespace). `None` when it is not this format.
    fn sniff(&self, window: &[u8], text: &[u8]) -> Option<Sniffed>;

    /// Validates `payload`, pushing one emitter per message it holds (usually one).
    fn validate<'a>(&self, payload: &Payload<'a>, out: &mut Vec<Emitter<'a>>);
}

/// Every format module, in classification order: binary file signatures first (they
/// are exact), then HL7 v2, JSON, XML.
pub(crate) const REGISTRY: &[&dyn FormatModule] = &[
    &crate::files::Files,
    &crate::hl7v2::Hl7v2,
    &crate::json::Json,
    &crate::xml::Xml,
];

/// The module that validates `payload`: the channel's owner for typed traffic, else the
/// module whose content it is.
pub(crate) fn module_for(
    traffic: TrafficType,
    sniffed: Format,
) -> Option<&'static dyn FormatModule> {
    REGISTRY
        .iter()
        .find(|m| m.channel() == Some(traffic))
        .or_else(|| REGISTRY.iter().find(|m| m.validates(sniffed)))
        .copied()
}

/// The names of the registered format modules, in registry order.
pub fn names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|m| m.name())
}
