//! The batch runner end to end, in the library (no process start-up): 2,000 small HL7 v2
//! files in a folder, and the same messages in one MLLP capture, with 1 and 2 worker
//! threads, reports rendered as JSON lines by the workers as the command line does.
//! Baseline in the same run: reading the same files with `std::fs::read` in a loop,
//! the floor any tool that looks at each file pays.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::hint::black_box;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use payload_triage::batch::{self, Options, Record};
use payload_triage::{Context, Engine};

const FILES: usize = 2_000;

fn message(i: usize) -> String {
    format!(
        "MSH|^~\\&|REGADT|GOODHEALTH|TRIAGE|EXCHANGE|20240312083015-0500||ADT^A01^ADT_A01|MSG{i:05}|P|2.5.1\r\
         EVN|A01|20240312083000-0500\r\
         PID|1||PAT{i:05}^^^GOODHEALTH^MR||TESTPATIENT^ALEX^Q||19800214|F|||100 MAIN ST^^SPRINGFIELD^IL^62701^USA\r\
         PV1|1|I|W4^401^1^GOODHEALTH||||1234^CAREGIVER^PAT^^^DR|||MED|||||||||VN{i:05}^^^GOODHEALTH^VN\r"
    )
}

fn layout() -> (tempfile::TempDir, PathBuf, PathBuf, u64) {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let mut capture = Vec::new();
    let mut bytes = 0u64;
    for i in 0..FILES {
        let m = message(i);
        bytes += m.len() as u64;
        std::fs::write(files.join(format!("m{i:05}.hl7")), &m).unwrap();
        capture.push(0x0b);
        capture.extend_from_slice(m.as_bytes());
        capture.extend_from_slice(b"\x1c\r");
    }
    let capture_path = dir.path().join("capture.mllp");
    std::fs::write(&capture_path, &capture).unwrap();
    (dir, files, capture_path, bytes)
}

fn run(engine: &Engine, path: &PathBuf, threads: usize) -> usize {
    let options = Options::default()
        .with_threads(threads)
        .with_json_lines(true);
    let mut count = 0;
    batch::run(
        engine,
        std::slice::from_ref(path),
        &options,
        |name: &str| Ok(Context::new().named(name)),
        |record| {
            if let Record::JsonLine(_, line) = record {
                count += black_box(line).len();
            }
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    count
}

fn bench_batch(c: &mut Criterion) {
    let (_dir, files, capture, bytes) = layout();
    let engine = Engine::default();
    for (name, path) in [("2000_files", &files), ("capture_2000_messages", &capture)] {
        let mut group = c.benchmark_group(format!("batch/{name}"));
        group.throughput(Throughput::Bytes(bytes));
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(5));
        if name == "2000_files" {
            group.bench_function("fs_read_baseline", |b| {
                b.iter(|| {
                    let mut total = 0;
                    for entry in std::fs::read_dir(path).unwrap() {
                        total += std::fs::read(entry.unwrap().path()).unwrap().len();
                    }
                    total
                })
            });
        }
        for threads in [1, 2] {
            group.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, &t| {
                b.iter(|| run(&engine, path, t))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_batch);
criterion_main!(benches);
