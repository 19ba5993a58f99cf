//! The report writers: one JSON line per report (the default output), and the SARIF,
//! JUnit and GitHub writers, on the reports of 1,000 HL7 v2 messages (half of them
//! invalid, with several diagnostics and datetimes each). Throughput is counted in
//! payload bytes, so the figures read beside the validation benches: the writers'
//! share of a run. Baseline in the same run: `serde_json::to_writer` of the same
//! reports into a Vec, which is what the JSON writer is.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::hint::black_box;
use std::io::Write;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use payload_triage::output::{Event, Github, Junit, RunWriter, Sarif, Summary};
use payload_triage::{Context, Engine, Report, TrafficType};

fn reports() -> (Vec<Report>, u64) {
    let engine = Engine::default();
    let ctx = Context::new().with_hint(TrafficType::Hl7v2Mllp);
    let mut bytes = 0;
    let reports = (0..1000)
        .map(|i| {
            // Odd messages have an impossible birth date and a missing PV1.
            let (dob, pv1) = if i % 2 == 0 {
                ("19800214", "PV1|1|I|W4^401^1\r")
            } else {
                ("19800231", "")
            };
            let message = format!(
                "MSH|^~\\&|REGADT|GOODHEALTH|TRIAGE|EXCHANGE|20240312083015-0500||ADT^A01^ADT_A01|MSG{i:05}|P|2.5.1\r\
                 EVN|A01|20240312083000-0500\r\
                 PID|1||PAT{i:05}^^^GOODHEALTH^MR||TESTPATIENT^ALEX||{dob}|F\r{pv1}"
            );
            bytes += message.len() as u64;
            let mut report = engine.validate(message.as_bytes(), &ctx.clone().named(format!("in/m{i}.hl7")));
            report.source = format!("in/m{i}.hl7");
            report
        })
        .collect();
    (reports, bytes)
}

fn run_writer(writer: &mut dyn RunWriter, reports: &[Report]) {
    let mut summary = Summary::new();
    for report in reports {
        summary.count_report(report);
        writer.event(&Event::Report(report)).unwrap();
    }
    writer.finish(&summary).unwrap();
}

fn bench_output(c: &mut Criterion) {
    let (reports, bytes) = reports();
    let mut group = c.benchmark_group("output/1000_hl7_reports");
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("serde_json_to_writer", |b| {
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            out.clear();
            for report in &reports {
                serde_json::to_writer(&mut out, black_box(report)).unwrap();
                out.push(b'\n');
            }
        })
    });
    group.bench_function("json_lines", |b| {
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            out.clear();
            for report in &reports {
                black_box(report).write_json(&mut out).unwrap();
                out.write_all(b"\n").unwrap();
            }
        })
    });
    group.bench_function("sarif", |b| {
        b.iter(|| {
            run_writer(
                &mut Sarif::new(Vec::with_capacity(1 << 20)),
                black_box(&reports),
            )
        })
    });
    group.bench_function("junit", |b| {
        b.iter(|| {
            run_writer(
                &mut Junit::new(Vec::with_capacity(1 << 20)),
                black_box(&reports),
            )
        })
    });
    group.bench_function("github", |b| {
        b.iter(|| {
            run_writer(
                &mut Github::new(Vec::with_capacity(1 << 20)),
                black_box(&reports),
            )
        })
    });
    group.bench_function("summary_count", |b| {
        b.iter(|| {
            let mut summary = Summary::new();
            for report in &reports {
                summary.count_report(black_box(report));
            }
            summary
        })
    });
    group.finish();
}

criterion_group!(benches, bench_output);
criterion_main!(benches);
