//! measure: every IPC mechanism of the book, measured on this machine.
//!
//! Demonstrates what each mechanism costs between two processes, and what
//! the safe API of `apue_ipc` adds to the system calls a C program makes:
//! pipes, FIFOs, Unix stream and seqpacket sockets, System V message queues,
//! System V shared memory signalled by System V semaphores, POSIX message
//! queues, and a ring in shared memory guarded by a process-shared pthread
//! mutex and condition variables, each through the safe API and through raw
//! calls (`apue_ipc::*::raw`); two references (a ring signalled with a futex
//! only when the other side sleeps, and a spinning ring), a bare futex
//! ping-pong, the crates `ipc-channel` and `interprocess`, and three levers
//! (a pipe's capacity, a socket's send buffer, batching). Messages of 64
//! bytes, 4 KiB and 64 KiB; round trips (median, p99, p99.9) and one-way
//! throughput; across two cores and on one; each message written by its
//! sender and checked, every byte, by its receiver. The variants take turns
//! in short rounds, so that a machine drifting between fast and slow phases
//! slows all alike, and a spinning-ring probe before each round records the
//! phase.
//!
//! Run it with `cargo run --release --bin measure` (about a minute);
//! `--quick` runs a seconds-long version; `--write` also writes the files the
//! book shows (`chapters/measure/results/`, `book/images/measure.svg`), which
//! `cargo xtask measure` does; `--json FILE` writes every number. The shape
//! of its output (every number is the machine's, and shown here as `…`):
//!
//!     Measured on … (… CPUs online), Linux …, a virtual machine (…); ...
//!     Each process pinned to a CPU (`sched_setaffinity`); … rounds per ...
//!     The spinning-ring probe before each round (median of … round ...
//!     Rounds that began in a slow phase (a probe more than 2 times ...
//!
//!     #### Round trips across cores (CPUs … and …)
//!
//!     | mechanism | calls | 64 B median | p99 | p99.9 | 4 KiB median | ...
//!     |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
//!     | pipe | `apue_ipc` | … us ×… | … us | … us | … us ×… | … us | ...
//!     |  | raw calls | … us | … us | … us | … us | … us | … us | … us | ...
//!     ...
//!
//! `chapters/measure/snapshots/measure.snap` is the whole shape.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use harness::allocations::CountingAllocator;
use harness::cli::{self, Failure};

#[path = "measure/link.rs"]
mod link;
#[path = "measure/payload.rs"]
mod payload;
#[path = "measure/peer.rs"]
mod peer;
#[path = "measure/report.rs"]
mod report;
#[path = "measure/run.rs"]
mod run;

use link::{Limits, Variant};
use run::{Cpus, Plan};

/// Counts the allocations of each thread, so that the timed loops can say
/// they made none (see `harness::allocations`).
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const HELP: &str = "\
Usage: measure [--quick] [--write] [--json FILE]

Measures every IPC mechanism of the book between two processes on this
machine: round trips (median, p99, p99.9) and one-way throughput of messages
of 64 B, 4 KiB and 64 KiB, across two cores and on one, through apue_ipc's
safe API and through the raw calls of C, taking turns in short rounds. Prints
the machine and Markdown tables. Build it with --release: a debug build
measures the debug build. A full run takes about a minute; a progress bar on
standard error shows where it is.

  --quick      a seconds-long run, to check that everything works
  --write      also write the files the book shows: chapters/measure/results/
               (measure.md, msg.md, uds.md, measure.json) and
               book/images/measure.svg
               (what `cargo xtask measure` runs)
  --json FILE  write every number to FILE, as JSON
  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed or a message arrived
damaged, 2 on a usage error.
";

/// Where `--write` puts what the book shows.
const RESULTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/results");
const CHART: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../book/images/measure.svg");

// ANCHOR: main
fn main() -> ExitCode {
    cli::run("measure", HELP, |mut args| {
        let quick = args.take_flag("--quick");
        let write = args.take_flag("--write");
        if args.take_flag("--json") {
            // A path, which need not be UTF-8.
            let file = args.next_path()?.ok_or_else(|| {
                Failure::Usage("--json needs a file name".into())
            })?;
            args.finish()?;
            return parent(quick, write, Some(file));
        }
        match args.next_arg()?.as_deref() {
            // One of the other processes: this program started again.
            Some("peer") if !(quick || write) => {
                let role = args.next_arg()?.unwrap_or_default();
                let variant = Variant::parse(&role)
                    .filter(|v| v.peer() == *v)
                    .ok_or_else(|| {
                        Failure::Usage(format!(
                            "peer: unknown mechanism '{role}'"
                        ))
                    })?;
                args.finish()?;
                peer::run(variant)
            }
            None => parent(quick, write, None),
            Some(other) => {
                Err(Failure::Usage(format!("unexpected argument '{other}'")))
            }
        }
    })
}
// ANCHOR_END: main

fn parent(
    quick: bool,
    write: bool,
    json: Option<PathBuf>,
) -> Result<(), Failure> {
    if quick && write {
        return Err(Failure::Usage(
            "--write keeps a full run's numbers, not a quick one's".into(),
        ));
    }
    // Created now: a path that cannot be written fails before the run.
    let json = match json {
        Some(path) => Some(File::create(&path).map_err(|e| {
            apue_ipc::Error::from_io("open", path.display().to_string(), e)
        })?),
        None => None,
    };
    let machine = report::Machine::read();
    let limits = Limits::read()?;
    let allowed = run::allowed_cpus();
    let cpus = Cpus {
        parent: allowed.first().copied().unwrap_or(0),
        other: allowed.get(1).copied(),
    };
    let plan = if quick { Plan::QUICK } else { Plan::FULL };
    let results = run::measure(plan, cpus, limits)?;
    let text = report::markdown(&results, &machine);
    print!("{text}");
    if write {
        let files = [
            (format!("{RESULTS}/measure.md"), text.clone()),
            (
                format!("{RESULTS}/msg.md"),
                format!(
                    "{}\n{}\n",
                    report::forms_table(&results),
                    machine.sentence()
                ),
            ),
            (
                format!("{RESULTS}/uds.md"),
                format!(
                    "{}\n{}\n",
                    report::socket_forms_table(&results),
                    machine.sentence()
                ),
            ),
            (
                format!("{RESULTS}/measure.json"),
                report::json(&results, &machine).to_string() + "\n",
            ),
            (
                CHART.to_string(),
                report::chart(&results).map_err(|e| {
                    Failure::Runtime(format!("chart: {e}").into())
                })?,
            ),
        ];
        for (path, contents) in files {
            write_file(&path, &contents)?;
        }
    }
    if let Some(mut file) = json {
        let value = report::json(&results, &machine);
        let text = serde_json::to_string_pretty(&value)?;
        file.write_all((text + "\n").as_bytes())
            .map_err(|e| apue_ipc::Error::from_io("write", "--json FILE", e))?;
    }
    Ok(())
}

fn write_file(path: &str, contents: &str) -> Result<(), Failure> {
    std::fs::write(path, contents)
        .map_err(|e| apue_ipc::Error::from_io("write", path, e))?;
    Ok(())
}
