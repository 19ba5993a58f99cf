//! Reading payloads from readers: one payload from a file or socket (never more than its
//! limit + 1 bytes are read), and a stream of MLLP frames validated as they arrive.
//!
//! Run: `cargo run --release --example read_reader -- [FILE]`
//! (without FILE, it validates the bundled sample archive's MLLP capture).

use std::fs::File;
use std::io::BufReader;

use payload_triage::{Context, Engine, TrafficType};

fn main() -> Result<(), payload_triage::Error> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/archive/hl7v2/registration_capture.mllp".to_owned());
    let engine = Engine::default();

    // One payload, read to at most its limit + 1 bytes.
    let file = File::open(&path).map_err(|e| io_error(&path, e))?;
    let ctx = Context::new().named(path.clone());
    let report = engine.validate_reader(BufReader::new(file), &ctx)?;
    println!("as one payload: {}", report.to_json_line());

    // The same bytes as a stream: one report per message, in bounded memory.
    let file = File::open(&path).map_err(|e| io_error(&path, e))?;
    let ctx = Context::new()
        .with_hint(TrafficType::Hl7v2Mllp)
        .named(path.clone());
    for report in engine.validate_stream(BufReader::new(file), &ctx) {
        let report = report?;
        println!(
            "{}: {}",
            report.source,
            if report.is_valid() {
                "valid"
            } else {
                "invalid"
            }
        );
        for diagnostic in &report.diagnostics {
            println!("  {diagnostic}");
        }
    }
    Ok(())
}

fn io_error(path: &str, error: std::io::Error) -> payload_triage::Error {
    eprintln!("cannot open {path}: {error}");
    std::process::exit(2);
}
