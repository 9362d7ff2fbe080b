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
    /// Print the parsed records, one per line.
    Records(RecordsArgs),
    /// Write the example honeypot week as S3-style .log.gz files under OUT.
    Example(ExampleArgs),
    /// Build the offline address table (IP → country, AS) from the ip-location-db
    /// npm packages (scripts/geo.sh runs this).
    GeoBuild(GeoBuildArgs),
}

#[derive(Parser, Debug)]
pub struct AnalyzeArgs {
    /// Flow-log files or folders (walked recursively).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The address to explain (default: the top-ranked suspect).
    #[arg(long)]
    pub suspect: Option<String>,
    /// The protected service's port (default: detected).
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
    /// Print the JSON report instead of text.
    #[arg(long)]
    pub json: bool,
    /// Address table for country and AS (default: $FLOWLENS_GEO, else the one
    /// scripts/geo.sh builds, else flowlens-geo.bin next to the executable).
    #[arg(long)]
    pub geo: Option<PathBuf>,
    /// Do not look addresses up in an address table.
    #[arg(long, conflicts_with = "geo")]
    pub no_geo: bool,
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
