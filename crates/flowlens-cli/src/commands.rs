//! The subcommands.

use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::process::ExitCode;

use flowlens_core::analysis::flows::each_flow_to;
use flowlens_core::analysis::report::analyze_with;
use flowlens_core::analysis::sources::{Source, SourceSort, SourcesTable};
use flowlens_core::analysis::sql::{script, Engine, SqlParams};
use flowlens_core::analysis::{address_flows, analyze, Query, QueryOptions, TimeRange};
use flowlens_core::example::{self, ExampleOptions, Scanners};
use flowlens_core::export;
use flowlens_core::flow::field::FieldKind;
use flowlens_core::flow::format::Column;
use flowlens_core::flow::{summarize, Cidr, Dataset, Field, Format, ReadOptions};
use flowlens_core::hunt::HuntOptions;

use crate::args::{
    AnalyzeArgs, Cli, Command, ExampleArgs, HuntArgs, Output, QueryArgs, RecordsArgs, ReportOutput,
    SqlArgs, SqlEngine,
};
use crate::forms::{self, ExampleForm};
use crate::load::{collect_files, load, read_files_in_order};
use crate::text;

/// Runs the command; `Err` is an I/O failure of the output (a closed pipe is
/// success, handled by the caller).
pub fn run(cli: Cli) -> io::Result<ExitCode> {
    match cli.command {
        Command::Analyze(args) => analyze_cmd(args),
        Command::Hunt(args) => hunt_cmd(args),
        Command::Records(args) => records_cmd(args),
        Command::Example(args) => example_cmd(args),
        Command::Sql(args) => sql_cmd(args),
        Command::GeoBuild(args) => crate::geo::build_cmd(args),
    }
}

fn usage(message: &str) -> io::Result<ExitCode> {
    eprintln!("flowlens: {message}");
    Ok(ExitCode::from(2))
}

fn read_options(format: Option<&str>) -> Result<ReadOptions, String> {
    Ok(ReadOptions {
        format: format.map(Format::parse_user).transpose()?,
        max_records: None,
    })
}

/// The query of the shared flags (checked by the core, as every edge checks it).
fn query(args: &QueryArgs) -> Result<Query, String> {
    QueryOptions {
        window: args.window.clone(),
        from: args.from.clone(),
        to: args.to.clone(),
        suspect: args.suspect.clone(),
        service_port: args.service_port,
        k: Some(args.k),
        known: args.known.clone(),
        include_suspect_in_baseline: args.include_suspect_in_baseline,
        top: None,
    }
    .query()
    .map_err(|e| format!("--{e}"))
}

/// A JSON writing error as an I/O error that keeps its kind (a closed pipe stays a
/// `BrokenPipe`, which is success).
fn json_error(err: serde_json::Error) -> io::Error {
    match err.io_error_kind() {
        Some(kind) => io::Error::new(kind, err),
        None => io::Error::other(err),
    }
}

/// Files named in a diagnostics summary line.
const SUMMARY_FILES: usize = 3;

/// Diagnostics on stderr: every one with `--verbose`; else one line per kind — the
/// diagnostic itself when it is the only one of its kind, else how many, of which
/// files (the first few) and the first's words. Errors first, notes last.
fn print_diagnostics(dataset: &Dataset, verbose: bool) {
    let mut err = io::stderr().lock();
    if verbose {
        for d in &dataset.diagnostics {
            let _ = writeln!(err, "{}: {d}", d.severity.name());
        }
        return;
    }
    for group in summarize(&dataset.diagnostics, SUMMARY_FILES) {
        let line = if group.count == 1 {
            format!("{}: {}", group.severity.name(), group.first)
        } else {
            let more = group.files_total.saturating_sub(group.files.len() as u64);
            format!(
                "{}: {} {} ({}{}), e.g. {}",
                group.severity.name(),
                group.count,
                group.kind.summary(),
                group.files.join(", "),
                if more > 0 {
                    format!(" and {more} more files")
                } else {
                    String::new()
                },
                group.first,
            )
        };
        let _ = writeln!(err, "{line}");
    }
    if dataset.diagnostics.len() > 1 {
        let _ = writeln!(err, "flowlens: --verbose lists every diagnostic");
    }
}

fn analyze_cmd(args: AnalyzeArgs) -> io::Result<ExitCode> {
    let (options, mut query) = match read_options(args.query.format.as_deref())
        .and_then(|o| Ok((o, query(&args.query)?)))
    {
        Ok(v) => v,
        Err(message) => return usage(&message),
    };
    query.top = args.top;
    let timing = std::env::var_os("FLOWLENS_TIMING").is_some();
    let started = std::time::Instant::now();
    let dataset = load(&args.paths, &options);
    let loaded = started.elapsed();
    print_diagnostics(&dataset, args.verbose);
    if dataset.records() == 0 {
        return usage("no records could be read");
    }
    let sources = SourcesTable::new(&dataset, &query.range, &query.known);
    // The hunt does not depend on the range: it runs beside the analysis, on the
    // second core.
    let hunt_options = HuntOptions {
        known: query.known.clone(),
        ..HuntOptions::default()
    };
    let (mut report, hunted) = std::thread::scope(|scope| {
        let hunting = (!args.no_hunt)
            .then(|| scope.spawn(|| flowlens_core::hunt::hunt(&dataset, &hunt_options)));
        let report = analyze_with(&dataset, &query, &sources);
        (report, hunting.map(|h| h.join()))
    });
    match hunted {
        Some(Ok(hunt)) => report.findings = hunt.findings,
        Some(Err(_)) => eprintln!("flowlens: the hunt failed; the report has no findings"),
        None => {}
    }
    let geo = if args.no_geo {
        None
    } else {
        match crate::geo::load(args.geo.as_deref()) {
            Ok(Some((_, db))) => Some(db),
            Ok(None) => {
                eprintln!(
                    "flowlens: note: no address table (country, AS) found; build it with scripts/geo.sh or give --geo FILE"
                );
                None
            }
            Err(message) => return usage(&format!("address table: {message}")),
        }
    };
    if let Some(db) = &geo {
        flowlens_core::geo::annotate(&mut report, db);
    }
    if timing {
        eprintln!(
            "timing: read {:.3} s, analyse {:.3} s, {} records, {} bytes held",
            loaded.as_secs_f64(),
            (started.elapsed() - loaded).as_secs_f64(),
            dataset.records(),
            dataset.table.heap_bytes()
        );
    }
    let output = if args.json {
        ReportOutput::Json
    } else {
        args.output
    };
    let suspect: Option<IpAddr> = report.suspect.as_deref().and_then(|s| s.parse().ok());
    let timeline = || {
        suspect
            .map(|addr| address_flows(&dataset, addr, &query.range))
            .unwrap_or_default()
    };
    let addrs = &dataset.table.addrs;
    // Every source, by bytes sent, made one at a time (with its country and AS).
    let all_sources = || {
        let order = sources.order(addrs, SourceSort::BytesSent, true);
        let geo = geo.as_ref();
        (order, move |mut s: Source| {
            if let Some(db) = geo {
                s.geo = s.addr.parse().ok().and_then(|ip| db.lookup(ip));
            }
            s
        })
    };
    // Every flow to the suspect over its stay, streamed as CSV.
    let every_flow = |out: &mut dyn Write| -> io::Result<()> {
        let mut stream = export::csv::FlowsCsv::new(out)?;
        if let (Some(addr), Some(f)) = (suspect, &report.flows_to_suspect) {
            let stay = TimeRange {
                from: f.from,
                to: f.to,
            };
            let name = addr.to_string();
            let mut result = Ok(());
            each_flow_to(&dataset, addr, &stay, |flow| {
                if result.is_ok() {
                    result = stream.flow(&name, &flow);
                }
            });
            result?;
        }
        stream.finish()?;
        Ok(())
    };
    if let Some(dir) = &args.out_dir {
        let written = (|| -> io::Result<()> {
            std::fs::create_dir_all(dir)?;
            let mut json = serde_json::to_string_pretty(&report).map_err(json_error)?;
            json.push('\n');
            std::fs::write(dir.join("report.json"), json)?;
            std::fs::write(
                dir.join("summary.md"),
                export::markdown::summary(&report, &timeline()),
            )?;
            let (order, with_geo) = all_sources();
            let file = BufWriter::new(std::fs::File::create(dir.join("sources.csv"))?);
            export::csv::write_sources(file, sources.rows(addrs, &order).map(&with_geo))?;
            let mut file = BufWriter::new(std::fs::File::create(dir.join("flows-to-suspect.csv"))?);
            every_flow(&mut file)?;
            file.flush()
        })();
        if let Err(err) = written {
            eprintln!("flowlens: cannot write into {}: {err}", dir.display());
            return Ok(ExitCode::from(2));
        }
    }
    let mut out = BufWriter::new(io::stdout().lock());
    match output {
        ReportOutput::Json => {
            serde_json::to_writer_pretty(&mut out, &report).map_err(json_error)?;
            writeln!(out)?;
        }
        ReportOutput::Text if args.all => {
            let (order, with_geo) = all_sources();
            let mut rows = sources.rows(addrs, &order).map(&with_geo);
            text::write_report(&mut out, &report, Some(&mut rows))?;
        }
        ReportOutput::Text => text::write_report(&mut out, &report, None)?,
        ReportOutput::Md => {
            out.write_all(export::markdown::summary(&report, &timeline()).as_bytes())?
        }
        ReportOutput::Csv => {
            let (order, with_geo) = all_sources();
            export::csv::write_sources(&mut out, sources.rows(addrs, &order).map(&with_geo))?;
        }
        ReportOutput::FlowsCsv => every_flow(&mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn hunt_cmd(args: HuntArgs) -> io::Result<ExitCode> {
    let options = match read_options(args.format.as_deref()) {
        Ok(o) => o,
        Err(message) => return usage(&message),
    };
    let known = match args
        .known
        .iter()
        .map(|c| Cidr::parse(c))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(k) => k,
        Err(message) => return usage(&message),
    };
    if args.window_secs == Some(0) {
        return usage("--window-secs must be at least 1");
    }
    let timing = std::env::var_os("FLOWLENS_TIMING").is_some();
    let started = std::time::Instant::now();
    let dataset = load(&args.paths, &options);
    let loaded = started.elapsed();
    print_diagnostics(&dataset, false);
    if dataset.records() == 0 {
        return usage("no records could be read");
    }
    let hunt = flowlens_core::hunt::hunt(
        &dataset,
        &HuntOptions {
            known,
            window_secs: args.window_secs,
            max_per_kind: args.max_per_kind.max(1),
        },
    );
    if timing {
        eprintln!(
            "timing: read {:.3} s, hunt {:.3} s, {} records, {} sessions",
            loaded.as_secs_f64(),
            (started.elapsed() - loaded).as_secs_f64(),
            hunt.input.records,
            hunt.input.sessions
        );
    }
    let mut out = BufWriter::new(io::stdout().lock());
    if let Some(engine) = args.sql {
        let files = match args.paths.as_slice() {
            [dir] if dir.is_dir() => format!("{}/**/*.log*", dir.display()),
            _ => SqlParams::DEFAULT_FILES.to_string(),
        };
        let params = SqlParams {
            files,
            ..SqlParams::new(
                flowlens_core::analysis::TimeRange::ALL,
                IpAddr::from([0, 0, 0, 0]),
                0,
            )
        };
        out.write_all(
            flowlens_core::analysis::sql_findings::findings_script(
                engine_of(engine),
                &params,
                &hunt.findings,
                args.top,
            )
            .as_bytes(),
        )?;
    } else if args.json {
        serde_json::to_writer_pretty(&mut out, &hunt).map_err(json_error)?;
        writeln!(out)?;
    } else {
        text::write_hunt(&mut out, &hunt, args.top)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn records_cmd(args: RecordsArgs) -> io::Result<ExitCode> {
    let options = match read_options(args.format.as_deref()) {
        Ok(o) => o,
        Err(message) => return usage(&message),
    };
    let (files, problems) = collect_files(&args.paths);
    for p in &problems {
        eprintln!("{p}");
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let mut total = 0u64;
    let mut csv_columns: Option<Vec<Column>> = None;
    read_files_in_order(&files, &options, |dataset| {
        print_diagnostics(&dataset, false);
        total += dataset.records();
        match args.output {
            Output::Jsonl => write_jsonl(&mut out, &dataset),
            Output::Csv => write_csv(&mut out, &dataset, &mut csv_columns),
        }
    })?;
    out.flush()?;
    if total == 0 {
        return usage("no records could be read");
    }
    Ok(ExitCode::SUCCESS)
}

/// A record's value of `column` as JSON: numbers for integer fields, `null` for `-`.
fn value(dataset: &Dataset, row: usize, column: &Column) -> serde_json::Value {
    use serde_json::Value;
    let t = &dataset.table;
    let addr = |id| {
        t.addrs
            .get(id)
            .map_or(Value::Null, |a| Value::String(a.to_string()))
    };
    let num = |v: Option<u64>| v.map_or(Value::Null, Value::from);
    match column {
        Column::Known(Field::Srcaddr) => addr(t.srcaddr(row)),
        Column::Known(Field::Dstaddr) => addr(t.dstaddr(row)),
        Column::Known(Field::Srcport) => num(t.srcport(row).map(u64::from)),
        Column::Known(Field::Dstport) => num(t.dstport(row).map(u64::from)),
        Column::Known(Field::Protocol) => num(t.protocol(row).map(u64::from)),
        Column::Known(Field::Packets) => num(t.packets(row)),
        Column::Known(Field::Bytes) => num(t.bytes(row)),
        Column::Known(Field::Start) => num(t.start_secs(row).map(u64::from)),
        Column::Known(Field::End) => num(t.end_secs(row).map(u64::from)),
        Column::Known(Field::Action) => t.action(row).map_or(Value::Null, |a| a.as_str().into()),
        Column::Known(Field::LogStatus) => {
            t.log_status(row).map_or(Value::Null, |s| s.as_str().into())
        }
        Column::Known(field) => match t.text(field.name(), row) {
            None => Value::Null,
            Some(v) if field.kind() == FieldKind::Int => {
                v.parse::<u64>().map_or_else(|_| v.into(), Value::from)
            }
            Some(v) => v.into(),
        },
        Column::Unknown(name) => t.text(name, row).map_or(Value::Null, Value::from),
    }
}

fn write_jsonl(out: &mut impl Write, dataset: &Dataset) -> io::Result<()> {
    for row in 0..dataset.table.len() {
        let Some(format) = dataset.format_at(row) else {
            continue;
        };
        let mut object = serde_json::Map::new();
        for column in format.columns() {
            object.insert(column.name().to_string(), value(dataset, row, column));
        }
        serde_json::to_writer(&mut *out, &object).map_err(json_error)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// CSV with the columns of the first format seen; records of a later, different
/// format fill the columns they share and leave the rest empty.
fn write_csv(
    out: &mut impl Write,
    dataset: &Dataset,
    columns: &mut Option<Vec<Column>>,
) -> io::Result<()> {
    for row in 0..dataset.table.len() {
        let Some(format) = dataset.format_at(row) else {
            continue;
        };
        let columns = match columns {
            Some(c) => &*c,
            None => {
                let names: Vec<&str> = format.columns().iter().map(Column::name).collect();
                writeln!(out, "{}", names.join(","))?;
                columns.insert(format.columns().to_vec())
            }
        };
        let mut line = String::new();
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            if !format.columns().contains(column) {
                continue;
            }
            match value(dataset, row, column) {
                serde_json::Value::Null => {}
                serde_json::Value::String(s) => line.push_str(&csv_field(&s)),
                other => line.push_str(&other.to_string()),
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Quotes a CSV field when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn example_cmd(args: ExampleArgs) -> io::Result<ExitCode> {
    if args.scale == 0 {
        return usage("--scale must be at least 1");
    }
    let scanners = match args.scanner_addresses.as_str() {
        "unique" => Scanners::Unique,
        n => match n.parse::<u32>() {
            Ok(n) if n > 0 => Scanners::Pool(n),
            _ => {
                return usage(&format!(
                    "--scanner-addresses must be `unique` or a count ≥ 1, not `{n}`"
                ))
            }
        },
    };
    if args.days == 0 {
        return usage("--days must be at least 1");
    }
    let options = ExampleOptions {
        scale: args.scale,
        seed: args.seed,
        incident: !args.no_incident,
        scanners,
        scanner_events: args.scanner_events,
        days: args.days,
    };
    let mut result = Ok(());
    let mut files = 0u64;
    let mut text_bytes = 0u64;
    if args.form == ExampleForm::Text {
        // Streaming: one file at a time.
        example::generate(&options, |file| {
            if result.is_err() {
                return;
            }
            text_bytes += file.text.len() as u64;
            result = forms::write_week(&args.out, std::slice::from_ref(&file), ExampleForm::Text)
                .map(|n| files += n);
        });
    } else {
        let mut week = Vec::new();
        example::generate(&options, |file| {
            text_bytes += file.text.len() as u64;
            week.push(file);
        });
        result = forms::write_week(&args.out, &week, args.form).map(|n| files = n);
    }
    if let Err(err) = result {
        eprintln!(
            "flowlens: cannot write the example under {}: {err}",
            args.out.display()
        );
        return Ok(ExitCode::from(2));
    }
    eprintln!(
        "wrote {files} files ({} of text) under {}",
        flowlens_core::analysis::units::bytes(text_bytes as f64),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The parameters of `flowlens sql`: as given, the missing suspect and port from an
/// analysis of the paths (the top of the ranking, the detected port).
fn sql_params(args: &SqlArgs) -> Result<SqlParams, String> {
    let query = query(&args.query)?;
    let mut suspect = query.suspect;
    let mut port = query.service_port;
    if suspect.is_none() || port.is_none() {
        if args.paths.is_empty() {
            return Err(
                "give --suspect and --service-port, or the log files to find them in".to_string(),
            );
        }
        let options = read_options(args.query.format.as_deref())?;
        let dataset = load(&args.paths, &options);
        print_diagnostics(&dataset, false);
        if dataset.records() == 0 {
            return Err("no records could be read".to_string());
        }
        let report = analyze(&dataset, &query);
        suspect = suspect.or_else(|| report.suspect.as_deref().and_then(|s| s.parse().ok()));
        port = port.or_else(|| report.verdict.as_ref().and_then(|v| v.service_port));
    }
    let suspect = suspect.ok_or("no suspect found in the files: give --suspect")?;
    let port = port.ok_or("no service port detected in the files: give --service-port")?;
    let files = match (&args.files, args.paths.as_slice()) {
        (Some(files), _) => files.clone(),
        (None, [dir]) if dir.is_dir() => format!("{}/**/*.log*", dir.display()),
        _ => SqlParams::DEFAULT_FILES.to_string(),
    };
    Ok(SqlParams {
        k: query.k,
        include_suspect_in_baseline: query.include_suspect_in_baseline,
        files,
        ..SqlParams::new(query.range, suspect, port)
    })
}

fn engine_of(engine: SqlEngine) -> Engine {
    match engine {
        SqlEngine::Athena => Engine::Athena,
        SqlEngine::Dremio => Engine::Dremio,
        SqlEngine::Duckdb => Engine::DuckDb,
    }
}

fn sql_cmd(args: SqlArgs) -> io::Result<ExitCode> {
    let params = match sql_params(&args) {
        Ok(p) => p,
        Err(message) => return usage(&message),
    };
    let engine = engine_of(args.engine);
    let mut out = io::stdout().lock();
    out.write_all(script(engine, &params).as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
