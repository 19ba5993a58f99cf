//! `triage`: the command line over the payload-triage library.
//!
//! `triage validate [OPTIONS] PATH...` per the output contract of docs/contract.md;
//! `triage codes [CODE]` lists the diagnostic registry or prints one code's page;
//! `triage completions SHELL` and `triage man` print shell completions and the man page.
//! Exit status: 0 every payload passes, 1 at least one fails (`--fail-on`), 2 usage or
//! I/O error.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use payload_triage::batch::{self, printable, Options, Record};
use payload_triage::config::Config;
use payload_triage::output::{self, Event, Filter, Github, Html, Junit, RunWriter, Sarif, Summary};
use payload_triage::pairing::PairingCounts;
use payload_triage::{codes, Context, Engine, Environment, Error, Report, Severity, TrafficType};

const VALIDATE_EXAMPLES: &str = "\
Examples:
  triage validate examples/archive
      Validate every file under a folder (archives and captures are opened).
  triage validate --format json day.zip > reports.ndjson
      JSON Lines: one record per payload, then a summary record.
  triage validate --format sarif --html report.html inbox/
      SARIF 2.1.0 on standard output, and a page to look at.
  triage validate --format json --sarif run.sarif --junit run.xml --html run.html inbox/
      One run, every format: JSON Lines on standard output, the rest in files.
  triage validate --only-invalid --ignore HL7_TABLE_VALUE_UNKNOWN lab/
      Show failures only; leave one code out of the run.
  cat capture.mllp | triage validate --traffic hl7v2-mllp -
      Read a stream from standard input.

Exit status:
  0  every payload passes (no error; with --fail-on warning, no warning either)
  1  at least one payload fails
  2  a usage error, a configuration error, or an input that could not be read
     (the other inputs are still validated)";

const TOP_EXAMPLES: &str = "\
Examples:
  triage validate examples/archive
  triage validate --format sarif --html report.html inbox/
  triage codes HL7_SEGMENT_MISSING

Exit status: 0 all payloads pass, 1 some fail, 2 usage or I/O error.
Run `triage validate --help` for every option.";

#[derive(Parser)]
#[command(
    name = "triage",
    about = "Classify, size-check, validate and canonicalize health-data payloads",
    after_help = TOP_EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate files, directories (recursively) or `-` for standard input.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(Box<ValidateArgs>),
    /// List every diagnostic code, or print one code's documentation page.
    Codes {
        /// A code to document (for example HL7_SEGMENT_MISSING).
        code: Option<String>,
        /// Output format of the list.
        #[arg(long, value_enum, default_value_t = CodesFormat::Human)]
        format: CodesFormat,
    },
    /// Print shell completions for SHELL on standard output.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on standard output.
    Man,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CodesFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// One line per payload and a summary line.
    Human,
    /// JSON Lines: one record per payload, I/O error records, a summary record last.
    Json,
    /// One SARIF 2.1.0 log (code-scanning views).
    Sarif,
    /// One JUnit XML document (test dashboards).
    Junit,
    /// GitHub Actions workflow annotations.
    Github,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SeverityArg {
    Info,
    Warning,
    Error,
}

impl SeverityArg {
    fn severity(self) -> Severity {
        match self {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Error => Severity::Error,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
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

/// A registered code name; anything else is a usage error that says where the list is.
fn code_parser(name: &str) -> Result<codes::Code, String> {
    codes::find(name)
        .copied()
        .ok_or_else(|| format!("`{name}` is not a diagnostic code (`triage codes` lists them)"))
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Output format on standard output.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Also write a self-contained HTML report to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Also write a SARIF 2.1.0 log to FILE (whatever --format says).
    #[arg(long, value_name = "FILE")]
    sarif: Option<PathBuf>,
    /// Also write a JUnit XML document to FILE (whatever --format says).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
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
    /// TOML configuration: limits, bounds, severities, source profiles.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Files, directories, or `-` for standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Show diagnostics of this severity and above only (the verdicts do not change).
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = SeverityArg::Info)]
    min_severity: SeverityArg,
    /// Show invalid payloads only (the summary still counts every payload).
    #[arg(long)]
    only_invalid: bool,
    /// No line per payload (human, json, github): only the summary and the exit status.
    #[arg(long, short)]
    quiet: bool,
    /// Run only these codes: every other code is off, as `off` in `[severity]` would
    /// make it. Comma-separated or repeated.
    #[arg(long, value_name = "CODE", value_delimiter = ',', value_parser = code_parser)]
    select: Vec<codes::Code>,
    /// Turn these codes off, as `CODE = "off"` in `[severity]` would. Comma-separated or
    /// repeated.
    #[arg(long, value_name = "CODE", value_delimiter = ',', value_parser = code_parser)]
    ignore: Vec<codes::Code>,
    /// The least severity that makes a payload fail the run (exit status 1).
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Colour in human output: on a terminal by default; NO_COLOR turns it off.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Output safe for logs: drop every value taken from a payload (datetime originals
    /// and canonicals, control ids, message types, diagnostic details); keep sources,
    /// codes, severities, paths and precisions. Same as `redact = true` in the config.
    #[arg(long)]
    redact: bool,
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
    /// Worker threads (default: RAYON_NUM_THREADS when set, else one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    jobs: usize,
    /// Bytes of input held at once across queued, running and unwritten work.
    #[arg(long, value_name = "BYTES", default_value_t = 64 * 1024 * 1024)]
    in_flight_bytes: u64,
}

/// `triage --version`: the build, and the standards data it carries.
fn long_version() -> String {
    let data = payload_triage::data_versions();
    format!(
        "{version}\n\
         HL7 v2 definitions: {hl7} (versions {hl7_versions})\n\
         FHIR: {fhir} (definitions from {fhir_source})\n\
         IANA tz database: {tz}",
        version = env!("CARGO_PKG_VERSION"),
        hl7 = data.hl7v2_source,
        hl7_versions = data.hl7v2_versions,
        fhir = data.fhir_version,
        fhir_source = data.fhir_source,
        tz = data.tzdb_version,
    )
}

/// The whole command definition: `--help`, completions and the man page share it.
fn command() -> clap::Command {
    let version = long_version();
    Cli::command()
        .version(version.clone())
        .long_version(version)
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::Codes { code, format } => print_codes(code.as_deref(), format),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut command(), "triage", &mut out);
            write_all_stdout(&out)
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(command()).render(&mut out) {
                Ok(()) => write_all_stdout(&out),
                Err(_) => ExitCode::from(2),
            }
        }
        Command::Validate(args) => match validate(*args) {
            Ok(code) => code,
            Err(e) => {
                // Configuration errors can quote the file: never print its controls raw.
                let _ = writeln!(io::stderr(), "triage: {}", printable(&e.to_string()));
                ExitCode::from(2)
            }
        },
    }
}

fn write_all_stdout(bytes: &[u8]) -> ExitCode {
    // A closed pipe is not an error worth a message; the status says it was cut.
    match io::stdout().lock().write_all(bytes) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(2),
    }
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, Error> {
    match path {
        Some(path) => Config::from_path(path),
        None => Ok(Config::default()),
    }
}

/// The context for one input: the channel hint, its source profile and the destination.
fn context(engine: &Engine, hint: Option<TrafficType>, name: &str) -> Context {
    let mut ctx = Context::new()
        .with_source(engine.profile_for(name))
        .named(name);
    if let Some(hint) = hint {
        ctx = ctx.with_hint(hint);
    }
    if let Some(destination) = engine.config().destination_environment {
        ctx = ctx.with_destination(destination);
    }
    ctx
}

type Stdout = io::BufWriter<io::StdoutLock<'static>>;

/// What goes to standard output.
enum Primary {
    Human { out: Stdout, colour: bool },
    Json(Stdout),
    Document(Box<dyn RunWriter>),
    Github(Github<Stdout>),
}

fn validate(args: ValidateArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let mut config = load_config(args.config.as_ref())?;
    // Command-line values override the default profile and destination.
    if let Some(zone) = &args.timezone {
        config.source.timezone = Some(zone.clone());
    }
    if let Some(environment) = args.environment {
        config.destination_environment = Some(environment);
    }
    // `--select` and `--ignore` are severity overrides: the engine neither lists nor
    // counts an `off` code, so every output and the exit status agree with each other.
    if !args.select.is_empty() {
        for code in codes::all() {
            if !args.select.contains(code) && config.severity.get(code).is_none() {
                config.severity.set(*code, None);
            }
        }
        for code in &args.select {
            if config.severity.get(code) == Some(None) {
                // Selected on the command line wins over `off` in the file.
                config.severity.set(*code, Some(code.default_severity()));
            }
        }
    }
    for code in &args.ignore {
        config.severity.set(*code, None);
    }
    if args.redact {
        config.redact = true;
    }
    let engine = Engine::new(config)?;
    let hint = args.traffic;
    let filter = Filter::new()
        .with_min_severity(args.min_severity.severity())
        .with_only_invalid(args.only_invalid);
    let mut options = Options::default()
        .with_open_archives(!args.no_open_archives)
        .with_hidden(args.hidden)
        .with_threads(args.jobs)
        .with_in_flight_bytes(args.in_flight_bytes)
        // Workers render JSON lines in parallel, unless the collector trims reports.
        .with_json_lines(
            args.format == OutputFormat::Json && args.min_severity == SeverityArg::Info,
        );
    if let Some(dir) = &args.canonical_out {
        options = options.with_canonical_out(dir);
    }

    // 64 KiB: a W1 report's line is 3.5 KB, so the default 8 KiB buffer made a write
    // call every two lines.
    let out = || io::BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut primary = match args.format {
        OutputFormat::Human => Primary::Human {
            out: out(),
            colour: colour_wanted(args.color),
        },
        OutputFormat::Json => Primary::Json(out()),
        OutputFormat::Sarif => Primary::Document(Box::new(Sarif::new(out()))),
        OutputFormat::Junit => Primary::Document(Box::new(Junit::new(out()))),
        OutputFormat::Github => Primary::Github(Github::new(out())),
    };
    // Files written beside standard output, so one run can give every format.
    let create = |path: &PathBuf| {
        File::create(path)
            .map(io::BufWriter::new)
            .map_err(|error| Error::Write {
                target: batch::source_name(path),
                error,
            })
    };
    let mut files: Vec<(&PathBuf, Box<dyn RunWriter>)> = Vec::new();
    if let Some(path) = &args.html {
        files.push((
            path,
            Box::new(Html::new(create(path)?).with_redacted(args.redact)),
        ));
    }
    if let Some(path) = &args.sarif {
        files.push((path, Box::new(Sarif::new(create(path)?))));
    }
    if let Some(path) = &args.junit {
        files.push((path, Box::new(Junit::new(create(path)?))));
    }
    let progress = Progress::new(&args);

    let mut summary = Summary::new().with_pairing_window(engine.config().bounds.pairing_window);
    let mut failing = 0u64;
    let mut stopped = false;
    let quiet = args.quiet;
    let fail_on = args.fail_on;
    let context_for = |name: &str| Ok(context(&engine, hint, name));
    // Records are lent, not given: the runner frees each report on the thread that
    // built it (see `batch::visit`).
    batch::visit(&engine, &args.paths, &options, context_for, |record| {
        let (report, line) = match record {
            Record::Report(report) => (report, None),
            Record::JsonLine(report, line) => (report, Some(line.as_str())),
            Record::Failed(e) => {
                let path = e.input_name().map(str::to_owned);
                let message = e.to_string();
                let event = Event::Failed {
                    path: path.as_deref(),
                    message: &message,
                };
                summary.count(&event);
                return step(progress.suspend(|| {
                    // Humans watching a run see every I/O error on standard error, in
                    // every format.
                    writeln!(io::stderr(), "triage: {}", printable(&message))?;
                    write_event(&mut primary, &mut files, &event, None, quiet)
                }));
            }
            Record::Skipped { path, kind } => {
                let event = Event::Skipped { path, kind };
                summary.count(&event);
                return step(progress.suspend(|| {
                    writeln!(
                        io::stderr(),
                        "triage: {}: skipped, a {kind} is not read",
                        printable(path)
                    )?;
                    write_event(&mut primary, &mut files, &event, None, quiet)
                }));
            }
            other => {
                // A record this binary does not know yet is a failure, never a pass.
                let message = format!("unhandled record {other:?}");
                let event = Event::Failed {
                    path: None,
                    message: &message,
                };
                summary.count(&event);
                return step(write_event(&mut primary, &mut files, &event, None, quiet));
            }
        };
        let worst = summary.count_report(report);
        let fails = match fail_on {
            FailOn::Error => !report.is_valid(),
            FailOn::Warning => worst >= Some(Severity::Warning),
        };
        if fails {
            failing += 1;
        }
        progress.advance(report.size_bytes);
        if !filter.shows(report) {
            return ControlFlow::Continue(());
        }
        filter.trim(report);
        let event = Event::Report(report);
        let written =
            progress.suspend(|| write_event(&mut primary, &mut files, &event, line, quiet));
        let flow = step(written);
        stopped |= flow.is_break();
        flow
    })?;
    progress.finish();
    summary.set_elapsed(started.elapsed());
    // Every output is closed, even after a closed pipe, so the files are whole.
    let finished = finish(&mut primary, &summary, stopped);
    for (path, writer) in &mut files {
        writer.finish(&summary).map_err(|error| Error::Write {
            target: batch::source_name(path),
            error,
        })?;
    }
    let _ = finished;
    Ok(if summary.io_errors > 0 {
        ExitCode::from(2)
    } else if failing > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A failed write (a closed pipe, a full disk) ends the run quietly.
fn step(written: io::Result<()>) -> ControlFlow<()> {
    match written {
        Ok(()) => ControlFlow::Continue(()),
        Err(_) => ControlFlow::Break(()),
    }
}

fn write_event(
    primary: &mut Primary,
    files: &mut [(&PathBuf, Box<dyn RunWriter>)],
    event: &Event<'_>,
    line: Option<&str>,
    quiet: bool,
) -> io::Result<()> {
    for (_, writer) in files.iter_mut() {
        writer.event(event)?;
    }
    match primary {
        Primary::Document(writer) => writer.event(event),
        _ if quiet => Ok(()),
        Primary::Human { out, colour } => match event {
            Event::Report(report) => writeln!(out, "{}", human_line(report, *colour)),
            // Already on standard error.
            _ => out.flush(),
        },
        Primary::Json(out) => match (event, line) {
            (Event::Report(_), Some(line)) => writeln!(out, "{line}"),
            (Event::Report(report), None) => {
                report.write_json(&mut *out)?;
                out.write_all(b"\n")
            }
            (Event::Failed { path, message }, _) => {
                writeln!(out, "{}", output::error_record(*path, message))
            }
            (Event::Skipped { path, kind }, _) => {
                writeln!(out, "{}", output::skipped_record(path, kind))
            }
            _ => Ok(()),
        },
        Primary::Github(writer) => writer.event(event),
    }
}

fn finish(primary: &mut Primary, summary: &Summary, stopped: bool) -> io::Result<()> {
    if stopped {
        // The reader went away: nothing more is written to it.
        return Ok(());
    }
    match primary {
        Primary::Human { out, colour } => {
            writeln!(out, "{}", human_summary(summary, *colour))?;
            out.flush()
        }
        Primary::Json(out) => {
            writeln!(out, "{}", output::summary_record(summary))?;
            out.flush()
        }
        Primary::Document(writer) => writer.finish(summary),
        Primary::Github(writer) => writer.finish(summary),
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything but empty
/// (no-color.org).
fn colour_wanted(arg: ColorArg) -> bool {
    match arg {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

fn paint(text: &str, sgr: &str, colour: bool) -> String {
    if colour {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn human_line(report: &Report, colour: bool) -> String {
    let verdict = if report.is_valid() {
        paint("valid", "32", colour)
    } else {
        paint("INVALID", "1;31", colour)
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
        let severity = match d.severity {
            Severity::Error => paint(d.severity.as_str(), "31", colour),
            Severity::Warning => paint(d.severity.as_str(), "33", colour),
            _ => d.severity.as_str().to_owned(),
        };
        line.push_str(&format!(
            "  {} {}{}: {}",
            severity,
            d.code,
            printable(&at),
            printable(&d.message)
        ));
        let more = report
            .diagnostics
            .iter()
            .filter(|x| x.severity >= Severity::Warning)
            .count();
        if more > 1 {
            line.push_str(&format!(" (+{} more)", more - 1));
        }
    }
    line
}

fn human_summary(summary: &Summary, colour: bool) -> String {
    let mut line = format!(
        "{} payloads: {} valid, {} invalid, {} could not be read",
        summary.payloads,
        summary.valid,
        paint(
            &summary.invalid.to_string(),
            "1;31",
            colour && summary.invalid > 0
        ),
        summary.io_errors
    );
    let top: Vec<String> = summary
        .top_codes()
        .into_iter()
        .filter(|(_, c)| c.severity >= Severity::Warning)
        .take(3)
        .map(|(code, c)| format!("{code} ×{}", c.count))
        .collect();
    if !top.is_empty() {
        line.push_str(&format!("; most frequent: {}", top.join(", ")));
    }
    if let Some(pairing) = human_pairing(&summary.pairing.closed_counts()) {
        line.push_str("; ");
        line.push_str(&pairing);
    }
    line
}

/// The pairing part of the summary line, only when there was something to pair: how
/// many requests were answered, then only the counts that are not zero.
fn human_pairing(counts: &PairingCounts) -> Option<String> {
    if counts.is_empty() {
        return None;
    }
    let mut line = format!(
        "pairing: {} of {} requests answered",
        counts.answered, counts.requests
    );
    for (what, n) in [
        ("unanswered queries", counts.unanswered),
        ("responses to unknown requests", counts.unknown_responses),
        ("duplicate ids", counts.duplicate_ids),
        ("past the window", counts.overflow),
    ] {
        if n > 0 {
            line.push_str(&format!(", {what} {n}"));
        }
    }
    let a = &counts.acknowledgements;
    let acks: Vec<String> = [
        ("AA", a.aa),
        ("AE", a.ae),
        ("AR", a.ar),
        ("CA", a.ca),
        ("CE", a.ce),
        ("CR", a.cr),
        ("other", a.other),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(code, n)| format!("{code} ×{n}"))
    .collect();
    if !acks.is_empty() {
        line.push_str(&format!(", acks {}", acks.join(" ")));
    }
    Some(line)
}

/// The progress bar: on standard error, only when it is a terminal and not `--quiet`.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    payloads: std::cell::Cell<u64>,
}

impl Progress {
    fn new(args: &ValidateArgs) -> Self {
        if args.quiet || !io::stderr().is_terminal() {
            return Progress {
                bar: None,
                payloads: Default::default(),
            };
        }
        // The bytes of the inputs, for the ETA: a walk of metadata only, bounded in
        // time so that a huge tree does not delay the start. Archives count their
        // compressed size, so an ETA over archives is a lower bound.
        let total = input_bytes(&args.paths, args.hidden, Duration::from_millis(300));
        let bar = match total {
            Some(total) => indicatif::ProgressBar::new(total),
            None => indicatif::ProgressBar::no_length(),
        };
        let template = if total.is_some() {
            "{spinner} {bar:30} {bytes}/{total_bytes} {msg} {bytes_per_sec} ETA {eta}"
        } else {
            "{spinner} {bytes} {msg} {bytes_per_sec}"
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(8));
        Progress {
            bar: Some(bar),
            payloads: Default::default(),
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            if bar.length().is_some_and(|len| bar.position() + bytes > len) {
                bar.set_length(bar.position() + bytes);
            }
            bar.inc(bytes);
            self.payloads.set(self.payloads.get() + 1);
            bar.set_message(format!("{} payloads", self.payloads.get()));
        }
    }

    fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Sums the sizes of the regular files under `paths`, or gives up after `budget`.
fn input_bytes(paths: &[PathBuf], hidden: bool, budget: Duration) -> Option<u64> {
    let started = Instant::now();
    let mut total = 0u64;
    for path in paths {
        if path.as_os_str() == "-" {
            return None;
        }
        let walk = walkdir::WalkDir::new(path)
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| {
                hidden || e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')
            });
        for entry in walk.flatten() {
            if started.elapsed() > budget {
                return None;
            }
            if entry.file_type().is_file() {
                total += entry.metadata().map_or(0, |m| m.len());
            }
        }
    }
    Some(total)
}

/// One code as `triage codes --format json` lists it.
fn code_json(module: &str, code: &codes::Code) -> serde_json::Value {
    serde_json::json!({
        "code": code.name(),
        "severity": code.default_severity().as_str(),
        "module": module,
        "meaning": code.meaning()
    })
}

fn print_codes(code: Option<&str>, format: CodesFormat) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if let Some(name) = code {
        let Some(code) = codes::find(name) else {
            let _ = writeln!(
                io::stderr(),
                "triage: `{}` is not a diagnostic code (`triage codes` lists them)",
                printable(name)
            );
            return ExitCode::from(2);
        };
        let written = match format {
            CodesFormat::Human => out.write_all(codes::page(code).as_bytes()),
            CodesFormat::Json => {
                let mut entry = code_json(codes::module_of(code), code);
                if let Some(fields) = entry.as_object_mut() {
                    fields.insert("page".into(), codes::page(code).into());
                }
                writeln!(out, "{entry}")
            }
        };
        return match written.and_then(|()| out.flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(2),
        };
    }
    // The registry lists every format module's codes; the module names the rule's home.
    for (module, code) in codes::by_module() {
        let written = match format {
            CodesFormat::Human => writeln!(
                out,
                "{:<34} {:<8} {:<8} {}",
                code.name(),
                code.default_severity().as_str(),
                module,
                code.meaning()
            ),
            CodesFormat::Json => writeln!(out, "{}", code_json(module, code)),
        };
        if written.is_err() {
            // A closed pipe (`triage codes | head -1`) ends the listing quietly.
            return ExitCode::SUCCESS;
        }
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}
