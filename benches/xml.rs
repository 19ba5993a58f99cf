//! Throughput of the XML module against quick-xml's bare event loop over the same bytes,
//! in the same run (the ratio is the figure reported in docs/xml.md).
//!
//! Two inputs, both generated here (synthetic, no real person):
//! - a C-CDA document of about 1.5 MB (the minimal fixture's header, many problem
//!   entries with TS datetimes);
//! - a 40 MB XCA Cross Gateway Retrieve [ITI-39] response carrying four such documents
//!   scaled up, as base64 `Document` elements.
//!
//! For each: `quick_xml_bare` (read_event until Eof, nothing else), `secure_reader`
//! (our reader's checks only), `engine` (the whole pipeline: reader, rules, paths,
//! datetimes, and for the retrieve response the decoding and validation of every
//! embedded CDA), and `engine_without_embedded` (the same with embedded files not
//! examined: the message's own pass).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::hint::black_box;

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use payload_triage::unstable::xml::reader::{check, XmlLimits};
use payload_triage::{Context, Engine, TrafficType};

fn ccda(entries: usize) -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/xml/ccda_minimal.xml"
    );
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.find("<entry>").unwrap_or(0);
    let end = text
        .find("</entry>")
        .map_or(text.len(), |e| e + "</entry>".len());
    let entry = &text[start..end];
    let mut out = String::with_capacity(text.len() + entries * entry.len());
    out.push_str(&text[..start]);
    for _ in 0..entries {
        out.push_str(entry);
        out.push('\n');
    }
    out.push_str(&text[end..]);
    out
}

fn retrieve_response(target_len: usize) -> String {
    let documents = 4;
    // base64 is 4/3 of the document; leave room for the envelope.
    let per_document = target_len / documents * 3 / 4 - 2_000;
    let one_entry = ccda(1).len() - ccda(0).len();
    let doc = ccda(per_document / one_entry.max(1));
    let b64 = base64::engine::general_purpose::STANDARD.encode(doc.as_bytes());
    let mut body = String::new();
    for i in 0..documents {
        body.push_str(&format!(
            "<xdsb:DocumentResponse><xdsb:HomeCommunityId>urn:oid:1.2.3.4.8</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>1.2.3.4.10</xdsb:RepositoryUniqueId><xdsb:DocumentUniqueId>1.2.3.4.11.{i}</xdsb:DocumentUniqueId><xdsb:mimeType>text/xml</xdsb:mimeType><xdsb:Document>{b64}</xdsb:Document></xdsb:DocumentResponse>"
        ));
    }
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>urn:ihe:iti:2007:CrossGatewayRetrieveResponse</a:Action><a:MessageID>urn:uuid:0a7c3f2e-aaaa-4d6b-9c1e-7b4f0d2a9e0a</a:MessageID><a:RelatesTo>urn:uuid:0a7c3f2e-bbbb-4d6b-9c1e-7b4f0d2a9e0b</a:RelatesTo></s:Header><s:Body><xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007" xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"><rs:RegistryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>{body}</xdsb:RetrieveDocumentSetResponse></s:Body></s:Envelope>"#
    )
}

fn bare_loop(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut events = 0usize;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) | Err(_) => return events,
            Ok(event) => {
                black_box(&event);
                events += 1;
            }
        }
    }
}

fn bench_input(
    c: &mut Criterion,
    group_name: &str,
    bytes: &[u8],
    hint: TrafficType,
    samples: usize,
) {
    let engine = Engine::default();
    let ctx = Context::new().with_hint(hint);
    // The inputs are valid: make sure the bench measures the happy path.
    let report = engine.validate(bytes, &ctx);
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| d.code != "XML_NOT_WELL_FORMED"),
        "{group_name} input is not well-formed"
    );
    let limits = XmlLimits::default();
    let mut group = c.benchmark_group(group_name);
    group.sample_size(samples);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("quick_xml_bare", bytes.len()),
        bytes,
        |b, i| b.iter(|| bare_loop(black_box(i))),
    );
    group.bench_with_input(
        BenchmarkId::new("secure_reader", bytes.len()),
        bytes,
        |b, i| b.iter(|| check(black_box(i), &limits).is_ok()),
    );
    group.bench_with_input(BenchmarkId::new("engine", bytes.len()), bytes, |b, i| {
        b.iter(|| engine.validate(black_box(i), &ctx).diagnostics.len())
    });
    // The message alone: embedded documents are found but not decoded or validated
    // (embedded depth 0), so this is the envelope's own single pass.
    let mut config = payload_triage::Config::default();
    config.bounds.embedded_depth = 0;
    let shallow = Engine::new(config).unwrap();
    group.bench_with_input(
        BenchmarkId::new("engine_without_embedded", bytes.len()),
        bytes,
        |b, i| b.iter(|| shallow.validate(black_box(i), &ctx).diagnostics.len()),
    );
    group.finish();
}

fn ccda_document(c: &mut Criterion) {
    let doc = ccda(2_000);
    bench_input(c, "xml_ccda", doc.as_bytes(), TrafficType::UploadedFile, 20);
}

fn xca_retrieve_40mb(c: &mut Criterion) {
    let doc = retrieve_response(39_900_000);
    bench_input(
        c,
        "xml_xca_retrieve_40mb",
        doc.as_bytes(),
        TrafficType::Carequality,
        10,
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(5));
    targets = ccda_document, xca_retrieve_40mb
}
criterion_main!(benches);
