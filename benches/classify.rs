//! Classification must not grow with the payload: the same sniff over a 1 KB and a
//! 40 MB payload of each kind should cost the same. Throughput is reported over the
//! whole payload, so the 40 MB figure is large exactly when the prefix bound holds; the
//! two times belong side by side in the README.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use payload_triage::unstable::classify;

fn padded(head: &[u8], fill: u8, size: usize) -> Vec<u8> {
    let mut bytes = head.to_vec();
    bytes.resize(size.max(head.len()), fill);
    bytes
}

fn bench_classify(c: &mut Criterion) {
    let kinds: [(&str, &[u8], u8); 4] = [
        ("hl7v2", b"MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01|1|P|2.5.1\r", b'A'),
        ("fhir", br#"{"resourceType":"Bundle","type":"collection","entry":["#, b' '),
        (
            "soap",
            br#"<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>"#,
            b' ',
        ),
        ("unknown", b"\x00\x01\x02", b'\x00'),
    ];
    let mut group = c.benchmark_group("classify");
    for (name, head, fill) in kinds {
        for (label, size) in [("1KB", 1_000usize), ("40MB", 40_000_000)] {
            let bytes = padded(head, fill, size);
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(BenchmarkId::new(name, label), &bytes, |b, bytes| {
                b.iter(|| classify::sniff(black_box(bytes)))
            });
        }
    }
    group.finish();
}

/// Key order must not matter: a Redox or FHIR object whose deciding key comes after the
/// sniff window is walked to it. Early-decided payloads (above, and `redox_early` here)
/// keep a flat cost; late-decided ones cost one pass, reported as throughput over the
/// whole payload. Each late case runs beside a "memory speed" floor over the same bytes
/// in the same run (`floor/...`: one `memchr` for a byte the payload does not hold, so
/// every byte is read once at vector speed), so the README can give the walk as a ratio
/// to the floor.
fn bench_late_key(c: &mut Criterion) {
    let mut group = c.benchmark_group("classify_late_key");
    group.sample_size(10);
    let early = br#"{"Meta":{"DataModel":"Results","EventType":"New"},"Orders":["#;
    for (label, size) in [("1KB", 1_000usize), ("40MB", 40_000_000)] {
        let bytes = padded(early, b' ', size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(
            BenchmarkId::new("redox_early", label),
            &bytes,
            |b, bytes| b.iter(|| classify::sniff(black_box(bytes))),
        );
    }
    let mut late: Vec<(&str, &str, Vec<u8>)> = Vec::new();
    // One long string before the key (base64 document text).
    for (label, size) in [("8KB", 8_000usize), ("40MB", 40_000_000)] {
        let mut bytes = br#"{"Notes":[{"FileContents":""#.to_vec();
        bytes.resize(size, b'A');
        bytes.extend_from_slice(br#""}],"Meta":{"DataModel":"Media"}}"#);
        late.push(("redox_late_string", label, bytes));
    }
    // Dense structure before the key: nested objects and arrays of short values.
    for (label, count) in [("8KB", 200usize), ("40MB", 1_000_000)] {
        let mut bytes = br#"{"entry":["#.to_vec();
        for _ in 0..count {
            bytes.extend_from_slice(br#"{"a":[1,true,null,"x"],"b":{"c":"d"}},"#);
        }
        bytes.extend_from_slice(br#"{}],"resourceType":"Bundle"}"#);
        late.push(("fhir_late_nested", label, bytes));
    }
    // Issue 13's bad input: 10^6 top-level members before `Meta`.
    let mut bytes = b"{".to_vec();
    for i in 0..1_000_000u32 {
        bytes.extend_from_slice(format!("\"k{i}\":{i},").as_bytes());
    }
    bytes.extend_from_slice(br#""Meta":{"DataModel":"Results"}}"#);
    late.push(("redox_late_1e6_keys", "14MB", bytes));
    for (name, label, bytes) in &late {
        assert_ne!(
            classify::sniff(bytes).traffic,
            payload_triage::TrafficType::Other,
            "{name}/{label} must be decided by its late key"
        );
        assert_eq!(memchr::memchr(b'\x01', bytes), None);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new(*name, label), bytes, |b, bytes| {
            b.iter(|| classify::sniff(black_box(bytes)))
        });
        group.bench_with_input(
            BenchmarkId::new(format!("floor/{name}"), label),
            bytes,
            |b, bytes| b.iter(|| memchr::memchr(b'\x01', black_box(bytes))),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_classify, bench_late_key);
criterion_main!(benches);
