//! Pairing across messages: requests with their responses, messages with their
//! acknowledgements, in a batch, an archive or a live stream, in bounded memory.
//!
//! A [`Pairing`] observes reports in order ([`Pairing::observe`]) and matches, within a
//! window of at most [`Pairing::window`] open entries:
//!
//! | family | a request is keyed by | a response names it in |
//! | --- | --- | --- |
//! | HL7 v2 | MSH-10, the message control id | MSA-2 (HL7 v2.5.1 section 2.14.8.2: the control id of the message being acknowledged) |
//! | SOAP (IHE) | `wsa:MessageID` | `wsa:RelatesTo` (WS-Addressing 1.0 Core sections 3.2 and 3.4) |
//! | FHIR R4 message | `MessageHeader.id` | `MessageHeader.response.identifier` ("the MessageHeader.id of the message to which this message is a response", FHIR R4 MessageHeader) |
//! | Redox query | `Meta.Logs[0].ID`, else `Meta.Message.ID` | the same, on the query response of the same data model |
//!
//! A Redox query is synchronous: the query and its response are one request of one
//! log (Redox, "Logs": a log is one request between a source and a destination, and a
//! synchronous request is a REQUEST with its response), and `Meta.Logs[].ID` names the
//! log the message belongs to. `Meta.Message.ID` is deprecated by Redox and only a
//! fall-back.
//!
//! Either may come first: files of an archive are read in name order, so a response
//! can precede its request. Whichever arrives first waits in the window for the other.
//!
//! What it counts ([`PairingCounts`]): requests and responses seen, requests answered,
//! queries and retrieves left unanswered and responses whose request never came (both
//! known only when the pairing is closed, [`Pairing::close`]), HL7 acknowledgment codes
//! (MSA-1, HL7 table 0008), ids that one sender used twice, and the queries and
//! responses the full window had to drop (`overflow`): those are neither unanswered nor
//! unknown, because nothing can be said of them. A notification dropped from the window
//! is not counted there: it would never have been reported unanswered (a response to
//! it that comes later counts as unknown).
//!
//! **Memory.** The open entries and the remembered ids are each held to the window,
//! whatever the input: past it the oldest goes first. Only 64-bit keyed hashes of ids
//! are kept, never an id: the engine computes them before redaction (`Engine::seal`),
//! so pairing works the same in redacted mode and no payload value is held or written.
//! The hash key is random per process, so the hashes can neither be reversed by trying
//! likely ids nor be made to collide on purpose; two different ids share a hash with a
//! probability of about 2^-64 per pair.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::OnceLock;

use serde::Serialize;

use crate::report::{Exchange, ExchangePattern, Format, Party, Report};
use crate::text::Text;

/// The window a [`Pairing`] has unless told otherwise (`[bounds] pairing_window`).
pub const DEFAULT_WINDOW: usize = 100_000;

/// The keyed hash every pairing key is made with: SipHash under a key drawn once per
/// process.
fn hash<T: Hash>(value: T) -> u64 {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    KEYS.get_or_init(RandomState::new).hash_one(value)
}

/// The standards whose messages are paired. A key never matches across families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Family {
    Hl7v2,
    Soap,
    Fhir,
    Redox,
}

impl Family {
    fn of(format: Format) -> Option<Family> {
        match format {
            Format::Hl7v2 => Some(Family::Hl7v2),
            Format::Soap | Format::Mtom => Some(Family::Soap),
            Format::FhirR4 => Some(Family::Fhir),
            Format::RedoxDataModel => Some(Family::Redox),
            _ => None,
        }
    }
}

/// An HL7 v2 acknowledgment code (MSA-1, HL7 table 0008).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ack {
    Aa,
    Ae,
    Ar,
    Ca,
    Ce,
    Cr,
    Other,
}

impl Ack {
    fn of(code: &str) -> Ack {
        match code {
            "AA" => Ack::Aa,
            "AE" => Ack::Ae,
            "AR" => Ack::Ar,
            "CA" => Ack::Ca,
            "CE" => Ack::Ce,
            "CR" => Ack::Cr,
            _ => Ack::Other,
        }
    }
}

/// What a message is to pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// It may be answered; `query` when it is a query or a retrieve, which must be.
    Request { query: bool },
    /// It answers a request; `to_query` when it is a query or retrieve response.
    Response { to_query: bool },
}

/// What pairing needs of one report: hashes and small codes, never a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    /// Its role and the hash it pairs on, when it has one.
    role: Option<(Role, u64)>,
    /// HL7 MSA-1.
    ack: Option<Ack>,
    /// Hash of (family, sender, message id): the same for a copy from the same sender.
    sent: Option<u64>,
}

impl Key {
    /// The key of a report whose exchange data is still there; `log` is the Redox
    /// request log id's hash.
    fn of(format: Format, exchange: &Exchange, log: Option<u64>) -> Option<Key> {
        fn text(value: &Option<Text>) -> Option<&str> {
            value.as_deref().filter(|v| !v.is_empty())
        }
        let family = Family::of(format)?;
        let message_id = text(&exchange.message_id);
        let sent = message_id.map(|id| hash((family, Tag::Sent, sender(exchange), id)));
        let ack = text(&exchange.acknowledgement_code).map(Ack::of);
        let pattern = exchange.pattern;
        let query = matches!(
            pattern,
            Some(ExchangePattern::Query | ExchangePattern::Retrieve)
        );
        let answer = matches!(
            pattern,
            Some(
                ExchangePattern::QueryResponse
                    | ExchangePattern::RetrieveResponse
                    | ExchangePattern::Acknowledgement
            )
        );
        let to_query = matches!(
            pattern,
            Some(ExchangePattern::QueryResponse | ExchangePattern::RetrieveResponse)
        );
        let role = if family == Family::Redox {
            // A query and its response share the request log (or, failing that, the
            // deprecated message id); only queries are paired, within one data model.
            let id = log.or_else(|| message_id.map(hash));
            let model = text(&exchange.message_type).unwrap_or_default();
            let pair = id.map(|id| hash((family, Tag::Pair, model, id)));
            match (pair, query, to_query) {
                (Some(pair), true, _) => Some((Role::Request { query }, pair)),
                (Some(pair), _, true) => Some((Role::Response { to_query }, pair)),
                _ => None,
            }
        } else {
            match (text(&exchange.relates_to), message_id) {
                (Some(answers), _) => Some((
                    Role::Response { to_query },
                    hash((family, Tag::Pair, answers)),
                )),
                // An acknowledgement that names no message is paired with nothing.
                (None, Some(id)) if !answer => {
                    Some((Role::Request { query }, hash((family, Tag::Pair, id))))
                }
                _ => None,
            }
        };
        if role.is_none() && ack.is_none() && sent.is_none() {
            return None;
        }
        Some(Key { role, ack, sent })
    }
}

/// Keeps the hash of a pairing id apart from the hash of a sent id.
#[derive(Hash)]
enum Tag {
    Pair,
    Sent,
}

/// The sender, as far as the message names it: `None` is one anonymous sender.
fn sender(exchange: &Exchange) -> Option<&Party> {
    exchange.sender.as_ref().filter(|p| !p.is_empty())
}

/// What pairing needs of a report, kept in the report itself (never serialized, never
/// output). It is computed when the report is sealed, before redaction drops the ids.
///
/// Two reports are equal whatever their pairing facts: these are hashes under a key
/// drawn per process, a report read back from JSON has none, and equality is about
/// what a report says (`docs/contract.md`).
#[derive(Clone, Copy, Default)]
pub(crate) struct Facts {
    /// Hash of the Redox request log id (`Meta.Logs[0].ID`), set by the format.
    log: Option<u64>,
    /// Whether `key` was computed from the exchange data.
    sealed: bool,
    key: Option<Key>,
}

impl PartialEq for Facts {
    fn eq(&self, _: &Facts) -> bool {
        // Not part of what a report says: see the type's comment.
        true
    }
}

impl Eq for Facts {}

impl std::fmt::Debug for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hashes of ids are not shown, even in debug output.
        f.write_str("Facts(..)")
    }
}

impl Facts {
    /// Records the Redox request log id.
    pub(crate) fn set_log(&mut self, id: &str) {
        if !id.is_empty() {
            self.log = Some(hash(id));
        }
    }

    /// Computes the key of `report` from its exchange data. Called as the report is
    /// sealed, before any redaction; a report already redacted keeps what it had.
    pub(crate) fn seal(report: &mut Report) {
        if report.redacted {
            return;
        }
        let key = Key::of(report.format, &report.exchange, report.pairing.log);
        report.pairing.key = key;
        report.pairing.sealed = true;
    }

    /// The key of `report`: the sealed one, or one computed now from exchange data the
    /// report still has (a report built or read back by the caller).
    fn key(report: &Report) -> Option<Key> {
        if report.pairing.sealed {
            report.pairing.key
        } else if report.redacted {
            None
        } else {
            Key::of(report.format, &report.exchange, report.pairing.log)
        }
    }
}

/// Counts of HL7 v2 acknowledgment codes (MSA-1, HL7 table 0008), in every response
/// that carries one (ACK, RSP, ...), paired or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AckCounts {
    /// `AA`: original mode, application accept.
    #[serde(rename = "AA")]
    pub aa: u64,
    /// `AE`: original mode, application error.
    #[serde(rename = "AE")]
    pub ae: u64,
    /// `AR`: original mode, application reject.
    #[serde(rename = "AR")]
    pub ar: u64,
    /// `CA`: enhanced mode, commit accept.
    #[serde(rename = "CA")]
    pub ca: u64,
    /// `CE`: enhanced mode, commit error.
    #[serde(rename = "CE")]
    pub ce: u64,
    /// `CR`: enhanced mode, commit reject.
    #[serde(rename = "CR")]
    pub cr: u64,
    /// Any other code (not in table 0008).
    pub other: u64,
}

impl AckCounts {
    fn add(&mut self, ack: Ack) {
        let n = match ack {
            Ack::Aa => &mut self.aa,
            Ack::Ae => &mut self.ae,
            Ack::Ar => &mut self.ar,
            Ack::Ca => &mut self.ca,
            Ack::Ce => &mut self.ce,
            Ack::Cr => &mut self.cr,
            Ack::Other => &mut self.other,
        };
        *n += 1;
    }

    /// All codes counted.
    pub fn total(&self) -> u64 {
        self.aa + self.ae + self.ar + self.ca + self.ce + self.cr + self.other
    }
}

/// What a [`Pairing`] found: the `pairing` object of the run summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PairingCounts {
    /// Messages a response may answer: HL7 v2 messages with a control id and no MSA,
    /// SOAP messages with a `MessageID` and no `RelatesTo`, FHIR messages with no
    /// `response`, Redox queries. Copies (see `duplicate_ids`) are not counted again.
    pub requests: u64,
    /// Responses and acknowledgements that name the message they answer.
    pub responses: u64,
    /// Requests a response answered (whichever came first).
    pub answered: u64,
    /// Queries and retrieves no response answered, once the pairing is closed.
    /// (Notifications need not be acknowledged, so they are never counted here.)
    pub unanswered: u64,
    /// Responses whose request was not seen (or was already answered), once the
    /// pairing is closed.
    pub unknown_responses: u64,
    /// Messages whose id their sender had already used within the window (same family,
    /// same sender as the message names it, same id). Such a copy is not paired again.
    pub duplicate_ids: u64,
    /// HL7 v2 acknowledgment codes (MSA-1) of the responses counted: a resent
    /// acknowledgement's code is not counted again, and one that names no message
    /// (MSA-2 empty) is not a response.
    pub acknowledgements: AckCounts,
    /// Queries, retrieves and responses dropped from the full window before they were
    /// paired: nothing is known of them, so they are neither unanswered nor unknown.
    /// (Notifications dropped are not counted: they are never reported unanswered.)
    pub overflow: u64,
}

impl PairingCounts {
    /// Whether anything was there to pair: a request, a response, a duplicate or an
    /// acknowledgment code.
    pub fn is_empty(&self) -> bool {
        self.requests == 0
            && self.responses == 0
            && self.duplicate_ids == 0
            && self.acknowledgements.total() == 0
    }
}

/// Whether an observed report was a request or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PairRole {
    /// It may be answered.
    Request,
    /// It answers a request.
    Response,
}

/// What observing one report did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observation {
    /// The report's role; `None` when it has nothing to pair (no id, another format, a
    /// copy of a message already seen).
    pub role: Option<PairRole>,
    /// It completed a pair: a response met its waiting request, or a request met a
    /// response that came before it.
    pub paired: bool,
    /// Its sender had already used its id within the window.
    pub duplicate: bool,
    /// Queries and responses the window dropped to make room for it (`overflow`).
    pub evicted: u64,
}

/// What waits under one pairing key.
#[derive(Debug, Clone, Copy)]
enum Waiting {
    /// Requests with this id (from different senders): queries and the others.
    Requests { queries: u64, others: u64 },
    /// Responses that came before their request.
    Responses(u64),
}

#[derive(Debug, Clone, Copy)]
struct Open {
    /// When the entry was opened, to tell stale places in the age order.
    seq: u64,
    waiting: Waiting,
}

/// Matches requests with their responses over a bounded window (see the module
/// documentation for the rules per standard).
///
/// The batch runner feeds one with every top-level report of a run, in input order,
/// and closes it at the end for the run summary. A service can do the same over a live
/// stream, reading the counts at any time:
///
/// ```
/// use payload_triage::pairing::{PairRole, Pairing};
/// use payload_triage::{Context, Engine};
///
/// let engine = Engine::default();
/// let ctx = Context::new();
/// let mut pairing = Pairing::new(10_000);
/// let query = b"MSH|^~\\&|APP|FAC|MPI|FAC|20240312083015-0500||QBP^Q22^QBP_Q21|Q-1|P|2.5.1\r";
/// let answer = b"MSH|^~\\&|MPI|FAC|APP|FAC|20240312083016-0500||RSP^K22^RSP_K21|R-1|P|2.5.1\rMSA|AA|Q-1\r";
/// let adt = b"MSH|^~\\&|APP|FAC|EHR|FAC|20240312083017-0500||ADT^A01^ADT_A01|A-1|P|2.5.1\r";
///
/// assert_eq!(pairing.observe(&engine.validate(query, &ctx)).role, Some(PairRole::Request));
/// assert_eq!(pairing.pending_queries(), 1);
/// assert!(pairing.observe(&engine.validate(answer, &ctx)).paired);
/// pairing.observe(&engine.validate(adt, &ctx));
///
/// let live = pairing.counts();
/// assert_eq!((live.requests, live.responses, live.answered), (2, 1, 1));
/// assert_eq!(live.acknowledgements.aa, 1);
/// // The ADT waits for an acknowledgement; a notification is never "unanswered".
/// assert_eq!(pairing.close().unanswered, 0);
/// ```
#[derive(Debug, Clone)]
pub struct Pairing {
    window: usize,
    /// Open entries by pairing key.
    open: HashMap<u64, Open>,
    /// Keys in the order their entries were opened; a place whose entry was paired or
    /// reopened since is stale and skipped (and swept when stale places pile up).
    order: VecDeque<(u64, u64)>,
    next_seq: u64,
    /// Sent ids remembered for duplicates, and their age order.
    ids: HashSet<u64>,
    id_order: VecDeque<u64>,
    counts: PairingCounts,
    pending_queries: u64,
    pending_responses: u64,
}

impl Default for Pairing {
    fn default() -> Self {
        Pairing::new(DEFAULT_WINDOW)
    }
}

impl Pairing {
    /// A pairing that holds at most `window` open entries and remembers at most
    /// `window` sent ids (at least 1 of each). Nothing is allocated until reports come.
    pub fn new(window: usize) -> Self {
        Pairing {
            window: window.max(1),
            open: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            ids: HashSet::new(),
            id_order: VecDeque::new(),
            counts: PairingCounts::default(),
            pending_queries: 0,
            pending_responses: 0,
        }
    }

    /// The window: the most open entries, and the most remembered ids, held at once.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Open entries now held: requests waiting for a response and responses waiting
    /// for their request (requests with the same id from different senders share
    /// one). Never more than [`Pairing::window`].
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// Whether no entry is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Sent ids remembered to find duplicates. Never more than [`Pairing::window`].
    pub fn remembered_ids(&self) -> usize {
        self.ids.len()
    }

    /// Queries and retrieves now waiting for a response.
    pub fn pending_queries(&self) -> u64 {
        self.pending_queries
    }

    /// Responses now waiting for their request.
    pub fn pending_responses(&self) -> u64 {
        self.pending_responses
    }

    /// The counts so far. What still waits is not counted as unanswered or unknown
    /// until the pairing is closed.
    pub fn counts(&self) -> PairingCounts {
        self.counts
    }

    /// The counts as [`Pairing::close`] would give them now, without closing: waiting
    /// queries count as unanswered and waiting responses as unknown.
    pub fn closed_counts(&self) -> PairingCounts {
        let mut counts = self.counts;
        counts.unanswered += self.pending_queries;
        counts.unknown_responses += self.pending_responses;
        counts
    }

    /// Ends the pairing (the end of a run, or of a stream): waiting queries become
    /// unanswered, waiting responses unknown, and the window is emptied. Gives the
    /// final counts; the pairing may go on observing afterwards.
    pub fn close(&mut self) -> PairingCounts {
        self.counts = self.closed_counts();
        self.pending_queries = 0;
        self.pending_responses = 0;
        self.open = HashMap::new();
        self.order = VecDeque::new();
        self.counts
    }

    /// Observes one report (a top-level report; embedded files are not messages of
    /// the exchange). A report with nothing to pair costs a few comparisons; one with
    /// an id costs a few hashes and map operations, and allocates only when a map
    /// grows.
    pub fn observe(&mut self, report: &Report) -> Observation {
        let mut seen = Observation::default();
        let Some(key) = Facts::key(report) else {
            return seen;
        };
        if let Some(sent) = key.sent {
            if !self.remember(sent) {
                // A copy (a resend): counted, and not paired a second time.
                self.counts.duplicate_ids += 1;
                seen.duplicate = true;
                return seen;
            }
        }
        match key.role {
            Some((Role::Request { query }, pair)) => {
                self.counts.requests += 1;
                seen.role = Some(PairRole::Request);
                self.request(pair, query, &mut seen);
            }
            Some((Role::Response { to_query }, pair)) => {
                self.counts.responses += 1;
                // The code of each response counted (a resend's is not counted again).
                if let Some(ack) = key.ack {
                    self.counts.acknowledgements.add(ack);
                }
                seen.role = Some(PairRole::Response);
                self.response(pair, to_query, &mut seen);
            }
            None => {}
        }
        seen
    }

    /// Remembers a sent id; false when it was already remembered.
    fn remember(&mut self, sent: u64) -> bool {
        if !self.ids.insert(sent) {
            return false;
        }
        self.id_order.push_back(sent);
        if self.id_order.len() > self.window {
            if let Some(old) = self.id_order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }

    fn request(&mut self, pair: u64, query: bool, seen: &mut Observation) {
        match self.open.get_mut(&pair) {
            Some(Open {
                waiting: Waiting::Responses(n),
                ..
            }) => {
                *n -= 1;
                if *n == 0 {
                    self.open.remove(&pair);
                }
                self.pending_responses -= 1;
                self.counts.answered += 1;
                seen.paired = true;
            }
            Some(Open {
                waiting: Waiting::Requests { queries, others },
                ..
            }) => {
                if query {
                    *queries += 1;
                } else {
                    *others += 1;
                }
                self.pending_queries += u64::from(query);
            }
            None => {
                let waiting = Waiting::Requests {
                    queries: u64::from(query),
                    others: u64::from(!query),
                };
                self.insert(pair, waiting, seen);
                self.pending_queries += u64::from(query);
            }
        }
    }

    fn response(&mut self, pair: u64, to_query: bool, seen: &mut Observation) {
        match self.open.get_mut(&pair) {
            Some(Open {
                waiting: Waiting::Requests { queries, others },
                ..
            }) => {
                // Of requests with the same id, a query response answers a query first
                // and an acknowledgement another message first.
                let take_query = *queries > 0 && (to_query || *others == 0);
                if take_query {
                    *queries -= 1;
                    self.pending_queries -= 1;
                } else {
                    *others = others.saturating_sub(1);
                }
                if *queries == 0 && *others == 0 {
                    self.open.remove(&pair);
                }
                self.counts.answered += 1;
                seen.paired = true;
            }
            Some(Open {
                waiting: Waiting::Responses(n),
                ..
            }) => {
                *n += 1;
                self.pending_responses += 1;
            }
            None => {
                self.insert(pair, Waiting::Responses(1), seen);
                self.pending_responses += 1;
            }
        }
    }

    /// Opens an entry, dropping the oldest ones while the window is full.
    fn insert(&mut self, pair: u64, waiting: Waiting, seen: &mut Observation) {
        while self.open.len() >= self.window {
            let Some((old, seq)) = self.order.pop_front() else {
                break;
            };
            if self.open.get(&old).is_some_and(|o| o.seq == seq) {
                if let Some(entry) = self.open.remove(&old) {
                    // Only what would have been judged at the close is overflow: a
                    // dropped notification would never have been "unanswered".
                    let dropped = match entry.waiting {
                        Waiting::Requests { queries, .. } => {
                            self.pending_queries -= queries;
                            queries
                        }
                        Waiting::Responses(n) => {
                            self.pending_responses -= n;
                            n
                        }
                    };
                    self.counts.overflow += dropped;
                    seen.evicted += dropped;
                }
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.open.insert(pair, Open { seq, waiting });
        self.order.push_back((pair, seq));
        // Paired entries leave stale places behind; sweep them once they outnumber
        // the window, so the order stays within twice the window (amortized O(1)).
        if self.order.len() > self.window.saturating_mul(2).saturating_add(16) {
            let open = &self.open;
            self.order
                .retain(|(key, seq)| open.get(key).is_some_and(|o| o.seq == *seq));
        }
    }
}

/// Serializes a pairing as its closed counts (the run summary's `pairing` object).
pub(crate) fn serialize_closed<S: serde::Serializer>(
    pairing: &Pairing,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    pairing.closed_counts().serialize(serializer)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::traffic::TrafficType;

    fn hl7(message_type: &str, id: &str, relates_to: Option<&str>, ack: Option<&str>) -> Report {
        let mut r = Report::new(TrafficType::Hl7v2Mllp, Format::Hl7v2, 10, 100);
        r.exchange.message_type = Some(message_type.into());
        r.exchange.pattern = Some(match message_type {
            "QBP" => ExchangePattern::Query,
            "RSP" => ExchangePattern::QueryResponse,
            "ACK" => ExchangePattern::Acknowledgement,
            _ => ExchangePattern::Notification,
        });
        r.exchange.message_id = Some(id.into());
        r.exchange.relates_to = relates_to.map(Into::into);
        r.exchange.acknowledgement_code = ack.map(Into::into);
        r
    }

    #[test]
    fn a_response_before_its_request_pairs_when_the_request_comes() {
        let mut p = Pairing::new(8);
        assert!(!p.observe(&hl7("ACK", "A1", Some("M1"), Some("AA"))).paired);
        assert_eq!(p.pending_responses(), 1);
        assert!(p.observe(&hl7("ADT", "M1", None, None)).paired);
        assert!(p.is_empty());
        let c = p.close();
        assert_eq!((c.answered, c.unknown_responses, c.unanswered), (1, 0, 0));
    }

    #[test]
    fn the_same_id_from_two_requests_waits_twice_and_is_answered_twice() {
        let mut p = Pairing::new(8);
        let mut a = hl7("QBP", "Q", None, None);
        a.exchange.sender = Some(Party {
            application: Some("A".into()),
            ..Party::default()
        });
        let b = hl7("QBP", "Q", None, None);
        p.observe(&a);
        p.observe(&b);
        assert_eq!((p.len(), p.pending_queries()), (1, 2));
        p.observe(&hl7("RSP", "R1", Some("Q"), Some("AA")));
        assert_eq!(p.pending_queries(), 1);
        p.observe(&hl7("RSP", "R2", Some("Q"), Some("AA")));
        assert!(p.is_empty());
        assert_eq!(p.close().answered, 2);
    }

    #[test]
    fn a_full_window_drops_its_oldest_entry_as_overflow() {
        let mut p = Pairing::new(2);
        for id in ["1", "2", "3"] {
            p.observe(&hl7("QBP", id, None, None));
        }
        assert_eq!(
            (p.len(), p.counts().overflow, p.pending_queries()),
            (2, 1, 2)
        );
        // The answer to the dropped query is a response to an unknown request.
        p.observe(&hl7("RSP", "R", Some("1"), None));
        let c = p.close();
        // Room for it dropped the second query: one unanswered, one unknown response.
        assert_eq!((c.unanswered, c.unknown_responses, c.overflow), (1, 1, 2));
    }

    #[test]
    fn a_dropped_notification_is_not_overflow() {
        let mut p = Pairing::new(2);
        for id in ["1", "2", "3"] {
            p.observe(&hl7("ADT", id, None, None));
        }
        assert_eq!((p.len(), p.counts().overflow), (2, 0));
        p.observe(&hl7("QBP", "4", None, None));
        p.observe(&hl7("QBP", "5", None, None));
        p.observe(&hl7("QBP", "6", None, None));
        assert_eq!(p.counts().overflow, 1);
        assert_eq!(p.close().unanswered, 2);
    }

    #[test]
    fn stale_places_are_swept_so_the_order_stays_bounded() {
        let mut p = Pairing::new(4);
        for i in 0..10_000 {
            let id = i.to_string();
            p.observe(&hl7("QBP", &id, None, None));
            p.observe(&hl7("RSP", &format!("r{i}"), Some(&id), None));
            assert!(p.order.len() <= 4 * 2 + 16 + 1);
        }
        assert_eq!(p.counts().answered, 10_000);
        assert_eq!(p.counts().overflow, 0);
    }

    #[test]
    fn equality_of_reports_ignores_pairing_facts() {
        let a = hl7("ADT", "M1", None, None);
        let mut b = a.clone();
        Facts::seal(&mut b);
        assert_eq!(a, b);
        assert_eq!(format!("{:?}", b.pairing), "Facts(..)");
    }
}
