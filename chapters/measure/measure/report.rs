//! What a run found, written out: the machine, Markdown tables (printed, and
//! by `--write` the file the book includes), the JSON of `--json`, and the
//! chart the book shows (SVG).

use std::fmt::Write as _;

use plotters::prelude::*;
use serde_json::{json, Value};

use crate::link::{Calls, Variant};
use crate::run::{
    self, Cell, Key, Placement, Results, FORMS, FORM_SIZES, SIZES, SOCKET_FORMS,
};

/// The machine the numbers come from.
pub struct Machine {
    pub cpu: String,
    pub online: usize,
    pub kernel: String,
    /// What says so, if this is a virtual machine.
    pub virtual_machine: Option<String>,
    /// `/proc/loadavg`'s three averages when the run began.
    pub load: String,
}

impl Machine {
    pub fn read() -> Machine {
        let cpuinfo =
            std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |name: &str| {
            cpuinfo
                .lines()
                .find(|line| line.starts_with(name))
                .and_then(|line| line.split(':').nth(1))
                .map(|value| value.trim().to_string())
        };
        let cpu = field("model name").unwrap_or_else(|| "unknown CPU".into());
        let hypervisor = field("flags")
            .is_some_and(|flags| flags.split(' ').any(|f| f == "hypervisor"));
        let virtual_machine = hypervisor.then(|| {
            let vendor =
                ["/sys/hypervisor/type", "/sys/class/dmi/id/sys_vendor"]
                    .iter()
                    .find_map(|path| std::fs::read_to_string(path).ok())
                    .map(|text| text.trim().to_string())
                    .filter(|text| !text.is_empty());
            match vendor {
                Some(vendor) => {
                    format!("the CPU reports a hypervisor ({vendor})")
                }
                None => "the CPU reports a hypervisor".to_string(),
            }
        });
        let online =
            nix::unistd::sysconf(nix::unistd::SysconfVar::_NPROCESSORS_ONLN)
                .ok()
                .flatten()
                .unwrap_or(0) as usize;
        let kernel = nix::sys::utsname::uname()
            .map(|u| u.release().to_string_lossy().into_owned())
            .unwrap_or_default();
        let load = std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split(' ')
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        Machine {
            cpu,
            online,
            kernel,
            virtual_machine,
            load,
        }
    }

    pub fn sentence(&self) -> String {
        let kind = match &self.virtual_machine {
            Some(why) => format!("a virtual machine ({why})"),
            None => "no hypervisor reported by the CPU".to_string(),
        };
        format!(
            "Measured on {} ({} CPUs online), Linux {}, {kind}; load average \
             {} when the run began.",
            self.cpu, self.online, self.kernel, self.load
        )
    }
}

/// The row names of a variant: the mechanism, and whose calls.
pub fn label(variant: Variant) -> (&'static str, &'static str) {
    let calls = |c: Calls| match c {
        Calls::Safe => "`apue_ipc`",
        Calls::Raw => "raw calls",
    };
    match variant {
        Variant::Pipe(c) => ("pipe", calls(c)),
        Variant::Control => ("pipe", "raw calls again (control)"),
        Variant::Fifo(c) => ("FIFO", calls(c)),
        Variant::Stream(c) => ("Unix stream socket", calls(c)),
        Variant::SeqPacket(c) => ("Unix seqpacket socket", calls(c)),
        Variant::Msg(c) => ("System V message queue", calls(c)),
        Variant::ShmSem(c) => ("System V shared memory + semaphores", calls(c)),
        Variant::PosixMq(c) => ("POSIX message queue", calls(c)),
        Variant::Pthread(c) => {
            ("mmap ring + pthread mutex, condvars", calls(c))
        }
        Variant::FutexRing => {
            ("ring + futex when the peer sleeps", "reference")
        }
        Variant::SpinRing => ("spinning ring (burns a core)", "reference"),
        Variant::PingPong => ("futex ping-pong, no data", "reference"),
        Variant::IpcChannel => ("`ipc-channel` (bytes channel)", "crate"),
        Variant::Interprocess => ("`interprocess` (local socket)", "crate"),
        Variant::PipeCapacity => ("pipe, `F_SETPIPE_SZ` 1 MiB", "lever"),
        Variant::StreamBuffer => ("stream socket, `SO_SNDBUF` raised", "lever"),
        Variant::PipeBatch => ("pipe, 64 messages per `write`", "lever"),
        Variant::MsgCopy => ("System V message queue", "`send`"),
        Variant::MsgAlloc => ("System V message queue", "`receive`"),
        Variant::SeqPacketGather => {
            ("Unix seqpacket socket", "`send`, `receive_into`")
        }
    }
}

/// The rows of the main tables, in order.
fn rows() -> impl Iterator<Item = Variant> {
    run::GROUPS.iter().flat_map(|group| {
        group.iter().copied().filter(|v| {
            !matches!(
                v,
                Variant::PipeCapacity
                    | Variant::StreamBuffer
                    | Variant::PipeBatch
            )
        })
    })
}

/// A time in nanoseconds, in microseconds.
fn time(ns: f64) -> String {
    let us = ns / 1000.0;
    if us < 10.0 {
        format!("{us:.2} us")
    } else if us < 100.0 {
        format!("{us:.1} us")
    } else {
        format!("{us:.0} us")
    }
}

/// Bytes per second, in MB/s (10^6 bytes).
fn rate(bps: f64) -> String {
    let mb = bps / 1e6;
    if mb < 10.0 {
        format!("{mb:.2} MB/s")
    } else if mb < 100.0 {
        format!("{mb:.1} MB/s")
    } else {
        format!("{mb:.0} MB/s")
    }
}

pub fn size_name(size: usize) -> String {
    if size >= 1024 && size.is_multiple_of(1024) {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

fn placement_name(placement: Placement, results: &Results) -> String {
    match (placement, results.cpus.other) {
        (Placement::Cross, Some(other)) => {
            format!("across cores (CPUs {} and {other})", results.cpus.parent)
        }
        _ => format!("on one core (CPU {})", results.cpus.parent),
    }
}

/// The counterpart a ratio is taken against: the raw calls of a safe
/// variant, the default of a lever.
pub fn baseline(variant: Variant) -> Option<Variant> {
    run::pairs()
        .find(|(safe, _)| *safe == variant)
        .map(|(_, raw)| raw)
        .or(match variant {
            Variant::PipeCapacity | Variant::PipeBatch => {
                Some(Variant::Pipe(Calls::Safe))
            }
            Variant::StreamBuffer => Some(Variant::Stream(Calls::Safe)),
            Variant::Control => Some(Variant::Pipe(Calls::Raw)),
            _ => None,
        })
}

/// When the rounds of a ratio disagree: the largest of its per-round ratios
/// is more than this many times the smallest. The median of such rounds is
/// one draw among very different ones, not the cost of an API.
pub const DISAGREE: f64 = 1.25;

/// A cell's ratio to its baseline: each round's value against its
/// baseline's in the same round, and the median of those.
#[derive(Clone, Debug)]
pub struct Ratio {
    pub rounds: Vec<f64>,
    pub median: f64,
}

impl Ratio {
    fn of(values: &[f64], base: &[f64]) -> Option<Ratio> {
        let rounds: Vec<f64> = values
            .iter()
            .zip(base)
            .filter(|(_, b)| **b > 0.0)
            .map(|(v, b)| v / b)
            .collect();
        (!rounds.is_empty()).then(|| Ratio {
            median: run::median(&rounds),
            rounds,
        })
    }

    /// The smallest per-round ratio.
    pub fn low(&self) -> f64 {
        self.rounds.iter().copied().fold(f64::INFINITY, f64::min)
    }

    /// The largest per-round ratio.
    pub fn high(&self) -> f64 {
        self.rounds.iter().copied().fold(0.0, f64::max)
    }

    /// Whether its rounds disagree (see [`DISAGREE`]).
    pub fn disagrees(&self) -> bool {
        self.high() > DISAGREE * self.low()
    }

    /// The median, marked † if the rounds disagree.
    fn shown(&self) -> String {
        let mark = if self.disagrees() { "†" } else { "" };
        format!("×{:.2}{mark}", self.median)
    }
}

/// The ratios of a cell to its baseline, with their rounds: round trip,
/// throughput.
pub fn round_ratios(
    results: &Results,
    key: &Key,
) -> (Option<Ratio>, Option<Ratio>) {
    let Some(base) = baseline(key.variant) else {
        return (None, None);
    };
    let base_key = Key {
        variant: base,
        ..key.clone()
    };
    match (results.cells.get(key), results.cells.get(&base_key)) {
        (Some(cell), Some(base)) => (
            Ratio::of(&cell.medians, &base.medians),
            Ratio::of(&cell.rates, &base.rates),
        ),
        _ => (None, None),
    }
}

/// A cell whose rounds disagree, for the note under its table.
fn disagreeing(variant: Variant, size: usize, ratio: &Ratio) -> String {
    let name = match label(variant) {
        (lever, "lever") => lever.to_string(),
        (mechanism, calls) => format!("{mechanism} {calls}"),
    };
    format!(
        "{name} {}, ×{:.2} to ×{:.2}",
        size_name(size),
        ratio.low(),
        ratio.high()
    )
}

/// The note under a table that marks cells whose rounds disagree.
fn disagree_note(text: &mut String, cells: &[String]) {
    let _ = writeln!(
        text,
        "\n† Rounds disagree (the largest per-round ratio more than {DISAGREE} \
         times the smallest; per-round ratios from, to): {}.",
        if cells.is_empty() {
            "none".to_string()
        } else {
            cells.join("; ")
        }
    );
}

/// The cell of `variant` at `placement` and `size`, if it was measured.
fn cell(
    results: &Results,
    variant: Variant,
    placement: Placement,
    size: usize,
) -> Option<&Cell> {
    results.cells.get(&Key {
        variant,
        placement,
        size,
    })
}

fn quantile(cell: &Cell, q: f64) -> f64 {
    cell.latency.value_at_quantile(q) as f64
}

/// The throughput of a cell: the median of its rounds'.
pub fn throughput(cell: &Cell) -> f64 {
    run::median(&cell.rates)
}

/// When a probe says the machine was in a slow phase: more than this many
/// times the median probe of the run.
pub const SLOW: f64 = 2.0;

/// The whole report, in Markdown.
pub fn markdown(results: &Results, machine: &Machine) -> String {
    let mut text = String::new();
    let plan = &results.plan;
    let _ = writeln!(text, "{}", machine.sentence());
    let _ = writeln!(
        text,
        "Each process pinned to a CPU (`sched_setaffinity`); {} rounds per \
         size and placement, every mechanism once per round, its safe API and \
         its raw calls one after the other, about {} ms per measurement; {:.0} \
         seconds in all.",
        plan.rounds,
        plan.slice.as_millis(),
        results.took.as_secs_f64()
    );
    if !results.probes.is_empty() {
        let values: Vec<f64> =
            results.probes.iter().map(|p| p.median_ns).collect();
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(0.0, f64::max);
        let _ = writeln!(
            text,
            "The spinning-ring probe before each round (median of {} round \
             trips across cores): {} in the middle of the run's {} probes, \
             from {} to {}.",
            plan.probe,
            time(run::median(&values)),
            values.len(),
            time(low),
            time(high)
        );
        let median = run::median(&values);
        let slow: Vec<String> = results
            .probes
            .iter()
            .filter(|p| p.median_ns > SLOW * median)
            .map(|p| {
                format!(
                    "{}, {}, round {} ({})",
                    p.placement.words(),
                    size_name(p.size),
                    p.round + 1,
                    time(p.median_ns)
                )
            })
            .collect();
        let _ = writeln!(
            text,
            "Rounds that began in a slow phase (a probe more than {SLOW} times \
             the median probe; their measurements are the ones to trust \
             least): {}.",
            if slow.is_empty() {
                "none".to_string()
            } else {
                slow.join("; ")
            }
        );
    }
    let mut notes = Vec::new();
    for placement in results.cpus.placements() {
        let name = placement_name(placement, results);
        latency_table(&mut text, results, placement, &name, &mut notes);
        throughput_table(&mut text, results, placement, &name, &mut notes);
    }
    levers_table(&mut text, results);
    claim_table(&mut text, results);
    summary(&mut text, results);
    if !notes.is_empty() {
        text.push('\n');
        notes.sort();
        notes.dedup();
        for note in notes {
            let _ = writeln!(text, "- n/a: {note}.");
        }
    }
    text.push('\n');
    text.push_str(&forms_table(results));
    text.push('\n');
    text.push_str(&socket_forms_table(results));
    text
}

fn size_header(text: &mut String, per_size: &[&str]) {
    let _ = write!(text, "| mechanism | calls |");
    let mut align = String::from("|---|---|");
    for size in SIZES {
        for (i, column) in per_size.iter().enumerate() {
            if i == 0 {
                let _ = write!(text, " {} {column} |", size_name(size));
            } else {
                let _ = write!(text, " {column} |");
            }
            align.push_str("---:|");
        }
    }
    let _ = writeln!(text, "\n{align}");
}

fn row_names(text: &mut String, variant: Variant, previous: &mut &str) {
    let (mechanism, calls) = label(variant);
    let shown = if mechanism == *previous {
        ""
    } else {
        mechanism
    };
    *previous = mechanism;
    let _ = write!(text, "| {shown} | {calls} |");
}

fn latency_table(
    text: &mut String,
    results: &Results,
    placement: Placement,
    name: &str,
    notes: &mut Vec<String>,
) {
    let _ = writeln!(text, "\n#### Round trips {name}\n");
    size_header(text, &["median", "p99", "p99.9"]);
    let mut previous = "";
    let mut disagree = Vec::new();
    let mut samples: Vec<u64> = Vec::new();
    for variant in rows() {
        if !run::has_latency(variant, placement) {
            continue;
        }
        row_names(text, variant, &mut previous);
        for size in SIZES {
            let key = Key {
                variant,
                placement,
                size,
            };
            match results.cells.get(&key) {
                Some(cell) if !cell.latency.is_empty() => {
                    samples.push(cell.latency.len());
                    let mut median = time(quantile(cell, 0.5));
                    if let (Some(r), _) = round_ratios(results, &key) {
                        let _ = write!(median, " {}", r.shown());
                        if r.disagrees() {
                            disagree.push(disagreeing(variant, size, &r));
                        }
                    }
                    let _ = write!(
                        text,
                        " {median} | {} | {} |",
                        time(quantile(cell, 0.99)),
                        time(quantile(cell, 0.999))
                    );
                }
                _ => {
                    if let Some(why) = results.limits.refusal(variant, size) {
                        notes.push(why);
                    }
                    text.push_str(" n/a | | |");
                }
            }
        }
        text.push('\n');
    }
    disagree_note(text, &disagree);
    let fewest = samples.iter().copied().min().unwrap_or(0);
    let most = samples.iter().copied().max().unwrap_or(0);
    let _ = writeln!(
        text,
        "\nEach cell's percentiles come from {fewest} to {most} round trips \
         timed: about {} to {} of them lie above its p99.9, {} to {} above its \
         p99.",
        beyond(fewest, 0.001),
        beyond(most, 0.001),
        beyond(fewest, 0.01),
        beyond(most, 0.01)
    );
}

/// How many of `count` samples lie above the quantile `1 - tail`.
fn beyond(count: u64, tail: f64) -> String {
    let n = count as f64 * tail;
    if n < 10.0 {
        format!("{n:.1}")
    } else {
        format!("{n:.0}")
    }
}

fn throughput_table(
    text: &mut String,
    results: &Results,
    placement: Placement,
    name: &str,
    notes: &mut Vec<String>,
) {
    let _ = writeln!(text, "\n#### One-way throughput {name}\n");
    let _ = write!(text, "| mechanism | calls |");
    for size in SIZES {
        let _ = write!(text, " {} |", size_name(size));
    }
    let _ = writeln!(text, "\n|---|---|---:|---:|---:|");
    let mut previous = "";
    let mut disagree = Vec::new();
    for variant in rows() {
        if !SIZES
            .iter()
            .any(|&size| run::has_throughput(variant, placement, size))
        {
            continue;
        }
        row_names(text, variant, &mut previous);
        for size in SIZES {
            let key = Key {
                variant,
                placement,
                size,
            };
            match results.cells.get(&key) {
                Some(cell) if !cell.rates.is_empty() => {
                    let mut value = rate(throughput(cell));
                    if let (_, Some(r)) = round_ratios(results, &key) {
                        let _ = write!(value, " {}", r.shown());
                        if r.disagrees() {
                            disagree.push(disagreeing(variant, size, &r));
                        }
                    }
                    let _ = write!(text, " {value} |");
                }
                _ => {
                    if let Some(why) = results.limits.refusal(variant, size) {
                        notes.push(why);
                    }
                    text.push_str(" n/a |");
                }
            }
        }
        text.push('\n');
    }
    disagree_note(text, &disagree);
}

fn levers_table(text: &mut String, results: &Results) {
    let placement = results.cpus.placements()[0];
    let _ = writeln!(
        text,
        "\n#### Levers: one-way throughput {}\n",
        placement_name(placement, results)
    );
    let _ = writeln!(
        text,
        "| lever | size | default (`apue_ipc`) | with the lever | ratio |\n\
         |---|---:|---:|---:|---:|"
    );
    let mut disagree = Vec::new();
    for variant in [
        Variant::PipeCapacity,
        Variant::StreamBuffer,
        Variant::PipeBatch,
    ] {
        for size in SIZES {
            let key = Key {
                variant,
                placement,
                size,
            };
            let base = baseline(variant).map(|b| Key {
                variant: b,
                ..key.clone()
            });
            let (Some(cell), Some(base)) = (
                results.cells.get(&key),
                base.and_then(|b| results.cells.get(&b)),
            ) else {
                continue;
            };
            let (_, r) = round_ratios(results, &key);
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} | {} |",
                label(variant).0,
                size_name(size),
                rate(throughput(base)),
                rate(throughput(cell)),
                r.as_ref().map_or("n/a".to_string(), Ratio::shown)
            );
            if let Some(r) = r.filter(Ratio::disagrees) {
                disagree.push(disagreeing(variant, size, &r));
            }
        }
    }
    disagree_note(text, &disagree);
}

/// The note's claim, that XSI IPC may be faster: each XSI mechanism's median
/// round trip and throughput against the others that do the same job,
/// through the safe API. Below 1 (round trips) or above 1 (throughput), XSI
/// is faster.
fn claim_table(text: &mut String, results: &Results) {
    use Calls::Safe;
    let pairs = [
        (Variant::Msg(Safe), Variant::Pipe(Safe)),
        (Variant::Msg(Safe), Variant::SeqPacket(Safe)),
        (Variant::Msg(Safe), Variant::PosixMq(Safe)),
        (Variant::ShmSem(Safe), Variant::Pthread(Safe)),
        (Variant::ShmSem(Safe), Variant::FutexRing),
    ];
    let _ = writeln!(
        text,
        "\n#### XSI IPC against the others: round trips, and throughput\n\n\
         Each cell: the XSI mechanism's median round trip over the other's \
         (below 1: XSI is quicker), then its throughput over the other's \
         (above 1: XSI moves more).\n"
    );
    let _ = write!(text, "| XSI | against | placement |");
    for size in SIZES {
        let _ = write!(text, " {} |", size_name(size));
    }
    let _ = writeln!(text, "\n|---|---|---|---:|---:|---:|");
    let (mut quicker, mut compared) = (0, 0);
    for placement in results.cpus.placements() {
        for (xsi, other) in pairs {
            let _ = write!(
                text,
                "| {} | {} | {} |",
                label(xsi).0,
                label(other).0,
                match placement {
                    Placement::Cross => "across cores",
                    Placement::Same => "one core",
                }
            );
            for size in SIZES {
                let get = |variant| cell(results, variant, placement, size);
                match (get(xsi), get(other)) {
                    (Some(x), Some(o))
                        if !x.latency.is_empty() && !o.latency.is_empty() =>
                    {
                        let round_trip = quantile(x, 0.5) / quantile(o, 0.5);
                        let moved = throughput(x) / throughput(o);
                        compared += 1;
                        if round_trip < 0.95 {
                            quicker += 1;
                        }
                        let _ =
                            write!(text, " ×{round_trip:.2}, ×{moved:.2} |");
                    }
                    _ => text.push_str(" n/a |"),
                }
            }
            text.push('\n');
        }
    }
    let _ = writeln!(
        text,
        "\nXSI's round trip was quicker by more than 5% in {quicker} of these \
         {compared} comparisons."
    );
}

/// The ratios of the safe API to the raw calls, split into the cells whose
/// rounds agree (where the targets are judged) and those whose rounds
/// disagree, beside the control's; the verdict on each target; the futex
/// target; and the allocations.
fn summary(text: &mut String, results: &Results) {
    let _ = writeln!(
        text,
        "\n#### The safe API against the raw calls\n\n\
         A cell's rounds agree when its largest per-round ratio is at most \
         {DISAGREE} times its smallest (else † in the tables above); the \
         targets are judged on the cells whose rounds agree. For the others, \
         the range of their per-round ratios, beside the control's.\n\n\
         | | cells | round trips: `apue_ipc` / raw (the target: 1.05 at most) \
         | throughput: `apue_ipc` / raw (the target: 0.95 at least) |\n\
         |---|---|---|---|"
    );
    let safe = |v: Variant| run::pairs().any(|(s, _)| s == v);
    // Every ratio of the variants `which` accepts, at `placement`: round
    // trips or throughput, with its cell.
    let all = |which: &dyn Fn(Variant) -> bool,
               placement: Placement,
               latency: bool| {
        let mut keys: Vec<&Key> = results
            .cells
            .keys()
            .filter(|key| key.placement == placement && which(key.variant))
            .collect();
        keys.sort_by_key(|key| {
            (
                Variant::ALL.iter().position(|v| *v == key.variant),
                key.size,
            )
        });
        keys.into_iter()
            .filter_map(|key| {
                let (l, t) = round_ratios(results, key);
                if latency { l } else { t }.map(|r| (key.clone(), r))
            })
            .collect::<Vec<(Key, Ratio)>>()
    };
    let range = |values: &mut dyn Iterator<Item = f64>| {
        let (low, high) = values
            .fold((f64::INFINITY, 0.0_f64), |(l, h), v| (l.min(v), h.max(v)));
        format!("×{low:.2} to ×{high:.2}")
    };
    for placement in results.cpus.placements() {
        let name = placement.words();
        let mut rows = [String::new(), String::new(), String::new()];
        for latency in [true, false] {
            let ratios = all(&safe, placement, latency);
            let (disagree, agree): (Vec<_>, Vec<_>) =
                ratios.iter().partition(|(_, r)| r.disagrees());
            let cells = |n: usize| match n {
                1 => "1 cell".to_string(),
                n => format!("{n} cells"),
            };
            rows[0].push_str(&if agree.is_empty() {
                " no cell |".to_string()
            } else {
                format!(
                    " {} in {} |",
                    range(&mut agree.iter().map(|(_, r)| r.median)),
                    cells(agree.len())
                )
            });
            rows[1].push_str(&if disagree.is_empty() {
                " no cell |".to_string()
            } else {
                format!(
                    " {}, per-round ratios {} |",
                    cells(disagree.len()),
                    range(
                        &mut disagree
                            .iter()
                            .flat_map(|(_, r)| r.rounds.iter().copied())
                    )
                )
            });
            let control = all(&|v| v == Variant::Control, placement, latency);
            rows[2].push_str(&if control.is_empty() {
                " n/a |".to_string()
            } else {
                format!(
                    " medians {}, per-round ratios {} |",
                    range(&mut control.iter().map(|(_, r)| r.median)),
                    range(
                        &mut control
                            .iter()
                            .flat_map(|(_, r)| r.rounds.iter().copied())
                    )
                )
            });
        }
        let _ = writeln!(text, "| {name} | rounds agree |{}", rows[0]);
        let _ = writeln!(text, "|  | rounds disagree |{}", rows[1]);
        let _ = writeln!(text, "|  | the control |{}", rows[2]);
    }
    text.push('\n');
    for (latency, what, within, bound) in [
        (true, "Round trips", "within the target", 1.05),
        (false, "Throughput", "at the target or above", 0.95),
    ] {
        let mut judged = 0;
        let mut missed = Vec::new();
        for placement in results.cpus.placements() {
            for (key, r) in all(&safe, placement, latency) {
                if r.disagrees() {
                    continue;
                }
                judged += 1;
                let ok = if latency {
                    r.median <= bound
                } else {
                    r.median >= bound
                };
                if !ok {
                    let (mechanism, _) = label(key.variant);
                    missed.push(format!(
                        "{mechanism} {} {} (×{:.2})",
                        size_name(key.size),
                        placement.words(),
                        r.median
                    ));
                }
            }
        }
        let _ = writeln!(
            text,
            "- {what}: {within} in {} of the {judged} cells whose rounds \
             agree{}.",
            judged - missed.len(),
            if missed.is_empty() {
                String::new()
            } else {
                format!("; not in {}", missed.join(", "))
            }
        );
    }
    let placement = results.cpus.placements()[0];
    for size in SIZES {
        let get = |variant| cell(results, variant, placement, size);
        if let (Some(ring), Some(bare)) =
            (get(Variant::FutexRing), get(Variant::PingPong))
        {
            let _ = writeln!(
                text,
                "- The futex ring's median round trip against the bare futex \
                 ping-pong's, {} {}: ×{:.2}.",
                size_name(size),
                placement.words(),
                quantile(ring, 0.5) / quantile(bare, 0.5)
            );
        }
    }
    let mut allocating = Vec::new();
    for variant in Variant::ALL {
        let (allocations, messages) = results
            .cells
            .iter()
            .filter(|(key, _)| key.variant == variant)
            .map(|(_, cell)| (cell.allocations, cell.messages))
            .chain(
                results
                    .forms
                    .iter()
                    .filter(|((v, _), _)| *v == variant)
                    .map(|(_, cell)| (cell.allocations, cell.messages)),
            )
            .fold((0, 0), |(a, m), (ca, cm)| (a + ca, m + cm));
        if allocations > 0 {
            allocating.push(format!(
                "{} {} ({:.2} per message)",
                label(variant).0,
                label(variant).1,
                allocations as f64 / messages.max(1) as f64
            ));
        }
    }
    let _ = writeln!(
        text,
        "- Heap allocations in the timed loops of both processes: {}.",
        if allocating.is_empty() {
            "none".to_string()
        } else {
            format!("none, except {}", allocating.join("; "))
        }
    );
}

/// The message-queue forms table (the file the message-queue chapter
/// includes).
pub fn forms_table(results: &Results) -> String {
    forms_of(
        results,
        "#### System V message queues: the forms of the safe API",
        "the four ways in turn",
        &[
            "raw calls",
            "`send_buffer`, `receive_into`",
            "`send`, `receive_into`",
            "`send`, `receive`",
        ],
        &FORMS,
        &FORM_SIZES,
        run::msg_form_rounds(&results.plan),
    )
}

/// The seqpacket socket's forms table (the file the socket chapter
/// includes).
pub fn socket_forms_table(results: &Results) -> String {
    forms_of(
        results,
        "#### Unix seqpacket sockets: the forms of `MessageSocket`",
        "the three ways in turn",
        &[
            "raw `send`, `recv` of one struct",
            "`send_buffer`, `receive_buffer`",
            "`send`, `receive_into`",
        ],
        &SOCKET_FORMS,
        &SIZES,
        run::socket_form_rounds(&results.plan),
    )
}

/// A table of forms: each way's median round trip at each size, and its
/// ratio to the first way's (the raw calls) in the same rounds.
fn forms_of(
    results: &Results,
    title: &str,
    turns: &str,
    names: &[&str],
    ways: &[Variant],
    sizes: &[usize],
    rounds: usize,
) -> String {
    let mut text = format!(
        "{title}\n\nRound trips {}, {rounds} rounds, {turns}.\n\n",
        placement_name(Placement::Same, results),
    );
    let _ = write!(text, "| size | {} |", names[0]);
    let mut align = String::from("|---:|---:|");
    for name in &names[1..] {
        let _ = write!(text, " {name} | ratio |");
        align.push_str("---:|---:|");
    }
    let _ = writeln!(text, "\n{align}");
    let mut disagree = Vec::new();
    for &size in sizes {
        let Some(raw) = results.forms.get(&(ways[0], size)) else {
            continue;
        };
        let _ = write!(
            text,
            "| {} | {} |",
            size_name(size),
            time(quantile(raw, 0.5))
        );
        for variant in &ways[1..] {
            match results.forms.get(&(*variant, size)) {
                Some(cell) => {
                    let r = Ratio::of(&cell.medians, &raw.medians);
                    let _ = write!(
                        text,
                        " {} | {} |",
                        time(quantile(cell, 0.5)),
                        r.as_ref().map_or("n/a".to_string(), Ratio::shown)
                    );
                    if let Some(r) = r.filter(Ratio::disagrees) {
                        disagree.push(disagreeing(*variant, size, &r));
                    }
                }
                None => text.push_str(" n/a | |"),
            }
        }
        text.push('\n');
    }
    text.push_str(
        "\nTimes: the median round trip. Ratios: the median over the rounds of \
         each round's median against the raw calls' in the same round.\n",
    );
    disagree_note(&mut text, &disagree);
    text
}

/// Everything, as JSON.
pub fn json(results: &Results, machine: &Machine) -> Value {
    let cell_json = |variant: Variant, cell: &Cell| {
        let latency = (!cell.latency.is_empty()).then(|| {
            json!({
                "samples": cell.latency.len(),
                "median": quantile(cell, 0.5),
                "p99": quantile(cell, 0.99),
                "p999": quantile(cell, 0.999),
                "max": cell.latency.max(),
                "mean": cell.latency.mean(),
            })
        });
        json!({
            "variant": variant.role(),
            "mechanism": label(variant).0,
            "calls": label(variant).1,
            "latency_ns": latency,
            "round_medians_ns": cell.medians,
            "round_throughputs_bytes_per_s": cell.rates,
            "throughput_bytes_per_s": (!cell.rates.is_empty()).then(|| throughput(cell)),
            "allocations": cell.allocations,
            "messages": cell.messages,
        })
    };
    let mut cells: Vec<(&Key, &Cell)> = results.cells.iter().collect();
    cells.sort_by_key(|(key, _)| {
        (
            Variant::ALL.iter().position(|v| *v == key.variant),
            key.placement == Placement::Same,
            key.size,
        )
    });
    let cells: Vec<Value> = cells
        .into_iter()
        .map(|(key, cell)| {
            let mut value = cell_json(key.variant, cell);
            let (l, t) = round_ratios(results, key);
            let rounds =
                |r: &Option<Ratio>| r.as_ref().map(|r| r.rounds.clone());
            let disagree = |r: &Option<Ratio>| r.as_ref().map(Ratio::disagrees);
            value["ratio_latency_rounds"] = json!(rounds(&l));
            value["ratio_throughput_rounds"] = json!(rounds(&t));
            value["ratio_latency_rounds_disagree"] = json!(disagree(&l));
            value["ratio_throughput_rounds_disagree"] = json!(disagree(&t));
            let (l, t) = (l.map(|r| r.median), t.map(|r| r.median));
            value["placement"] = json!(match key.placement {
                Placement::Cross => "cross",
                Placement::Same => "same",
            });
            value["size"] = json!(key.size);
            value["baseline"] = json!(baseline(key.variant).map(|b| b.role()));
            value["ratio_latency"] = json!(l);
            value["ratio_throughput"] = json!(t);
            value
        })
        .collect();
    let forms = |ways: &[Variant]| -> Vec<Value> {
        let mut forms: Vec<_> = results
            .forms
            .iter()
            .filter(|((v, _), _)| ways.contains(v))
            .collect();
        forms.sort_by_key(|((v, size), _)| {
            (ways.iter().position(|f| f == v), *size)
        });
        forms
            .into_iter()
            .map(|((variant, size), cell)| {
                let mut value = cell_json(*variant, cell);
                value["size"] = json!(size);
                value["placement"] = json!("same");
                if *variant != ways[0] {
                    let r = results
                        .forms
                        .get(&(ways[0], *size))
                        .and_then(|raw| Ratio::of(&cell.medians, &raw.medians));
                    value["baseline"] = json!(ways[0].role());
                    value["ratio_latency"] =
                        json!(r.as_ref().map(|r| r.median));
                    value["ratio_latency_rounds"] =
                        json!(r.as_ref().map(|r| r.rounds.clone()));
                }
                value
            })
            .collect()
    };
    json!({
        "machine": {
            "cpu": machine.cpu,
            "cpus_online": machine.online,
            "kernel": machine.kernel,
            "virtual_machine": machine.virtual_machine,
            "load_average": machine.load,
        },
        "plan": {
            "rounds": results.plan.rounds,
            "slice_ms": results.plan.slice.as_millis() as u64,
            "probe_round_trips": results.plan.probe,
            "msg_form_rounds": run::msg_form_rounds(&results.plan),
            "socket_form_rounds": run::socket_form_rounds(&results.plan),
            "rounds_disagree_past": DISAGREE,
            "slow_probe_past_times_median": SLOW,
            "sizes": SIZES,
        },
        "cpus": {
            "parent": results.cpus.parent,
            "other": results.cpus.other,
        },
        "limits": {
            "msgmax": results.limits.msgmax,
            "mq_msgsize": results.limits.mq_msgsize,
        },
        "seconds": results.took.as_secs_f64(),
        // Each probe with the block it preceded: its placement, its size, and
        // the round (from 1, as the report counts).
        "probes": results.probes.iter().map(|p| json!({
            "at_s": p.at.as_secs_f64(),
            "placement": match p.placement {
                Placement::Cross => "cross",
                Placement::Same => "same",
            },
            "size": p.size,
            "round": p.round + 1,
            "median_ns": p.median_ns,
        })).collect::<Vec<_>>(),
        "cells": cells,
        "msg_forms": forms(&FORMS),
        "socket_forms": forms(&SOCKET_FORMS),
    })
}

/// The colours of the three sizes.
const COLOURS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
];

/// The chart: per mechanism (the safe API, the references, the crates), the
/// median round trip with a line to its p99, and the one-way throughput, for
/// each size, in the first placement (across cores where there are two
/// CPUs). Returns the SVG.
pub fn chart(results: &Results) -> Result<String, String> {
    let placement = results.cpus.placements()[0];
    let shown: Vec<Variant> = rows()
        .filter(|v| !matches!(v, Variant::Control))
        .filter(|v| match v {
            Variant::Pipe(c)
            | Variant::Fifo(c)
            | Variant::Stream(c)
            | Variant::SeqPacket(c)
            | Variant::Msg(c)
            | Variant::ShmSem(c)
            | Variant::PosixMq(c)
            | Variant::Pthread(c) => *c == Calls::Safe,
            _ => true,
        })
        .collect();
    let n = shown.len();
    let get = |variant, size| cell(results, variant, placement, size);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (960, 40 + 30 * n as u32 + 60))
                .into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let title = format!(
            "Median round trip (dot) and p99 (line end); one-way throughput — {}",
            placement_name(placement, results)
        );
        let root = root
            .titled(&title, ("sans-serif", 16))
            .map_err(|e| e.to_string())?;
        let (left, right) = root.split_horizontally(600);
        let y = |i: usize, size_index: usize| {
            (n - 1 - i) as f64 + 0.22 * (1.0 - size_index as f64)
        };
        let mut low = f64::INFINITY;
        let mut high: f64 = 1.0;
        for &v in &shown {
            for size in SIZES {
                if let Some(cell) =
                    get(v, size).filter(|c| !c.latency.is_empty())
                {
                    low = low.min(quantile(cell, 0.5) / 1000.0);
                    high = high.max(quantile(cell, 0.99) / 1000.0);
                }
            }
        }
        let low = if low.is_finite() { low / 2.0 } else { 0.1 };
        let names: Vec<String> =
            shown.iter().map(|&v| label(v).0.replace('`', "")).collect();
        let mut chart = ChartBuilder::on(&left)
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(250)
            .build_cartesian_2d(
                (low..high * 2.0).log_scale(),
                -0.5..(n as f64 - 0.5),
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .y_labels(n + 1)
            .y_label_formatter(&|value| {
                let i = value.round();
                if (value - i).abs() > 0.01 || i < 0.0 || i as usize >= n {
                    return String::new();
                }
                names[n - 1 - i as usize].clone()
            })
            .x_desc("round trip (us, log scale)")
            .x_label_formatter(&|x| format!("{x}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, &v) in shown.iter().enumerate() {
            for (j, size) in SIZES.into_iter().enumerate() {
                let Some(cell) = get(v, size).filter(|c| !c.latency.is_empty())
                else {
                    continue;
                };
                let median = quantile(cell, 0.5) / 1000.0;
                let p99 = quantile(cell, 0.99) / 1000.0;
                let at = y(i, j);
                chart
                    .draw_series([PathElement::new(
                        vec![(median, at), (p99, at)],
                        COLOURS[j].stroke_width(2),
                    )])
                    .map_err(|e| e.to_string())?;
                chart
                    .draw_series([Circle::new(
                        (median, at),
                        4,
                        COLOURS[j].filled(),
                    )])
                    .map_err(|e| e.to_string())?;
            }
        }
        for (j, size) in SIZES.into_iter().enumerate() {
            chart
                .draw_series([Circle::new(
                    (low, -10.0),
                    0,
                    COLOURS[j].filled(),
                )])
                .map_err(|e| e.to_string())?
                .label(size_name(size))
                .legend(move |(x, y)| {
                    Circle::new((x, y), 4, COLOURS[j].filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;

        let mut low = f64::INFINITY;
        let mut high: f64 = 1.0;
        for &v in &shown {
            for size in SIZES {
                if let Some(cell) = get(v, size).filter(|c| !c.rates.is_empty())
                {
                    low = low.min(throughput(cell) / 1e6);
                    high = high.max(throughput(cell) / 1e6);
                }
            }
        }
        let low = if low.is_finite() { low / 2.0 } else { 0.1 };
        let mut chart = ChartBuilder::on(&right)
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(4)
            .build_cartesian_2d(
                (low..high * 2.0).log_scale(),
                -0.5..(n as f64 - 0.5),
            )
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .y_labels(0)
            .x_labels(4)
            .x_desc("one way (MB/s, log scale)")
            .x_label_formatter(&|x| format!("{x}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, &v) in shown.iter().enumerate() {
            for (j, size) in SIZES.into_iter().enumerate() {
                let Some(cell) = get(v, size).filter(|c| !c.rates.is_empty())
                else {
                    continue;
                };
                let at = y(i, j);
                chart
                    .draw_series([Circle::new(
                        (throughput(cell) / 1e6, at),
                        4,
                        COLOURS[j].filled(),
                    )])
                    .map_err(|e| e.to_string())?;
            }
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}
