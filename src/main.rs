//! `triage`: the command line over the payload-triage library.
//!
//! `triage validate [--format human|json] [--traffic TYPE] [--timezone IANA_ZONE]
//! [--environment development|staging|production] [--config FILE] PATH...` per the
//! output contract of docs/contract.md; `triage codes` lists the diagnostic registry.
//! Exit status: 0 every payload valid, 1 at least one invalid, 2 usage or I/O error.

use std::io::{self, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};

use payload_triage::batch::{self, printable, Options, Record};

use payload_triage::config::Config;
use payload_triage::{Context, Engine, Environment, Error, Report, TrafficType};

#[derive(Parser)]
#[command(
    name = "triage",
    version,
    about = "Classify, size-check, validate and canonicalize health-data payloads"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate files, directories (recursively) or `-` for standard input.
    Validate(ValidateArgs),
    /// List every diagnostic code with its severity and meaning.
    Codes {
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
}

/// Accepts exactly the command-line names of the library's vocabulary (and lists them
/// in `--help`), so the CLI has no second copy of the traffic types or environments.
fn traffic_parser() -> impl clap::builder::TypedValueParser<Value = TrafficType> {
    PossibleValuesParser::new(TrafficType::ALL.map(TrafficType::cli_name))
        .try_map(|name| name.parse::<TrafficType>())
}

fn environment_parser() -> impl clap::builder::TypedValueParser<Value = Environment> {
    PossibleValuesParser::new(["development", "staging", "production"])
        .try_map(|name| name.parse::<Environment>())
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Output: one line per payload and a summary, or JSON Lines.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// The channel the payloads arrived on; it wins over what the content looks like.
    #[arg(long, value_parser = traffic_parser())]
    traffic: Option<TrafficType>,
    /// The sender's IANA zone, used only for local times that carry no offset.
    #[arg(long, value_name = "IANA_ZONE")]
    timezone: Option<String>,
    /// The environment type of this exchange (the destination); payloads that claim
    /// another are rejected.
    #[arg(long, value_parser = environment_parser())]
    environment: Option<Environment>,
    /// TOML configuration: limits, bounds, source profiles.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Files, directories, or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Write each JSON payload (Redox, FHIR) to DIR with its datetimes canonicalized and
    /// nothing else changed, at the same relative path as its source. Only inside DIR;
    /// a symlink inside DIR is never followed.
    #[arg(long, value_name = "DIR")]
    canonical_out: Option<PathBuf>,
    /// Validate zip, tar and gzip files as uploaded files instead of opening them.
    #[arg(long)]
    no_open_archives: bool,
    /// Also walk hidden files and folders (names starting with `.`).
    #[arg(long)]
    hidden: bool,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    jobs: usize,
    /// Bytes of input held at once across queued, running and unwritten work.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    in_flight_bytes: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Codes { format } => {
            print_codes(format);
            ExitCode::SUCCESS
        }
        Command::Validate(args) => match validate(args) {
            Ok(code) => code,
            Err(e) => {
                // Configuration errors can quote the file: never print its controls raw.
                let _ = writeln!(io::stderr(), "triage: {}", printable(&e.to_string()));
                ExitCode::from(2)
            }
        },
    }
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, Error> {
    match path {
        Some(path) => Config::from_path(path),
        None => Ok(Config::default()),
    }
}

/// The context for one input: the channel hint, its source profile and the destination.
fn context(engine: &Engine, hint: Option<TrafficType>, name: &str) -> Result<Context, Error> {
    let mut ctx = Context::new()
        .with_source(engine.config().profile_for(name)?)
        .named(name);
    if let Some(hint) = hint {
        ctx = ctx.with_hint(hint);
    }
    if let Some(destination) = engine.config().destination_environment {
        ctx = ctx.with_destination(destination);
    }
    Ok(ctx)
}

fn validate(args: ValidateArgs) -> Result<ExitCode, Error> {
    let mut config = load_config(args.config.as_ref())?;
    // Command-line values override the default profile and destination.
    if let Some(zone) = &args.timezone {
        config.source.timezone = Some(zone.clone());
    }
    if let Some(environment) = args.environment {
        config.destination_environment = Some(environment);
    }
    let engine = Engine::new(config)?;
    let hint = args.traffic;
    let mut options = Options::default()
        .with_open_archives(!args.no_open_archives)
        .with_hidden(args.hidden)
        .with_threads(args.jobs)
        .with_in_flight_bytes(args.in_flight_bytes)
        .with_json_lines(args.format == OutputFormat::Json);
    if let Some(dir) = &args.canonical_out {
        options = options.with_canonical_out(dir);
    }

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    let mut closed = false;
    let context_for = |name: &str| context(&engine, hint, name);
    batch::run(&engine, &args.paths, &options, context_for, |record| {
        let written = match record {
            Record::Report(report) => {
                totals.count(&report);
                match args.format {
                    OutputFormat::Json => writeln!(out, "{}", report.to_json_line()),
                    OutputFormat::Human => writeln!(out, "{}", human_line(&report)),
                }
            }
            Record::JsonLine(report, line) => {
                totals.count(&report);
                writeln!(out, "{line}")
            }
            Record::Failed(e) => {
                totals.io_errors += 1;
                out.flush()
                    .and_then(|()| writeln!(io::stderr(), "triage: {}", printable(&e.to_string())))
            }
            Record::Skipped { path, kind } => out.flush().and_then(|()| {
                writeln!(
                    io::stderr(),
                    "triage: {path}: skipped, a {kind} is not read"
                )
            }),
            other => {
                // A record this binary does not know yet is a failure, never a pass.
                totals.io_errors += 1;
                writeln!(io::stderr(), "triage: unhandled record {other:?}")
            }
        };
        match written {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => {
                // A closed pipe (`| head`) or a full disk: stop quietly.
                closed = true;
                ControlFlow::Break(())
            }
        }
    })?;
    if !closed && args.format == OutputFormat::Human {
        let _ = writeln!(
            out,
            "{} payloads: {} valid, {} invalid, {} could not be read",
            totals.valid + totals.invalid,
            totals.valid,
            totals.invalid,
            totals.io_errors
        );
    }
    let _ = out.flush();
    Ok(if totals.io_errors > 0 {
        ExitCode::from(2)
    } else if totals.invalid > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Default)]
struct Totals {
    valid: usize,
    invalid: usize,
    io_errors: usize,
}

impl Totals {
    fn count(&mut self, report: &Report) {
        if report.is_valid() {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
    }
}

fn human_line(report: &Report) -> String {
    let verdict = if report.is_valid() {
        "valid"
    } else {
        "INVALID"
    };
    let mut line = format!(
        "{}  {}  {}",
        printable(&report.source),
        report.traffic_type,
        verdict
    );
    if let Some(d) = report.first_problem() {
        let at = if d.path.is_empty() {
            String::new()
        } else {
            format!(" at {}", d.path)
        };
        line.push_str(&format!(
            "  {} {}{}: {}",
            d.severity.as_str(),
            d.code,
            printable(&at),
            printable(&d.message)
        ));
        let more = report
            .diagnostics
            .iter()
            .filter(|x| x.severity >= payload_triage::Severity::Warning)
            .count();
        if more > 1 {
            line.push_str(&format!(" (+{} more)", more - 1));
        }
    }
    line
}

fn print_codes(format: OutputFormat) {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    // The registry lists every format module's codes; the module names the rule's home.
    for (module, code) in payload_triage::codes::by_module() {
        let written = match format {
            OutputFormat::Human => writeln!(
                out,
                "{:<34} {:<8} {:<8} {}",
                code.name(),
                code.default_severity().as_str(),
                module,
                code.meaning()
            ),
            OutputFormat::Json => writeln!(
                out,
                "{}",
                serde_json::json!({
                    "code": code.name(),
                    "severity": code.default_severity().as_str(),
                    "module": module,
                    "meaning": code.meaning()
                })
            ),
        };
        if written.is_err() {
            // A closed pipe (`triage codes | head -1`) ends the listing quietly.
            return;
        }
    }
    let _ = out.flush();
}
