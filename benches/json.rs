//! Redox API JSON: validation (with datetime canonicalization) and the canonical
//! document, each beside a bare `serde_json::from_slice::<Value>` of the same bytes in
//! the same run, so that the figures are read as ratios (goal: within 1.5x).
//!
//! Inputs are synthetic and generated here: a ~2 KB Redox Results message, a FHIR
//! Patient, and FHIR Bundles of ~1 MB and ~40 MB (just under the redox_api limit).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // bench code: a panic is a failing bench

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use payload_triage::{Context, Engine, TrafficType};

const REDOX: &str = include_str!("../tests/fixtures/json/redox/results_new.json");
const PATIENT: &str = include_str!("../tests/fixtures/json/fhir/patient.json");
const OBSERVATION: &str = include_str!("../tests/fixtures/json/fhir/observation.json");

/// A collection Bundle of alternating Patients and Observations, `target` bytes or a
/// little less.
fn bundle(target: usize) -> Vec<u8> {
    let head = r#"{"resourceType":"Bundle","type":"collection","timestamp":"2024-03-10T14:05:09Z","entry":["#;
    let mut out = String::from(head);
    let mut i = 0usize;
    loop {
        let resource = if i.is_multiple_of(2) {
            PATIENT
        } else {
            OBSERVATION
        };
        let entry = format!(
            r#"{}{{"fullUrl":"urn:uuid:00000000-0000-4000-8000-{:012}","resource":{}}}"#,
            if i == 0 { "" } else { "," },
            i,
            resource
        );
        if out.len() + entry.len() + 2 > target {
            break;
        }
        out.push_str(&entry);
        i += 1;
    }
    out.push_str("]}");
    out.into_bytes()
}

/// The fixture without its indentation, as messages travel.
fn minified(text: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::from_str::<serde_json::Value>(text).unwrap()).unwrap()
}

fn bench_json(c: &mut Criterion) {
    let engine = Engine::default();
    let ctx = Context::new().with_hint(TrafficType::RedoxApi);
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("redox_2KB", minified(REDOX)),
        ("fhir_patient", PATIENT.as_bytes().to_vec()),
        ("fhir_bundle_1MB", bundle(1_000_000)),
        ("fhir_bundle_40MB", bundle(40_000_000)),
    ];
    for (name, bytes) in &inputs {
        let report = engine.validate(bytes, &ctx);
        assert!(report.is_valid(), "{name}: {:?}", report.first_problem());
        let mut group = c.benchmark_group(format!("json/{name}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        if bytes.len() > 500_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(if bytes.len() > 10_000_000 {
                20
            } else {
                5
            }));
            group.warm_up_time(Duration::from_secs(1));
        }
        group.bench_with_input(
            BenchmarkId::new("serde_json_value", bytes.len()),
            bytes,
            |b, bytes| {
                b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(bytes)).unwrap())
            },
        );
        group.bench_with_input(
            BenchmarkId::new("validate", bytes.len()),
            bytes,
            |b, bytes| b.iter(|| engine.validate(black_box(bytes), &ctx)),
        );
        group.bench_with_input(
            BenchmarkId::new("canonical_document", bytes.len()),
            bytes,
            |b, bytes| {
                b.iter(|| {
                    payload_triage::unstable::json::canonical_document(black_box(bytes), &ctx)
                        .unwrap()
                })
            },
        );
        group.finish();
    }
}

criterion_group!(benches, bench_json);
criterion_main!(benches);
