//! The address table for the command line: which file to use, loading it, and
//! `flowlens geo-build`.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use flowlens_core::geo::build::{build, Input, Inputs};
use flowlens_core::geo::{GeoDb, GeoPackage};

use crate::args::GeoBuildArgs;

/// File name of the table, in the build output and next to the executable.
pub const FILE_NAME: &str = "flowlens-geo.bin";

/// Where scripts/geo.sh writes the table in this source tree.
pub fn built_path() -> PathBuf {
    // crates/flowlens-cli -> the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join("geo")
        .join(FILE_NAME)
}

/// The table to use: `--geo`, else `$FLOWLENS_GEO`, else the build output of this
/// source tree, else `flowlens-geo.bin` next to the executable. `Ok(None)` when none
/// was asked for and none is present; `Err` when the named or found file is unusable.
pub fn load(explicit: Option<&Path>) -> Result<Option<(PathBuf, GeoDb)>, String> {
    let named = explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("FLOWLENS_GEO").map(PathBuf::from));
    let path = match named {
        Some(p) => p,
        None => {
            let beside_exe = std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|d| d.join(FILE_NAME)));
            match [Some(built_path()), beside_exe]
                .into_iter()
                .flatten()
                .find(|p| p.is_file())
            {
                Some(p) => p,
                None => return Ok(None),
            }
        }
    };
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let db = GeoDb::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some((path, db)))
}

/// `flowlens geo-build DIR -o FILE`.
pub fn build_cmd(args: GeoBuildArgs) -> io::Result<ExitCode> {
    match build_file(&args.packages, &args.out) {
        Ok(summary) => {
            eprintln!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Err(message) => {
            eprintln!("flowlens: geo-build: {message}");
            Ok(ExitCode::from(2))
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The package's name, version and licence from its package.json.
fn package(dir: &Path) -> Result<GeoPackage, String> {
    let path = dir.join("package.json");
    let json: serde_json::Value =
        serde_json::from_slice(&read(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
    let field = |name: &str| {
        json.get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("{}: no `{name}`", path.display()))
    };
    Ok(GeoPackage {
        name: field("name")?,
        version: field("version")?,
        license: field("license")?,
    })
}

fn build_file(packages: &Path, out: &Path) -> Result<String, String> {
    let started = std::time::Instant::now();
    let country_dir = packages.join("geo-whois-asn-country");
    let asn_dir = packages.join("asn");
    let names = [
        country_dir.join("geo-whois-asn-country-ipv4-num.csv"),
        country_dir.join("geo-whois-asn-country-ipv6-num.csv"),
        asn_dir.join("asn-ipv4-num.csv"),
        asn_dir.join("asn-ipv6-num.csv"),
    ];
    let texts = names
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let shown: Vec<String> = names.iter().map(|p| p.display().to_string()).collect();
    let input = |i: usize| Input {
        name: shown.get(i).map_or("", String::as_str),
        bytes: texts.get(i).map_or(&[][..], Vec::as_slice),
    };
    let inputs = Inputs {
        country_v4: input(0),
        country_v6: input(1),
        asn_v4: input(2),
        asn_v6: input(3),
    };
    let db = build(&inputs, vec![package(&country_dir)?, package(&asn_dir)?])
        .map_err(|e| e.to_string())?;
    let bytes = db.to_bytes();
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    // Written next to the target and renamed, so a reader never sees half a file.
    let partial = out.with_extension("partial");
    std::fs::write(&partial, &bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
    std::fs::rename(&partial, out).map_err(|e| format!("{}: {e}", out.display()))?;
    let (v4, v6) = db.range_counts();
    Ok(format!(
        "geo-build: wrote {} ({} bytes; {v4} IPv4 and {v6} IPv6 ranges) in {:.1} s",
        out.display(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    ))
}
