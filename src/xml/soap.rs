//! SOAP 1.2 envelopes and WS-Addressing: which IHE transaction a message is.
//!
//! A message is recognised by the pair (wsa:Action, QName of the first Body child), from
//! `schemas/carequality/transactions.rules`; the two must agree (ITI TF-2 Appendix V,
//! V.3.2.2). SOAP 1.1 (ITI TF-2 V.3.1: SOAP 1.2 is required), an unknown Action, a Body
//! whose first child does not match the Action and a Body with several children (SOAP
//! 1.2 Part 1 section 5.3 allows several, but every IHE message has exactly one) are each
//! diagnostics. The recognised transaction fills the report's exchange metadata and
//! selects the rule set its body is held to.

use crate::emit::Emitter;
use crate::report::ExchangePattern;
use crate::text::Text;

use super::codes;
use super::rules::{Schema, Transaction};

/// SOAP 1.2 envelope namespace (SOAP 1.2 Part 1 section 5.1).
pub const SOAP12_NS: &str = crate::classify::SOAP12_NS;
/// SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = crate::classify::SOAP11_NS;
/// WS-Addressing 1.0 namespace (WS-Addressing Core, W3C Recommendation 2006).
pub const WSA_NS: &str = "http://www.w3.org/2005/08/addressing";
/// XDS.b namespace (ITI TF-2 3.41, 3.43).
pub const XDSB_NS: &str = "urn:ihe:iti:xds-b:2007";
/// XOP 1.0 namespace (W3C XOP section 3).
pub const XOP_NS: &str = "http://www.w3.org/2004/08/xop/include";

/// What the envelope said, gathered in the streaming pass.
pub struct EnvelopeFacts<'f> {
    /// SOAP 1.1 rather than 1.2.
    pub soap11: bool,
    /// The wsa:Action text.
    pub action: Option<&'f str>,
    /// wsa:MessageID.
    pub message_id: Option<&'f str>,
    /// wsa:RelatesTo.
    pub relates_to: Option<&'f str>,
    /// (namespace, local name) of the first Body child.
    pub body_first: Option<(&'f str, &'f str)>,
    /// How many children Body has.
    pub body_children: u32,
    /// Whether a Body element was seen at all.
    pub body_seen: bool,
    /// Whether the Body is a SOAP Fault.
    pub fault: bool,
}

/// Judges the envelope, fills `report.exchange`, and returns the transaction whose rule
/// set applies (only when Action and Body agree).
pub fn judge<'s>(
    schema: &'s Schema,
    facts: &EnvelopeFacts<'_>,
    report: &mut Emitter<'_>,
) -> Option<&'s Transaction> {
    if facts.soap11 {
        report.add(
            &codes::SOAP_VERSION_UNSUPPORTED,
            "/Envelope",
            "the envelope is SOAP 1.1; IHE web services require SOAP 1.2 (ITI TF-2 Appendix V, V.3.1)");
    }
    report.exchange().message_id = facts.message_id.map(Text::from);
    report.exchange().relates_to = facts.relates_to.map(Text::from);
    if facts.body_seen {
        match facts.body_children {
            0 => report.add(
                &codes::SOAP_BODY_EMPTY,
                "/Envelope/Body",
                "the SOAP Body has no child element; an IHE message carries exactly one",
            ),
            1 => {}
            n => report.add(
                &codes::SOAP_BODY_MULTIPLE_CHILDREN,
                "/Envelope/Body",
                || {
                    format!(
                        "the SOAP Body has {n} child elements; an IHE message carries exactly one"
                    )
                },
            ),
        }
    }
    if facts.fault {
        report.add(
            &codes::SOAP_FAULT,
            "/Envelope/Body/Fault",
            "the message is a SOAP Fault (SOAP 1.2 Part 1 section 5.4)",
        );
        return None;
    }
    let by_body = |ns: &str, local: &str| {
        schema
            .transactions
            .iter()
            .find(|t| t.body_ns == ns && t.body_local == local)
    };
    let Some(action) = facts.action.filter(|a| !a.is_empty()) else {
        report.add(
            &codes::IHE_ACTION_MISSING,
            "/Envelope/Header/Action",
            "the WS-Addressing Action header is missing or empty (WS-Addressing Core 3.1, ITI TF-2 V.3.2.2)");
        return None;
    };
    let Some(transaction) = schema.transactions.iter().find(|t| t.action == action) else {
        let hint = facts
            .body_first
            .and_then(|(ns, local)| by_body(ns, local))
            .map(|t| format!("; the Body looks like {} {}", t.id, direction(t)))
            .unwrap_or_default();
        report.add(
            &codes::IHE_ACTION_UNKNOWN,
            "/Envelope/Header/Action",
            || format!("the Action names no supported IHE transaction (ITI-55, ITI-38, ITI-39, ITI-41, ITI-80){hint}"));
        return None;
    };
    report.exchange().transaction = Some(Text::from(&transaction.id));
    report.exchange().message_type = Some(Text::from(&transaction.body_local));
    report.exchange().pattern = Some(pattern(transaction));
    match facts.body_first {
        Some((ns, local)) if ns == transaction.body_ns && local == transaction.body_local => {
            Some(transaction)
        }
        Some((ns, local)) => {
            let path = format!("/Envelope/Body/{local}");
            let seen = by_body(ns, local)
                .map(|t| format!(" (it is the body of {} {})", t.id, direction(t)))
                .unwrap_or_default();
            report.add(&codes::IHE_BODY_MISMATCH, path, || {
                format!(
                    "the Action is {} {} but the first Body child is not its {}{}",
                    transaction.id,
                    direction(transaction),
                    transaction.body_local,
                    seen
                )
            });
            None
        }
        None => None,
    }
}

fn direction(t: &Transaction) -> &'static str {
    if t.response {
        "response"
    } else {
        "request"
    }
}

/// The exchange pattern of a transaction message: XCPD and XCA query are queries, XCA
/// retrieve is a retrieve, XDR and XCDR are writebacks (their responses acknowledgements).
fn pattern(t: &Transaction) -> ExchangePattern {
    match (t.pattern.as_str(), t.response) {
        ("query", false) => ExchangePattern::Query,
        ("query", true) => ExchangePattern::QueryResponse,
        ("retrieve", false) => ExchangePattern::Retrieve,
        ("retrieve", true) => ExchangePattern::RetrieveResponse,
        (_, false) => ExchangePattern::Writeback,
        (_, true) => ExchangePattern::Acknowledgement,
    }
}
