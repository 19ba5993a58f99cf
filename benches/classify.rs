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

criterion_group!(benches, bench_classify);
criterion_main!(benches);
