//! Carequality / IHE SOAP XML and CDA documents.
//!
//! BASELINE — the Carequality and CDA issue (#6) replaces this with the secure streaming
//! reader, IHE transaction rules and HL7 v3 datetimes. Until then a payload gets a
//! well-formedness check and a `VALIDATION_NOT_AVAILABLE` note: no fake passes.

use quick_xml::events::Event;

use crate::codes::VALIDATION_NOT_AVAILABLE;
use crate::engine::Payload;
use crate::report::{Format, Report};

pub mod codes {
    //! Diagnostic codes of the XML module.
    crate::codes::define_codes! {
        XML_NOT_WELL_FORMED: Error, "The payload is not well-formed XML (XML 1.0 section 2.1).";
        XML_DEPTH_EXCEEDED: Error, "Elements nest deeper than the configured limit.";
    }
}

const MAX_DEPTH: usize = 256;

/// Validates an XML payload.
pub(crate) fn validate(payload: &Payload<'_>, out: &mut Vec<Report>) {
    let format = match payload.sniffed.format {
        f @ (Format::Soap | Format::Mtom | Format::Cda) => f,
        _ => Format::Xml,
    };
    let mut report = payload.new_report(format, payload.bytes.len() as u64);
    if format == Format::Mtom {
        report.add(
            &VALIDATION_NOT_AVAILABLE,
            "",
            "MTOM/XOP packages are not parsed yet",
        );
        out.push(report);
        return;
    }
    let mut reader = quick_xml::Reader::from_reader(payload.bytes);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    report.add(
                        &codes::XML_DEPTH_EXCEEDED,
                        "",
                        format!("elements nest deeper than {MAX_DEPTH}"),
                    );
                    break;
                }
            }
            Ok(Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::DocType(_)) => {
                report.add(
                    &codes::XML_NOT_WELL_FORMED,
                    "",
                    "a DOCTYPE declaration is not accepted",
                );
                break;
            }
            Ok(Event::Eof) => {
                if depth > 0 || roots != 1 {
                    report.add(
                        &codes::XML_NOT_WELL_FORMED,
                        "",
                        "the document must have exactly one root element, closed before the end",
                    );
                }
                break;
            }
            Ok(_) => {}
            Err(_) => {
                report.add(
                    &codes::XML_NOT_WELL_FORMED,
                    "",
                    format!("not well-formed XML near byte {}", reader.buffer_position()),
                );
                break;
            }
        }
        buf.clear();
    }
    if report.valid() {
        report.add(
            &VALIDATION_NOT_AVAILABLE,
            "",
            "SOAP, IHE transaction and CDA structure rules and datetimes are not checked yet",
        );
    }
    out.push(report);
}
