//! Whole outputs compared with golden files: `flowlens analyze` of the seed week
//! (tests/fixtures/seed-week) in every form — text, JSON, Markdown, the sources CSV and
//! the flows CSV — for the whole data and for the 02:00 window, byte for byte, so that
//! any change to what a user sees shows up in review as a diff of these files.
//!
//! To review and update them after an intended change:
//!
//! ```sh
//! FLOWLENS_UPDATE_GOLDEN=1 cargo test -p flowlens-cli --test golden
//! git diff crates/flowlens-cli/tests/golden/
//! ```

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `flowlens analyze` of the seed week with `args`; the week's folder is named by a
/// path relative to the repository, so the outputs do not depend on where it is.
fn analyze(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_flowlens"))
        .current_dir(root())
        .args(["analyze", "tests/fixtures/seed-week", "--no-geo"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Compares `got` with the golden file `name` (or writes it, when asked).
fn golden(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("FLOWLENS_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (make it with FLOWLENS_UPDATE_GOLDEN=1 cargo test -p flowlens-cli --test golden)",
            path.display()
        )
    });
    if got != want {
        // The first differing line, then both outputs in full.
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(g, w)| g != w)
            .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
        panic!(
            "{name} differs from its golden file at line {}:\n--- golden\n{want}\n--- got\n{got}\n\
             (if the change is intended: FLOWLENS_UPDATE_GOLDEN=1 cargo test -p flowlens-cli --test golden)",
            line + 1
        );
    }
}

#[test]
fn whole_data_in_every_form() {
    golden("seed-week.txt", &analyze(&[]));
    golden("seed-week.json", &analyze(&["--json"]));
    golden("seed-week.md", &analyze(&["--output", "md"]));
    golden("seed-week-sources.csv", &analyze(&["--output", "csv"]));
    golden("seed-week-flows.csv", &analyze(&["--output", "flows-csv"]));
}

#[test]
fn the_two_am_window_in_every_form() {
    let window = ["--window", "2020-09-16T02:00:00Z"];
    let with = |extra: &[&str]| {
        let mut args = window.to_vec();
        args.extend_from_slice(extra);
        analyze(&args)
    };
    golden("seed-window.txt", &with(&[]));
    golden("seed-window.json", &with(&["--json"]));
    golden("seed-window.md", &with(&["--output", "md"]));
    golden("seed-window-sources.csv", &with(&["--output", "csv"]));
    golden("seed-window-flows.csv", &with(&["--output", "flows-csv"]));
}
