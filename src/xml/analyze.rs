//! The one streaming pass over an XML document: location paths, structure rules,
//! datetimes, SOAP and WS-Addressing facts and embedded documents, all gathered by one
//! [`Visitor`] as the secure reader goes.
//!
//! Nothing here re-reads the document: what later checks need (the Action, the first Body
//! child, base64 document text) is captured while it streams past.

use std::collections::HashMap;

use crate::datetime::{Syntax, ZoneRules};
use crate::emit::Emitter;
use crate::report::Party;
use crate::text::Text;

use super::reader::{StartTag, Visitor};
use super::rules::{DtSyntax, Matcher, Schema};
use super::soap::{SOAP11_NS, SOAP12_NS, WSA_NS, XDSB_NS, XOP_NS};
use crate::classify::HL7V3_NS;

/// The XML Schema instance namespace (`xsi:type`).
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// What the document turned out to be, decided at its root element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not decided yet (no root seen).
    Unknown,
    /// A SOAP 1.2 envelope.
    Soap12,
    /// A SOAP 1.1 envelope.
    Soap11,
    /// A CDA `ClinicalDocument`.
    Cda,
    /// A snippet of CDA (root is a CDA element other than ClinicalDocument).
    CdaFragment,
    /// Any other XML.
    Other,
}

/// Counts same-named siblings so paths can write `[k]` (docs/contract.md: k > 1 only).
#[derive(Default)]
struct Siblings<'a> {
    few: Vec<(&'a str, u32)>,
    many: Option<HashMap<&'a str, u32>>,
}

impl<'a> Siblings<'a> {
    fn next(&mut self, name: &'a str) -> u32 {
        if let Some(map) = &mut self.many {
            let count = map.entry(name).or_insert(0);
            *count += 1;
            return *count;
        }
        if let Some(entry) = self.few.iter_mut().find(|(n, _)| *n == name) {
            entry.1 += 1;
            return entry.1;
        }
        if self.few.len() >= 32 {
            let mut map: HashMap<&'a str, u32> = self.few.drain(..).collect();
            map.insert(name, 1);
            self.many = Some(map);
            return 1;
        }
        self.few.push((name, 1));
        1
    }
}

/// Text the pass keeps for one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Rule,
    Datetime(DtSyntax, bool),
    Action,
    MessageId,
    RelatesTo,
    Document,
    /// WS-Addressing `From/Address`.
    From,
    /// The SAML assertion's `Issuer`.
    Issuer,
    /// The value of the SAML home community id attribute.
    HomeCommunity,
}

/// SAML 2.0 assertions (SAML Core section 2).
const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The attribute that names the initiating gateway's home community (the eHealth
/// Exchange / Carequality SAML profile, after XUA in ITI TF-2 3.40).
const HCID_ATTRIBUTE: &str = "urn:nhin:names:saml:homeCommunityId";

struct Capture<'a> {
    depth: usize,
    /// Why the text is kept; an element rarely has more than two reasons.
    purposes: [Option<Purpose>; 4],
    borrowed: Option<&'a str>,
    owned: Option<String>,
}

impl<'a> Capture<'a> {
    fn push(&mut self, piece: &'a str) {
        match (&mut self.owned, self.borrowed) {
            (Some(s), _) => s.push_str(piece),
            (None, None) => self.borrowed = Some(piece),
            (None, Some(first)) => {
                let mut s = String::with_capacity(first.len() + piece.len());
                s.push_str(first);
                s.push_str(piece);
                self.owned = Some(s);
                self.borrowed = None;
            }
        }
    }

    fn push_char(&mut self, c: char) {
        let mut s = self
            .owned
            .take()
            .unwrap_or_else(|| self.borrowed.take().unwrap_or_default().to_owned());
        s.push(c);
        self.owned = Some(s);
    }

    fn text(&self) -> &str {
        self.owned.as_deref().or(self.borrowed).unwrap_or_default()
    }
}

struct Frame<'a> {
    path_len: usize,
    local: &'a str,
    siblings: Siblings<'a>,
    /// This element is a TS-bearing element: its low/high/center are TS too.
    ts: bool,
    /// This element is an ebRIM Slot whose values are UTC datetimes.
    utc_slot: bool,
    in_header: bool,
}

/// A base64 document found in the body (XDR request, ITI-39 response, CDA nonXMLBody).
pub struct FoundDocument<'a> {
    /// Its location path.
    pub path: String,
    /// Its base64 text.
    pub text: std::borrow::Cow<'a, str>,
}

/// An `xop:Include` to resolve against the MIME parts.
pub struct FoundInclude {
    /// Location path of the element that holds the include (the Document).
    pub path: String,
    /// The `href` as written (`cid:...`).
    pub href: String,
}

/// The visitor and everything it gathers.
pub struct Analyzer<'a, 'r, 'e> {
    pub(super) emit: &'r mut Emitter<'e>,
    schema: &'static Schema,
    pub(super) matcher: Matcher<'static>,
    zone: ZoneRules,
    utc: ZoneRules,
    pub(super) path: String,
    frames: Vec<Frame<'a>>,
    root_siblings: Siblings<'a>,
    captures: Vec<Capture<'a>>,
    /// Emptied sibling counters of closed elements, reused to spare an allocation per
    /// element.
    pool: Vec<Siblings<'a>>,
    /// The path and value bytes datetimes may still list (bounds input-controlled
    /// report growth; how many are listed is the emitter's bound).
    datetime_bytes_left: usize,
    datetimes_stopped: bool,
    pub(super) kind: Kind,
    /// The wsa:Action, MessageID and RelatesTo texts.
    pub(super) action: Option<String>,
    pub(super) message_id: Option<String>,
    pub(super) relates_to: Option<String>,
    /// Who the header says sent the message (the first of each field).
    pub(super) sender: Party,
    /// The depth of an open SAML home community id `Attribute`.
    hcid_depth: Option<usize>,
    /// (namespace, local) of the first Body child, and how many children Body has.
    pub(super) body_first: Option<(String, String)>,
    pub(super) body_children: u32,
    pub(super) body_seen: bool,
    pub(super) fault: bool,
    pub(super) documents: Vec<FoundDocument<'a>>,
    pub(super) includes: Vec<FoundInclude>,
    pub(super) root_namespace: String,
    pub(super) root_local: String,
    unbound_warned: bool,
}

impl<'a, 'r, 'e> Analyzer<'a, 'r, 'e> {
    /// A fresh pass reporting through `emit`.
    pub fn new(
        emit: &'r mut Emitter<'e>,
        schema: &'static Schema,
        matcher: Matcher<'static>,
        zone: ZoneRules,
        limits: &super::reader::XmlLimits,
    ) -> Self {
        let utc = ZoneRules {
            assume_utc: true,
            ..zone.clone()
        };
        Analyzer {
            emit,
            schema,
            matcher,
            zone,
            utc,
            path: String::with_capacity(256),
            frames: Vec::with_capacity(64),
            root_siblings: Siblings::default(),
            captures: Vec::new(),
            pool: Vec::new(),
            datetime_bytes_left: limits.max_datetime_bytes,
            datetimes_stopped: false,
            kind: Kind::Unknown,
            action: None,
            message_id: None,
            relates_to: None,
            sender: Party::default(),
            hcid_depth: None,
            body_first: None,
            body_children: 0,
            body_seen: false,
            fault: false,
            documents: Vec::new(),
            includes: Vec::new(),
            root_namespace: String::new(),
            root_local: String::new(),
            unbound_warned: false,
        }
    }

    fn capture(&mut self, depth: usize, purpose: Purpose) {
        match self.captures.last_mut() {
            Some(c) if c.depth == depth => {
                if !c.purposes.contains(&Some(purpose)) {
                    if let Some(slot) = c.purposes.iter_mut().find(|p| p.is_none()) {
                        *slot = Some(purpose);
                    }
                }
            }
            _ => self.captures.push(Capture {
                depth,
                purposes: [Some(purpose), None, None, None],
                borrowed: None,
                owned: None,
            }),
        }
    }

    fn record(&mut self, path: &str, value: &str, syntax: DtSyntax, utc: bool) {
        self.record_as(path, value, syntax, utc, false);
    }

    /// [`Analyzer::record`]; `calendar` for a TS element that means a calendar date.
    fn record_as(&mut self, path: &str, value: &str, syntax: DtSyntax, utc: bool, calendar: bool) {
        let bytes = path.len() + value.len();
        if self.datetimes_stopped {
            return;
        }
        if self.datetime_bytes_left < bytes {
            // Said once; nothing more is recorded.
            self.datetimes_stopped = true;
            self.emit.add(
                &super::codes::XML_DATETIME_LIMIT_EXCEEDED,
                path,
                "the document's datetime paths and values exceed the configured byte limit; from here on they were not canonicalized");
            return;
        }
        self.datetime_bytes_left -= bytes;
        let rules = if utc { &self.utc } else { &self.zone };
        let syntax = match syntax {
            DtSyntax::Ts => Syntax::Hl7v3Ts,
            DtSyntax::Iso8601 => Syntax::Iso8601,
        };
        if calendar {
            self.emit.calendar_date(path, value.trim(), syntax, rules);
        } else {
            self.emit.datetime(path, value.trim(), syntax, rules);
        }
    }

    /// Records the datetime in attribute `name` of the current element at `path/@name`,
    /// written onto the end of the element's own path and cut off again, so no path is
    /// allocated per attribute.
    fn record_attribute(&mut self, name: &str, value: &str, syntax: DtSyntax, how: RecordAs) {
        let mut path = std::mem::take(&mut self.path);
        let len = path.len();
        path.push_str("/@");
        path.push_str(name);
        self.record_as(&path, value, syntax, how.utc, how.calendar);
        path.truncate(len);
        self.path = path;
    }

    /// Whether a TS element means a calendar date (`datetime calendar-date` rules).
    fn is_calendar_date(&self, parent: Option<&str>, local: &str) -> bool {
        self.schema
            .calendar_dates
            .iter()
            .any(|(p, l)| l == local && (p.is_empty() || parent == Some(p.as_str())))
    }

    fn decide_kind(&mut self, tag: &StartTag<'a, '_>) {
        self.root_namespace = tag.namespace.to_owned();
        self.root_local = tag.local.to_owned();
        self.kind = match (tag.local, tag.namespace) {
            ("Envelope", SOAP12_NS) => Kind::Soap12,
            ("Envelope", SOAP11_NS) => Kind::Soap11,
            ("ClinicalDocument", _) => Kind::Cda,
            (local, ns)
                if (ns.is_empty() || ns == HL7V3_NS)
                    && self.schema.fragment_roots.iter().any(|r| r == local) =>
            {
                Kind::CdaFragment
            }
            _ => Kind::Other,
        };
    }

    /// An element whose `xsi:type` names a TS type (XML Schema Part 1 section 2.6.1;
    /// HL7 V3 ITS uses it for `value` and other ANY-typed elements).
    fn has_ts_type(&self, tag: &StartTag<'a, '_>) -> bool {
        let xsi_type = tag
            .attrs
            .iter()
            .find(|a| {
                a.local == "type"
                    && (a.namespace == XSI_NS || (a.namespace.is_empty() && a.prefix == "xsi"))
            })
            .map(|a| a.value.as_ref());
        xsi_type.is_some_and(|t| {
            let local = t.rsplit(':').next().unwrap_or(t).trim();
            self.schema.ts_types.iter().any(|x| x == local)
        })
    }

    fn is_ts_element(&self, parent: Option<&str>, local: &str) -> bool {
        self.schema.ts_elements.iter().any(|e| e == local)
            || self
                .schema
                .ts_scoped
                .iter()
                .any(|(p, l)| l == local && parent == Some(p.as_str()))
    }
}

/// Appends `[k]` to a location path without the formatting machinery (it ran once per
/// repeated sibling and showed in profiles).
fn push_index(path: &mut String, k: u32) {
    let mut digits = [0u8; 10];
    let mut n = k;
    let mut len = 0;
    while len < digits.len() {
        if let Some(d) = digits.get_mut(len) {
            // `n % 10` is below 10, so the cast cannot truncate.
            *d = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    path.push('[');
    for d in digits.iter().take(len).rev() {
        path.push(char::from(*d));
    }
    path.push(']');
}

/// How a datetime is recorded: read in UTC when it carries no offset, and whether a TS
/// element means a calendar date.
#[derive(Clone, Copy)]
struct RecordAs {
    utc: bool,
    calendar: bool,
}

impl<'a> Visitor<'a> for Analyzer<'a, '_, '_> {
    fn start(&mut self, tag: &StartTag<'a, '_>) {
        let depth = tag.depth;
        if depth == 1 {
            self.decide_kind(tag);
        }
        // The location path: local names, `[k]` for the k-th same-named sibling, k > 1.
        let siblings = match self.frames.last_mut() {
            Some(f) => &mut f.siblings,
            None => &mut self.root_siblings,
        };
        let k = siblings.next(tag.local);
        let path_len = self.path.len();
        self.path.push('/');
        self.path.push_str(tag.local);
        if k > 1 {
            push_index(&mut self.path, k);
        }
        let parent = self.frames.last();
        let parent_local = parent.map(|f| f.local);
        let parent_ts = parent.is_some_and(|f| f.ts);
        let grandparent_utc_slot = self
            .frames
            .len()
            .checked_sub(2)
            .and_then(|i| self.frames.get(i))
            .is_some_and(|f| f.utc_slot);
        let in_header = parent.is_some_and(|f| f.in_header)
            || (depth == 2
                && tag.local == "Header"
                && matches!(self.kind, Kind::Soap12 | Kind::Soap11));

        // Structure rules.
        let wants = self
            .matcher
            .start(tag.local, &|name| tag.attr(name), &self.path);
        if wants.text {
            self.capture(depth, Purpose::Rule);
        }

        let mut ts = false;
        let mut utc_slot = false;
        match self.kind {
            Kind::Cda | Kind::CdaFragment | Kind::Soap12 | Kind::Soap11 => {
                let hl7 = tag.namespace == HL7V3_NS
                    || (tag.namespace.is_empty()
                        && matches!(self.kind, Kind::Cda | Kind::CdaFragment))
                    // The SDTC extension namespace (C-CDA R2.1 Vol 1 section 4.5).
                    || tag.namespace == "urn:hl7-org:sdtc";
                if hl7 {
                    // The TS element itself, or a nested timing component of one: the phase
                    // of a PIVL_TS and the comp of an SXPR_TS are IVL_TS/PIVL_TS again
                    // (HL7 V3 Data Types R1 sections 2.27, 2.28, 2.30).
                    let is_ts = self.is_ts_element(parent_local, tag.local)
                        || (parent_ts && matches!(tag.local, "phase" | "comp"))
                        || self.has_ts_type(tag);
                    let is_bound = parent_ts && matches!(tag.local, "low" | "high" | "center");
                    if is_ts || is_bound {
                        ts = is_ts;
                        if let Some(value) = tag.attr("value") {
                            let calendar = is_ts && self.is_calendar_date(parent_local, tag.local);
                            self.record_attribute(
                                "value",
                                value,
                                DtSyntax::Ts,
                                RecordAs {
                                    utc: false,
                                    calendar,
                                },
                            );
                        }
                    }
                }
            }
            _ => {}
        }
        if matches!(self.kind, Kind::Soap12 | Kind::Soap11) {
            // ebRIM slots that are UTC datetimes (ITI TF-3 4.2.3.1.7).
            if tag.local == "Slot" {
                utc_slot = tag
                    .attr("name")
                    .is_some_and(|n| self.schema.slots.iter().any(|s| s == n));
            }
            if tag.local == "Value" && grandparent_utc_slot && parent_local == Some("ValueList") {
                self.capture(depth, Purpose::Datetime(DtSyntax::Ts, true));
            }
            if in_header {
                for (element, attr, syntax) in &self.schema.attr_datetimes {
                    if element == tag.local {
                        if let Some(value) = tag.attr(attr) {
                            let syntax = *syntax;
                            let how = RecordAs {
                                utc: false,
                                calendar: false,
                            };
                            self.record_attribute(attr, value, syntax, how);
                        }
                    }
                }
                if let Some(syntax) = self
                    .schema
                    .text_datetimes
                    .iter()
                    .find(|(p, l, _)| l == tag.local && parent_local == Some(p.as_str()))
                    .map(|(_, _, s)| *s)
                {
                    self.capture(depth, Purpose::Datetime(syntax, false));
                }
                if depth == 3 && tag.namespace == WSA_NS {
                    match tag.local {
                        "Action" => self.capture(depth, Purpose::Action),
                        "MessageID" => self.capture(depth, Purpose::MessageId),
                        "RelatesTo" => self.capture(depth, Purpose::RelatesTo),
                        _ => {}
                    }
                }
                // The sender's identity (WS-Addressing 1.0 Core section 3.2; SAML
                // Core sections 2.2.5 and 2.7.3).
                if depth == 4
                    && tag.namespace == WSA_NS
                    && tag.local == "Address"
                    && parent_local == Some("From")
                {
                    self.capture(depth, Purpose::From);
                }
                if tag.namespace == SAML_NS {
                    match tag.local {
                        "Issuer" if parent_local == Some("Assertion") => {
                            self.capture(depth, Purpose::Issuer);
                        }
                        "Attribute" if tag.attr("Name") == Some(HCID_ATTRIBUTE) => {
                            self.hcid_depth = Some(depth);
                        }
                        "AttributeValue" if self.hcid_depth == Some(depth - 1) => {
                            self.capture(depth, Purpose::HomeCommunity);
                        }
                        _ => {}
                    }
                }
            }
            if depth == 2 && tag.local == "Body" {
                self.body_seen = true;
            }
            if depth == 3 && parent_local == Some("Body") {
                self.body_children += 1;
                if self.body_children == 1 {
                    self.body_first = Some((tag.namespace.to_owned(), tag.local.to_owned()));
                }
                if tag.local == "Fault"
                    && (tag.namespace == SOAP12_NS || tag.namespace == SOAP11_NS)
                {
                    self.fault = true;
                }
            }
            // Documents carried inline: XDR/XCDR request (ITI TF-2 3.41.4.1.2) and
            // ITI-39 response (ITI TF-2 3.43.4.2.2).
            if tag.local == "Document" && tag.namespace == XDSB_NS {
                let grand = self
                    .frames
                    .len()
                    .checked_sub(2)
                    .and_then(|i| self.frames.get(i));
                let carrier = matches!(
                    (depth, parent_local, grand.map(|f| f.local)),
                    (4, Some("ProvideAndRegisterDocumentSetRequest"), _)
                        | (
                            5,
                            Some("DocumentResponse"),
                            Some("RetrieveDocumentSetResponse")
                        )
                );
                if carrier {
                    self.capture(depth, Purpose::Document);
                }
            }
            if tag.local == "Include" && tag.namespace == XOP_NS && parent_local == Some("Document")
            {
                let parent_path = self.path.get(..path_len).unwrap_or_default().to_owned();
                self.includes.push(FoundInclude {
                    path: parent_path,
                    href: tag.attr("href").unwrap_or_default().to_owned(),
                });
            }
        }
        if matches!(self.kind, Kind::Cda)
            && tag.local == "text"
            && parent_local == Some("nonXMLBody")
        {
            // CDA R2 4.3.4: an unstructured body may carry the document as base64 ED.
            if tag.attr("representation") == Some("B64") {
                self.capture(depth, Purpose::Document);
            }
        }
        let siblings = self.pool.pop().unwrap_or_default();
        self.frames.push(Frame {
            path_len,
            local: tag.local,
            siblings,
            ts,
            utc_slot,
            in_header,
        });
    }

    fn text(&mut self, text: &'a str) {
        let depth = self.frames.len();
        if let Some(c) = self.captures.last_mut() {
            if c.depth == depth {
                c.push(text);
            }
        }
    }

    fn text_char(&mut self, ch: char) {
        let depth = self.frames.len();
        if let Some(c) = self.captures.last_mut() {
            if c.depth == depth {
                c.push_char(ch);
            }
        }
    }

    fn tolerate_unbound_prefix(&mut self, local: &str, depth: usize) -> bool {
        // A published CDA snippet uses xsi: and sdtc: prefixes that the document it was
        // cut from declares; tolerated, with one warning, in fragments only.
        let fragment = match depth {
            1 => self.schema.fragment_roots.iter().any(|r| r == local),
            _ => self.kind == Kind::CdaFragment,
        };
        if fragment && !self.unbound_warned {
            self.unbound_warned = true;
            self.emit.add(
                &super::codes::CDA_FRAGMENT_PREFIX_UNBOUND,
                self.path.clone(),
                "the fragment uses a namespace prefix it does not declare (declared by the document it was cut from); read in no namespace");
        }
        fragment
    }

    fn end(&mut self) {
        let depth = self.frames.len();
        let capture = match self.captures.last() {
            Some(c) if c.depth == depth => self.captures.pop(),
            _ => None,
        };
        let text = capture.as_ref().map(|c| c.text());
        let wants_rule_text = capture
            .as_ref()
            .is_some_and(|c| c.purposes.contains(&Some(Purpose::Rule)));
        let path = std::mem::take(&mut self.path);
        self.matcher
            .end(&path, if wants_rule_text { text } else { None });
        if let Some(c) = &capture {
            let value = c.text();
            for purpose in c.purposes.iter().flatten() {
                match *purpose {
                    Purpose::Rule => {}
                    Purpose::Datetime(syntax, utc) => self.record(&path, value, syntax, utc),
                    Purpose::Action => self.action = Some(value.trim().to_owned()),
                    Purpose::MessageId => self.message_id = Some(value.trim().to_owned()),
                    Purpose::RelatesTo => self.relates_to = Some(value.trim().to_owned()),
                    Purpose::From => first(&mut self.sender.address, value),
                    Purpose::Issuer => first(&mut self.sender.issuer, value),
                    Purpose::HomeCommunity => first(&mut self.sender.home_community_id, value),
                    Purpose::Document => {
                        if !value.trim().is_empty() {
                            let text = match (&c.owned, c.borrowed) {
                                (None, Some(b)) => std::borrow::Cow::Borrowed(b),
                                _ => std::borrow::Cow::Owned(value.to_owned()),
                            };
                            self.documents.push(FoundDocument {
                                path: path.clone(),
                                text,
                            });
                        }
                    }
                }
            }
        }
        self.path = path;
        if self.hcid_depth == Some(depth) {
            self.hcid_depth = None;
        }
        if let Some(mut frame) = self.frames.pop() {
            self.path.truncate(frame.path_len);
            if frame.siblings.many.is_none() && self.pool.len() < 512 {
                frame.siblings.few.clear();
                self.pool.push(frame.siblings);
            }
        }
    }
}

/// Keeps the first non-empty value met for a field.
fn first(slot: &mut Option<Text>, value: &str) {
    let value = value.trim();
    if slot.is_none() && !value.is_empty() {
        *slot = Some(Text::from(value));
    }
}
