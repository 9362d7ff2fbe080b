//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Find data exfiltration in AWS VPC flow logs.
#[derive(Parser, Debug)]
#[command(name = "flowlens", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Answer the five questions: sources, span, flows to the suspect, verdict, ranking.
    Analyze(AnalyzeArgs),
    /// Hunt for the whole incident: scans, probes that found an open port, brute force
    /// and its first success, exfiltration on any service, long connections, servers
    /// that started calling out, and beacons. Ranked findings with their evidence.
    Hunt(HuntArgs),
    /// Print the parsed records, one per line.
    Records(RecordsArgs),
    /// Write the example honeypot week under OUT: S3-style .log.gz files, or the same
    /// records in another form (--form).
    Example(ExampleArgs),
    /// Print the five questions as SQL for Athena, Dremio or DuckDB, to run the same
    /// analysis at scale. Without --suspect or --service-port, give the log files: they
    /// are analysed first and the top-ranked suspect and the detected port filled in.
    Sql(SqlArgs),
    /// Build the offline address table (IP → country, AS) from the ip-location-db
    /// npm packages (scripts/geo.sh runs this).
    GeoBuild(GeoBuildArgs),
}

/// What is asked, the same for `analyze` and `sql`: the range, the address, the service
/// port, k, the known networks and the record format.
#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// The address to explain (default: the top-ranked suspect of the files).
    #[arg(long)]
    pub suspect: Option<String>,
    /// The protected service's port (default: detected in the files).
    #[arg(long)]
    pub service_port: Option<u16>,
    /// Threshold = mean + K·σ.
    #[arg(long, default_value_t = 3.0)]
    pub k: f64,
    /// Start of the range: RFC 3339 (2020-09-16T02:00:00Z) or Unix seconds.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the range (exclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// The 10-minute aggregation window starting at T.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pub window: Option<String>,
    /// Your own networks (CIDR), classed `known`; repeat for several.
    #[arg(long)]
    pub known: Vec<String>,
    /// Record format, e.g. "version srcaddr dstaddr …" or "${srcaddr} ${dstaddr} …".
    #[arg(long)]
    pub format: Option<String>,
    /// Keep the suspect's own flows in the baseline.
    #[arg(long)]
    pub include_suspect_in_baseline: bool,
}

#[derive(Parser, Debug)]
pub struct AnalyzeArgs {
    /// Flow-log files or folders (walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub query: QueryArgs,
    /// What to print: `text` (for people), `json` (the full report), `md` (the one-page
    /// summary with the charts as embedded SVG images), `csv` (the sources table) or
    /// `flows-csv` (the flows to the suspect). Times in md/csv are UTC RFC 3339.
    #[arg(long, value_enum, default_value_t = ReportOutput::Text)]
    pub output: ReportOutput,
    /// The same as `--output json`.
    #[arg(long, conflicts_with = "output")]
    pub json: bool,
    /// Address table for country and AS (default: $FLOWLENS_GEO, else the one
    /// scripts/geo.sh builds, else flowlens-geo.bin next to the executable).
    #[arg(long)]
    pub geo: Option<PathBuf>,
    /// Do not look addresses up in an address table.
    #[arg(long, conflicts_with = "geo")]
    pub no_geo: bool,
    /// Also write every form into DIR: report.json, summary.md, sources.csv and
    /// flows-to-suspect.csv (created if missing; existing files are replaced).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Text: list every source, not the top 20 (streamed, whatever their number).
    /// The CSV outputs always have every row.
    #[arg(long)]
    pub all: bool,
    /// Rows kept in each list of the report (sources, ranking, sessions, flows to the
    /// suspect, gaps, diagnostics); each still says how many there are in all.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub top: usize,
    /// List every diagnostic on stderr instead of one line per kind.
    #[arg(short, long)]
    pub verbose: bool,
    /// Skip the hunt: the report's `findings` stay empty (the five questions only).
    #[arg(long)]
    pub no_hunt: bool,
}

/// The forms of the analysis report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportOutput {
    /// The report as text for people.
    Text,
    /// The full report as JSON.
    Json,
    /// The one-page summary in Markdown.
    Md,
    /// The sources table as CSV.
    Csv,
    /// The flows to the suspect as CSV.
    FlowsCsv,
}

#[derive(Parser, Debug)]
pub struct HuntArgs {
    /// Flow-log files or folders (walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the whole hunt as JSON (every listed finding with its evidence).
    #[arg(long)]
    pub json: bool,
    /// Findings printed as text (the JSON lists up to --max-per-kind of each kind).
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Print the top findings as SQL for this engine instead (a query per finding that
    /// shows its evidence from the records, with what SQL cannot do said).
    #[arg(long, value_enum, conflicts_with = "json")]
    pub sql: Option<SqlEngine>,
    /// Findings of one kind kept at most (the totals count them all).
    #[arg(long, default_value_t = 100)]
    pub max_per_kind: usize,
    /// Your own networks (CIDR), treated as internal like the private ranges; repeat
    /// for several.
    #[arg(long)]
    pub known: Vec<String>,
    /// The aggregation window in seconds (60 or 600; default: inferred from the records).
    #[arg(long)]
    pub window_secs: Option<u32>,
    /// Record format, e.g. "version srcaddr dstaddr …" or "${srcaddr} ${dstaddr} …".
    #[arg(long)]
    pub format: Option<String>,
}

#[derive(Parser, Debug)]
pub struct RecordsArgs {
    /// Flow-log files or folders (walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Record format, e.g. "version srcaddr dstaddr …".
    #[arg(long)]
    pub format: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Jsonl)]
    pub output: Output,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Output {
    Jsonl,
    Csv,
}

#[derive(Parser, Debug)]
pub struct ExampleArgs {
    /// Folder to write the week into.
    pub out: PathBuf,
    /// Multiply background traffic (≈60 gives ~1 GB uncompressed).
    #[arg(long, default_value_t = 1)]
    pub scale: u32,
    /// Random seed (same seed, same files).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The form to write the week in: the same records as S3 text, S3 Parquet, a
    /// CloudWatch Logs export, Firehose objects of a CloudWatch Logs subscription, or
    /// the S3 text tree in one ZIP.
    #[arg(long, value_enum, default_value_t = crate::forms::ExampleForm::Text)]
    pub form: crate::forms::ExampleForm,
    /// The internet scanners' addresses: a pool of N (default 180), or `unique` (a new
    /// address for every scanner event).
    #[arg(long, default_value = "180", value_name = "unique|N")]
    pub scanner_addresses: String,
    /// Scanner events per 10-minute window (±25 %; default 1–4 per --scale unit). An
    /// event is a MySQL login attempt (2 records) or a rejected probe (1 record).
    #[arg(long, value_name = "N")]
    pub scanner_events: Option<u32>,
    /// Days of data from 2020-09-16 (the working week repeats).
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Leave the incident out (the suspect, the scan, the brute force, the beacon…):
    /// the background alone.
    #[arg(long)]
    pub no_incident: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SqlEngine {
    Athena,
    Dremio,
    Duckdb,
}

#[derive(Parser, Debug)]
pub struct SqlArgs {
    /// The SQL engine.
    #[arg(long, value_enum)]
    pub engine: SqlEngine,
    /// DuckDB: the files read_csv reads, a path or glob (default: DIR/**/*.log* for one
    /// folder given, else flow-logs/**/*.log.gz).
    #[arg(long)]
    pub files: Option<String>,
    /// Flow-log files or folders, analysed to fill in a missing suspect or port.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub query: QueryArgs,
}

#[derive(Parser, Debug)]
pub struct GeoBuildArgs {
    /// The `@ip-location-db` folder holding `geo-whois-asn-country/` and `asn/`
    /// (e.g. scripts/geo/node_modules/@ip-location-db).
    pub packages: PathBuf,
    /// The table file to write.
    #[arg(short, long)]
    pub out: PathBuf,
}
