//! HL7 v2 throughput: parse + validate + datetimes through the engine, on a 1 KB ADT^A01,
//! a 100 KB ORU^R01 with many OBX and a 30 MB ORU^R01 (synthetic, generated here).
//! Baselines in the same run: a memchr scan of the same bytes (the floor any parser
//! pays to look at every byte) and the `hl7-parser` crate (parse only).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is a failing test

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use payload_triage::unstable::hl7v2::parse;
use payload_triage::{Context, Engine, TrafficType};

const MSH: &str = "MSH|^~\\&|LAB|GENERAL HOSPITAL|EHR|GENERAL HOSPITAL|20240102030405-0500||";

fn adt_1kb() -> String {
    let mut m = format!("{MSH}ADT^A01^ADT_A01|MSG00001|P|2.5.1\r");
    m.push_str("EVN|A01|20240102030405-0500|||OP1^OPERATOR^ONE\r");
    m.push_str("PID|1||100001^^^HOSP^MR~200002^^^STATE^SS||TESTPATIENT^ALEX^Q^JR||19800101|U|||1 MAIN ST^^SPRINGFIELD^ST^00000^USA^H||^PRN^PH^^^555^5550100|||S||ACCT0001^^^HOSP^AN\r");
    m.push_str("PD1|||GENERAL HOSPITAL^^1001|2001^DOCTOR^PAT^^^DR\r");
    m.push_str("NK1|1|TESTKIN^SAM|SPO^Spouse^HL70063|1 MAIN ST^^SPRINGFIELD^ST^00000^USA^H|^PRN^PH^^^555^5550101\r");
    m.push_str("PV1|1|I|WARD1^101^A^GENERAL HOSPITAL||||2001^DOCTOR^PAT^^^DR|||MED||||1|||2001^DOCTOR^PAT^^^DR|IP|VISIT0001|||||||||||||||||||||||||20240102030000-0500\r");
    m.push_str("PV2|||^CHEST PAIN\r");
    m.push_str("AL1|1|DA|PCN^PENICILLIN^L|MO|RASH|20100101\r");
    m.push_str("DG1|1||R07.9^CHEST PAIN^I10||20240102030000-0500|A\r");
    m.push_str("IN1|1|PLAN01^STANDARD PLAN|INS01^^^HOSP|TEST INSURANCE CO|2 MAIN ST^^SPRINGFIELD^ST^00000|||GRP01|||||20230101|20241231\r");
    while m.len() < 1000 {
        m.push_str("OBX|1|ST|NOTE^Note^L||admission note text||||||F\r");
    }
    m
}

fn obx(i: usize) -> String {
    format!(
        "OBX|{i}|NM|2345-7^GLUCOSE^LN||{}|mg/dL^mg/dL^UCUM|70-99|N|||F|||20240102030405-0500|LAB^GENERAL LAB\r",
        80 + i % 40
    )
}

fn oru(target: usize) -> String {
    let mut m = format!("{MSH}ORU^R01^ORU_R01|MSG00002|P|2.5.1\r");
    m.push_str("PID|1||100001^^^HOSP^MR||TESTPATIENT^ALEX||19800101|U\r");
    m.push_str("OBR|1|ORD1|FIL1|24331-1^LIPID PANEL^LN|||20240102020000-0500|||||||||2001^DOCTOR^PAT||||||20240102030000-0500|||F\r");
    let mut i = 1;
    loop {
        let next = obx(i);
        if m.len() + next.len() > target {
            break;
        }
        m.push_str(&next);
        i += 1;
    }
    m
}

fn bench(c: &mut Criterion) {
    let engine = Engine::default();
    let ctx = Context::new().with_hint(TrafficType::Hl7v2Mllp);
    let inputs = [
        ("adt_1kb", adt_1kb(), 100),
        ("oru_100kb", oru(100_000), 50),
        ("oru_30mb", oru(29_990_000), 10),
    ];
    for (name, message, samples) in &inputs {
        let bytes = message.as_bytes();
        let report = engine.validate(bytes, &ctx);
        assert!(
            report.exchange.structure.is_some(),
            "{name}: {:?}",
            report.diagnostics.first()
        );
        let mut group = c.benchmark_group(format!("hl7v2/{name}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.sample_size(*samples);
        if bytes.len() > 1_000_000 {
            group.measurement_time(Duration::from_secs(20));
            group.warm_up_time(Duration::from_secs(2));
        }
        group.bench_function(BenchmarkId::new("memchr_scan", bytes.len()), |b| {
            b.iter(|| memchr::memchr_iter(b'|', black_box(bytes)).count())
        });
        group.bench_function(BenchmarkId::new("validate", bytes.len()), |b| {
            b.iter(|| engine.validate(black_box(bytes), &ctx))
        });
        group.bench_function(BenchmarkId::new("parse_only", bytes.len()), |b| {
            b.iter(|| {
                let mut n = 0usize;
                if let Ok(m) = parse::parse(black_box(bytes)) {
                    let d = *m.delimiters();
                    for s in m.segments() {
                        for (_, f) in s.fields(&d) {
                            for r in parse::split(f, d.repetition) {
                                n += parse::split(r, d.component).count();
                            }
                        }
                    }
                }
                n
            })
        });
        group.bench_function(BenchmarkId::new("hl7_parser_crate", bytes.len()), |b| {
            b.iter(|| hl7_parser::parse_message(black_box(message)).map(|m| m.segments.len()))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
