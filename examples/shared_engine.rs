//! A service that shares one engine across threads: build it once at start-up, then
//! validate from every worker. `Engine` is `Send + Sync`; schemas compile on first use
//! and are shared.
//!
//! Run: `cargo run --release --example shared_engine`

use std::sync::Arc;
use std::thread;

use payload_triage::{Context, Engine, Environment, SourceProfile, TrafficType};

fn main() -> Result<(), payload_triage::Error> {
    let engine = Arc::new(Engine::default());
    let profile = SourceProfile::default()
        .with_zone("America/Chicago")?
        .with_environment(Environment::Production);

    let workers: Vec<_> = (1..=4)
        .map(|worker| {
            let engine = Arc::clone(&engine);
            let profile = profile.clone();
            thread::spawn(move || {
                let message = format!(
                    "MSH|^~\\&|LAB|GH|EHR|GH|20240312083015||ADT^A01^ADT_A01|W{worker}|P|2.5.1\r\
                     EVN|A01|20240312083015\rPID|1||{worker}^^^GH^MR||DOE^JANE||19800101|F\rPV1|1|I\r"
                );
                let ctx = Context::new()
                    .with_hint(TrafficType::Hl7v2Mllp)
                    .with_source(profile)
                    .with_destination(Environment::Production)
                    .named(format!("worker-{worker}"));
                engine.validate(message.as_bytes(), &ctx)
            })
        })
        .collect();

    for worker in workers {
        let Ok(report) = worker.join() else {
            eprintln!("a worker panicked");
            std::process::exit(1);
        };
        // Local times were placed with the sender's zone: 08:30:15 in Chicago is 13:30:15Z.
        let msh7 = report.datetimes.iter().find(|d| d.path == "MSH-7");
        println!(
            "{}: {} ({} diagnostics), MSH-7 = {:?}",
            report.source,
            if report.is_valid() {
                "valid"
            } else {
                "invalid"
            },
            report.diagnostics.len(),
            msh7.and_then(|d| d.canonical.as_deref())
        );
    }
    Ok(())
}
