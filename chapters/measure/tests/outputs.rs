//! The measurement program, run as a real process (see `harness::testing`).
//!
//! Its numbers are the machine's, so its snapshot, which the book shows as
//! the shape of its output, has them replaced, and two runs must agree once
//! they are. A quick run in a debug build measures nothing worth printing,
//! but it guards against gross regressions: every safe form must stay under
//! 1.5 times the raw calls. The numbers the book prints come from `--release`
//! runs, in `results/` (see the chapter).

use harness::program;
use harness::testing::{filter, Filters, Program};

const MEASURE: Program = program!("measure");

harness::chapter_program!(
    measure,
    output_checked_by: super::a_quick_run_prints_sane_ratios,
    bad_arguments: ["--frob"]
);

/// The worst ratio to the raw calls that a quick debug run may show.
const GROSS: f64 = 1.5;

fn numbers() -> Filters {
    vec![
        (r"\d+\.\d us".to_string(), "[time]".to_string()),
        (r"\| \d+\.\d\d \|".to_string(), "| [ratio] |".to_string()),
        (r"on \d+ CPUs?\.".to_string(), "on [n] CPUs.".to_string()),
    ]
}

/// The ratio columns of the table's rows.
fn ratios(transcript: &str) -> Vec<f64> {
    transcript
        .lines()
        .filter(|line| line.starts_with("| ") && line.contains(" us |"))
        .flat_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // "", size, raw, then (time, ratio) three times, ""
            [4, 6, 8].map(|i| cells[i].parse::<f64>().expect("a ratio"))
        })
        .collect()
}

#[test]
fn a_quick_run_prints_sane_ratios() {
    let first = MEASURE.transcript(&["--quick"]);
    let ratios = ratios(&first);
    assert_eq!(ratios.len(), 9, "three sizes, three forms:\n{first}");
    for ratio in &ratios {
        assert!(*ratio > 0.0 && *ratio < GROSS, "{ratio} in\n{first}");
    }
    let shape = filter(first, &numbers());
    MEASURE.assert_snapshot("measure", &shape);
    let second = filter(MEASURE.transcript(&["--quick"]), &numbers());
    assert_eq!(second, shape, "two runs differ beyond their numbers");
}
