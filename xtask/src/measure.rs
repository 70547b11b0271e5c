//! `cargo xtask measure`: measures every IPC mechanism of the book on this
//! machine and rewrites what the measurement chapter shows: its tables
//! (`chapters/measure/results/`) and its chart (`book/images/measure.svg`).
//!
//! It is `cargo run --release --bin measure -- --write`, said once, here, so
//! that the chapter can name one command; see `chapters/measure/measure.rs`.

use std::path::Path;
use std::process::Command;

/// Runs the measurement program in release mode with `--write`, passing on
/// `args` (`--json FILE`, say).
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split(' ').take(3).collect();
    eprintln!(
        "xtask: measuring (about a minute); load average now {}: every other \
         program that runs takes a CPU from the measured ones",
        load.join(" ")
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["run", "--release", "--bin", "measure", "--", "--write"])
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("measure ended with {status}"))
    }
}
