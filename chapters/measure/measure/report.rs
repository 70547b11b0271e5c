//! What a run found, written out: the machine, Markdown tables (printed, and
//! by `--write` the file the book includes), the JSON of `--json`, and the
//! chart the book shows (SVG).

use std::fmt::Write as _;

use plotters::prelude::*;
use serde_json::{json, Value};

use crate::link::{Calls, Variant};
use crate::run::{
    self, Cell, Key, Placement, Results, FORMS, FORM_SIZES, SIZES,
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

/// The median over the rounds of `values[i] / base[i]`: each round's value
/// against its baseline's in the same round.
fn ratio(values: &[f64], base: &[f64]) -> Option<f64> {
    let ratios: Vec<f64> = values
        .iter()
        .zip(base)
        .filter(|(_, b)| **b > 0.0)
        .map(|(v, b)| v / b)
        .collect();
    (!ratios.is_empty()).then(|| run::median(&ratios))
}

/// The ratios of a cell to its baseline: round trip, throughput.
pub fn ratios(results: &Results, key: &Key) -> (Option<f64>, Option<f64>) {
    let Some(base) = baseline(key.variant) else {
        return (None, None);
    };
    let base_key = Key {
        variant: base,
        ..key.clone()
    };
    match (results.cells.get(key), results.cells.get(&base_key)) {
        (Some(cell), Some(base)) => (
            ratio(&cell.medians, &base.medians),
            ratio(&cell.rates, &base.rates),
        ),
        _ => (None, None),
    }
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
                    let mut median = time(quantile(cell, 0.5));
                    if let (Some(r), _) = ratios(results, &key) {
                        let _ = write!(median, " ×{r:.2}");
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
                    if let (_, Some(r)) = ratios(results, &key) {
                        let _ = write!(value, " ×{r:.2}");
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
            let (_, r) = ratios(results, &key);
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} | ×{:.2} |",
                label(variant).0,
                size_name(size),
                rate(throughput(base)),
                rate(throughput(cell)),
                r.unwrap_or(f64::NAN)
            );
        }
    }
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

/// The spread of the ratios of the safe API to the raw calls, beside the
/// control's, the futex target, and the allocations.
fn summary(text: &mut String, results: &Results) {
    let _ = writeln!(
        text,
        "\n#### The safe API against the raw calls\n\n\
         | | round trips: `apue_ipc` / raw (the target: 1.05 at most) \
         | throughput: `apue_ipc` / raw (the target: 0.95 at least) |\n\
         |---|---|---|"
    );
    for placement in results.cpus.placements() {
        let spread = |variants: &dyn Fn(Variant) -> bool, latency: bool| {
            let values: Vec<f64> = results
                .cells
                .keys()
                .filter(|key| {
                    key.placement == placement && variants(key.variant)
                })
                .filter_map(|key| {
                    let (l, t) = ratios(results, key);
                    if latency {
                        l
                    } else {
                        t
                    }
                })
                .collect();
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            let high = values.iter().copied().fold(0.0, f64::max);
            if values.is_empty() {
                "n/a".to_string()
            } else {
                format!("×{low:.2} to ×{high:.2}")
            }
        };
        let safe = |v: Variant| run::pairs().any(|(s, _)| s == v);
        let control = |v: Variant| v == Variant::Control;
        let _ = writeln!(
            text,
            "| {} | {} (the control: {}) | {} (the control: {}) |",
            match placement {
                Placement::Cross => "across cores",
                Placement::Same => "on one core",
            },
            spread(&safe, true),
            spread(&control, true),
            spread(&safe, false),
            spread(&control, false),
        );
    }
    text.push('\n');
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
                match placement {
                    Placement::Cross => "across cores",
                    Placement::Same => "on one core",
                },
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
    let mut text = format!(
        "#### System V message queues: the forms of the safe API\n\n\
         Round trips {}, {} rounds, the four ways in turn.\n\n",
        placement_name(Placement::Same, results),
        results.plan.form_rounds
    );
    text.push_str(
        "| size | raw calls | `send_buffer`, `receive_into` | ratio \
         | `send`, `receive_into` | ratio | `send`, `receive` | ratio |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for size in FORM_SIZES {
        let Some(raw) = results.forms.get(&(FORMS[0], size)) else {
            continue;
        };
        let _ = write!(
            text,
            "| {} | {} |",
            size_name(size),
            time(quantile(raw, 0.5))
        );
        for variant in &FORMS[1..] {
            match results.forms.get(&(*variant, size)) {
                Some(cell) => {
                    let _ = write!(
                        text,
                        " {} | ×{:.2} |",
                        time(quantile(cell, 0.5)),
                        ratio(&cell.medians, &raw.medians).unwrap_or(f64::NAN)
                    );
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
            let (l, t) = ratios(results, key);
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
    let mut forms: Vec<_> = results.forms.iter().collect();
    forms.sort_by_key(|((v, size), _)| {
        (FORMS.iter().position(|f| f == v), *size)
    });
    let forms: Vec<Value> = forms
        .into_iter()
        .map(|((variant, size), cell)| {
            let mut value = cell_json(*variant, cell);
            value["size"] = json!(size);
            value["placement"] = json!("same");
            value
        })
        .collect();
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
            "form_rounds": results.plan.form_rounds,
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
        "probes": results.probes.iter().map(|p| json!({
            "at_s": p.at.as_secs_f64(),
            "median_ns": p.median_ns,
        })).collect::<Vec<_>>(),
        "cells": cells,
        "msg_forms": forms,
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
