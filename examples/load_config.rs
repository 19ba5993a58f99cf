//! A service reading the same TOML file the command line reads (`--config`), with the
//! library's own reader (feature `config`, on by default), and telling configuration
//! mistakes apart by their typed variant.
//!
//! Run: `cargo run --release --example load_config -- [FILE]`

use payload_triage::{Config, ConfigError, Context, Engine, Error};

const SAMPLE: &str = r#"
destination_environment = "production"

[limits]                 # bytes; 1 MB = 1,000,000
hl7v2_mllp = 30000000

[bounds]
diagnostics_per_report = 50

[source]
timezone = "America/New_York"
environment = "production"

[severity]               # per-code overrides: info, warning, error, off
HL7_TABLE_VALUE = "info"
"#;

fn main() {
    let config = match std::env::args().nth(1) {
        Some(path) => Config::from_path(&path),
        None => Config::from_toml_str(SAMPLE),
    };
    let config = match config {
        Ok(config) => config,
        Err(Error::Config(ConfigError::UnknownZone { name })) => {
            eprintln!("no such IANA time zone: {name}");
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let engine = match Engine::new(config) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let ctx = Context::new().with_source(
        engine
            .config()
            .profile_for("feed/adt.hl7")
            .unwrap_or_default(),
    );
    let report = engine.validate(
        b"MSH|^~\\&|A|B|C|D|20240312083015||ADT^A01^ADT_A01|1|P|2.5.1\r",
        &ctx,
    );
    println!("{}", report.to_json_line());

    // A typo in a code name is an error, so a rule cannot stay on by mistake.
    match Config::from_toml_str("[severity]\nHL7_TABLE_VALU = \"off\"") {
        Err(e) => println!("refused as expected: {e}"),
        Ok(_) => println!("unexpectedly accepted"),
    }
}
