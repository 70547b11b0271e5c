//! The measurements and their order: every variant in short slices, taking
//! turns round after round, so that a machine drifting between fast and slow
//! phases slows all of them alike; a spinning-ring probe before each round
//! records the phase.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use harness::allocations::allocations_during;
use harness::cli::Failure;
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};

use crate::link::{self, Calls, Endpoint, Limits, Variant, BATCH};
use crate::peer::{self, Peer};

/// How much to measure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Rounds per size and placement; in each, every variant once.
    pub rounds: usize,
    /// The time one measurement (a slice) should take.
    pub slice: Duration,
    /// Round trips of the spinning ring in each probe.
    pub probe: usize,
    /// Rounds of the forms of the message queue and of the seqpacket
    /// socket (rounded up to whole sets of their orders).
    pub form_rounds: usize,
}

impl Plan {
    pub const FULL: Plan = Plan {
        rounds: 8,
        slice: Duration::from_millis(15),
        probe: 200,
        form_rounds: 8,
    };
    pub const QUICK: Plan = Plan {
        rounds: 3,
        slice: Duration::from_millis(2),
        probe: 50,
        form_rounds: 4,
    };
}

/// The message sizes: small, a page, and the largest.
pub const SIZES: [usize; 3] = [64, 4096, 64 * 1024];
/// The sizes of the message-queue forms: up to `msgmax`'s default.
pub const FORM_SIZES: [usize; 3] = [64, 4096, 8192];

/// Where the two processes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Placement {
    /// On two CPUs.
    Cross,
    /// Both on one CPU.
    Same,
}

impl Placement {
    /// How the report and the progress bar say it.
    pub fn words(self) -> &'static str {
        match self {
            Placement::Cross => "across cores",
            Placement::Same => "on one core",
        }
    }
}

/// The CPUs this process may use, in order (what `taskset` allowed).
pub fn allowed_cpus() -> Vec<usize> {
    let set = nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(0))
        .unwrap_or_else(|_| nix::sched::CpuSet::new());
    (0..nix::sched::CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect()
}

/// What the two processes are pinned to: the parent on `parent`, the
/// peers on `other` across cores (if there is another CPU), on `parent`
/// on one core.
#[derive(Clone, Copy, Debug)]
pub struct Cpus {
    pub parent: usize,
    pub other: Option<usize>,
}

impl Cpus {
    pub fn placements(&self) -> Vec<Placement> {
        match self.other {
            Some(_) => vec![Placement::Cross, Placement::Same],
            None => vec![Placement::Same],
        }
    }
}

/// One measured cell: a variant, a placement, a size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub variant: Variant,
    pub placement: Placement,
    pub size: usize,
}

/// What was measured in a cell.
pub struct Cell {
    /// Every round trip, in nanoseconds.
    pub latency: Histogram<u64>,
    /// The median round trip of each round's slice, in nanoseconds.
    pub medians: Vec<f64>,
    /// The throughput of each round's slice, in bytes per second.
    pub rates: Vec<f64>,
    /// Allocations in the timed loops of both processes, and messages.
    pub allocations: u64,
    pub messages: u64,
}

impl Cell {
    fn new() -> Cell {
        Cell {
            latency: Histogram::new_with_bounds(1, 60_000_000_000, 3)
                .expect("valid bounds"),
            medians: Vec::new(),
            rates: Vec::new(),
            allocations: 0,
            messages: 0,
        }
    }
}

/// A probe: when, before which round of which block (placement and size),
/// and the spinning ring's median round trip then.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    pub at: Duration,
    pub placement: Placement,
    pub size: usize,
    /// The round it preceded, from 0.
    pub round: usize,
    pub median_ns: f64,
}

/// Everything a run measured.
pub struct Results {
    pub plan: Plan,
    pub cpus: Cpus,
    pub limits: Limits,
    pub cells: HashMap<Key, Cell>,
    pub probes: Vec<Probe>,
    /// The forms of the message queue ([`FORMS`], at [`FORM_SIZES`]) and of
    /// the seqpacket socket ([`SOCKET_FORMS`], at [`SIZES`]), on one core.
    pub forms: HashMap<(Variant, usize), Cell>,
    pub took: Duration,
}

/// The groups measured side by side: a mechanism's safe API and raw calls,
/// and the levers beside their default.
pub const GROUPS: &[&[Variant]] = &[
    &[
        Variant::Pipe(Calls::Safe),
        Variant::Pipe(Calls::Raw),
        Variant::Control,
        Variant::PipeCapacity,
        Variant::PipeBatch,
    ],
    &[Variant::Fifo(Calls::Safe), Variant::Fifo(Calls::Raw)],
    &[
        Variant::Stream(Calls::Safe),
        Variant::Stream(Calls::Raw),
        Variant::StreamBuffer,
    ],
    &[
        Variant::SeqPacket(Calls::Safe),
        Variant::SeqPacket(Calls::Raw),
    ],
    &[Variant::Msg(Calls::Safe), Variant::Msg(Calls::Raw)],
    &[Variant::ShmSem(Calls::Safe), Variant::ShmSem(Calls::Raw)],
    &[Variant::PosixMq(Calls::Safe), Variant::PosixMq(Calls::Raw)],
    &[Variant::Pthread(Calls::Safe), Variant::Pthread(Calls::Raw)],
    &[Variant::FutexRing, Variant::PingPong],
    &[Variant::SpinRing],
    &[Variant::IpcChannel],
    &[Variant::Interprocess],
];

/// The ways of the message-queue forms, in the order of their table.
pub const FORMS: [Variant; 4] = [
    Variant::Msg(Calls::Raw),
    Variant::Msg(Calls::Safe),
    Variant::MsgCopy,
    Variant::MsgAlloc,
];

/// The orders of the four forms in successive rounds (a Williams square):
/// over four rounds each comes once in each position and follows each other
/// once.
const ORDERS: &[&[usize]] =
    &[&[0, 1, 3, 2], &[1, 2, 0, 3], &[2, 3, 1, 0], &[3, 0, 2, 1]];

/// The ways of the seqpacket socket's forms, in the order of their table:
/// raw `send` and `recv` of one struct, `send_buffer` and `receive_buffer`
/// (one `send`, one `recv`), `send` and `receive_into` (a `sendmsg` and a
/// `recvmsg` of two pieces).
pub const SOCKET_FORMS: [Variant; 3] = [
    Variant::SeqPacket(Calls::Raw),
    Variant::SeqPacket(Calls::Safe),
    Variant::SeqPacketGather,
];

/// The orders of three forms (two Williams squares, as an odd number needs):
/// over six rounds each comes twice in each position and follows each other
/// twice.
const ORDERS_OF_THREE: &[&[usize]] = &[
    &[0, 1, 2],
    &[1, 2, 0],
    &[2, 0, 1],
    &[0, 2, 1],
    &[1, 0, 2],
    &[2, 1, 0],
];

/// The rounds of forms measured in `orders`: the plan's, rounded up to whole
/// sets of the orders.
pub fn form_rounds(plan: &Plan, orders: &[&[usize]]) -> usize {
    plan.form_rounds.div_ceil(orders.len()) * orders.len()
}

/// The rounds of the socket forms.
pub fn socket_form_rounds(plan: &Plan) -> usize {
    form_rounds(plan, ORDERS_OF_THREE)
}

/// The sizes of [`FORM_SIZES`] that a message queue takes here (`msgmax`).
fn msg_form_sizes(limits: &Limits) -> Vec<usize> {
    FORM_SIZES
        .into_iter()
        .filter(|&size| size <= limits.msgmax)
        .collect()
}

/// The rounds of the message-queue forms.
pub fn msg_form_rounds(plan: &Plan) -> usize {
    form_rounds(plan, ORDERS)
}

/// Whether `variant` is measured by round trips.
pub fn has_latency(variant: Variant, placement: Placement) -> bool {
    let lever = matches!(
        variant,
        Variant::PipeCapacity | Variant::StreamBuffer | Variant::PipeBatch
    );
    let spins_on_one_core = variant.spins() && placement == Placement::Same;
    !(lever || spins_on_one_core)
}

/// Whether `variant` is measured by one-way throughput at `size`.
pub fn has_throughput(
    variant: Variant,
    placement: Placement,
    size: usize,
) -> bool {
    match variant {
        Variant::PingPong => false,
        Variant::PipeCapacity | Variant::StreamBuffer => size == SIZES[2],
        Variant::PipeBatch => size == SIZES[0],
        v => !(v.spins() && placement == Placement::Same),
    }
}

/// The parent's side of every variant.
struct Running {
    peer: Peer,
    endpoint: Box<dyn Endpoint>,
}

/// The next message's sequence number: every message of the run has its
/// own.
struct Seq(u64);

impl Seq {
    fn take(&mut self, count: u64) -> u64 {
        let first = self.0;
        self.0 += count;
        first
    }
}

/// Runs the whole plan.
pub fn measure(
    plan: Plan,
    cpus: Cpus,
    limits: Limits,
) -> Result<Results, Failure> {
    let start = Instant::now();
    peer::pin(nix::unistd::Pid::from_raw(0), cpus.parent)?;
    let mut running = HashMap::new();
    for variant in Variant::ALL {
        let kind = variant.peer();
        if let std::collections::hash_map::Entry::Vacant(entry) =
            running.entry(kind)
        {
            let (peer, endpoint) = Peer::start(kind, &limits)?;
            entry.insert(Running { peer, endpoint });
        }
    }
    let placements = cpus.placements();
    let slices = count_slices(&plan, &placements, &limits);
    let bar = ProgressBar::new(slices as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed:>4} [{bar:30}] {pos}/{len} {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let mut seq = Seq(0);
    let mut results = Results {
        plan,
        cpus,
        limits,
        cells: HashMap::new(),
        probes: Vec::new(),
        forms: HashMap::new(),
        took: Duration::ZERO,
    };
    for &placement in &placements {
        for (variant, run) in &running {
            let cpu = match (placement, cpus.other) {
                (Placement::Cross, Some(other)) => other,
                // The spinning peer never shares the parent's CPU.
                _ if variant.spins() => cpus.other.unwrap_or(cpus.parent),
                _ => cpus.parent,
            };
            run.peer.pin(cpu)?;
        }
        for size in SIZES {
            let block = Block {
                placement,
                size,
                cpus,
                limits: &limits,
            };
            block.run(
                &plan,
                &mut running,
                &mut seq,
                &mut results,
                &bar,
                start,
            )?;
        }
    }
    let mut forms = Forms {
        cpus: &cpus,
        running: &mut running,
        seq: &mut seq,
        results: &mut results,
        bar: &bar,
    };
    let sizes = msg_form_sizes(&forms.results.limits);
    forms.measure(&plan, &FORMS, &sizes, ORDERS)?;
    forms.measure(&plan, &SOCKET_FORMS, &SIZES, ORDERS_OF_THREE)?;
    bar.finish_and_clear();
    for (_, run) in running {
        run.peer.stop()?;
    }
    results.took = start.elapsed();
    Ok(results)
}

/// How many slices the plan makes, for the progress bar.
fn count_slices(
    plan: &Plan,
    placements: &[Placement],
    limits: &Limits,
) -> usize {
    let mut slices = 0;
    for &placement in placements {
        for size in SIZES {
            for variant in GROUPS.iter().flat_map(|g| g.iter().copied()) {
                if limits.refusal(variant, size).is_some() {
                    continue;
                }
                slices += usize::from(has_latency(variant, placement));
                slices += usize::from(has_throughput(variant, placement, size));
            }
        }
    }
    slices * plan.rounds
        + FORMS.len() * msg_form_sizes(limits).len() * msg_form_rounds(plan)
        + SOCKET_FORMS.len() * SIZES.len() * socket_form_rounds(plan)
}

/// The measurements of one size and placement.
struct Block<'a> {
    placement: Placement,
    size: usize,
    cpus: Cpus,
    limits: &'a Limits,
}

/// How many messages one slice of a variant sends: as many as take about
/// the plan's slice time, found by a short warm-up (whose numbers are not
/// kept).
#[derive(Default)]
struct Counts {
    latency: HashMap<Variant, u64>,
    throughput: HashMap<Variant, u64>,
}

impl Block<'_> {
    fn variants(&self) -> impl Iterator<Item = Variant> + '_ {
        GROUPS
            .iter()
            .flat_map(|g| g.iter().copied())
            .filter(|&v| self.limits.refusal(v, self.size).is_none())
    }

    fn run(
        &self,
        plan: &Plan,
        running: &mut HashMap<Variant, Running>,
        seq: &mut Seq,
        results: &mut Results,
        bar: &ProgressBar,
        start: Instant,
    ) -> Result<(), Failure> {
        let counts = self.calibrate(plan, running, seq)?;
        let mut groups: Vec<&[Variant]> = GROUPS.to_vec();
        for round in 0..plan.rounds {
            if self.cpus.other.is_some() {
                let probe = runner(running, Variant::SpinRing);
                let mut samples = Vec::with_capacity(plan.probe);
                let spin = Variant::SpinRing;
                let count = plan.probe as u64;
                latency(probe, spin, SIZES[0], count, seq, &mut samples)?;
                results.probes.push(Probe {
                    at: start.elapsed(),
                    placement: self.placement,
                    size: self.size,
                    round,
                    median_ns: median_ns(&mut samples),
                });
            }
            // ANCHOR: turns
            // Each group in turn, starting one further each round; in a
            // group, a mechanism's safe API and its raw calls one after the
            // other, the first of them first in even rounds and last in odd
            // ones, round trips in one order and throughput in the other.
            groups.rotate_left(1);
            for group in &groups {
                let mut members: Vec<Variant> = group
                    .iter()
                    .copied()
                    .filter(|&v| self.limits.refusal(v, self.size).is_none())
                    .collect();
                if round % 2 == 1 {
                    members.reverse();
                }
                for &variant in &members {
                    self.latency_slice(
                        variant, &counts, running, seq, results,
                    )?;
                }
                for &variant in members.iter().rev() {
                    self.throughput_slice(
                        variant, &counts, running, seq, results,
                    )?;
                }
            }
            // ANCHOR_END: turns
            bar.set_message(format!(
                "{}, {} bytes, round {} of {}",
                self.placement.words(),
                self.size,
                round + 1,
                plan.rounds
            ));
            let done: usize = self
                .variants()
                .map(|v| {
                    usize::from(has_latency(v, self.placement))
                        + usize::from(has_throughput(
                            v,
                            self.placement,
                            self.size,
                        ))
                })
                .sum();
            bar.inc(done as u64);
        }
        Ok(())
    }

    /// The counts for each variant, from warm-ups; a mechanism's safe API
    /// sends as many as its raw calls.
    fn calibrate(
        &self,
        plan: &Plan,
        running: &mut HashMap<Variant, Running>,
        seq: &mut Seq,
    ) -> Result<Counts, Failure> {
        let mut counts = Counts::default();
        let target = plan.slice.as_nanos() as f64;
        let mut samples = Vec::new();
        for variant in self.variants() {
            let run = runner(running, variant);
            if has_latency(variant, self.placement) {
                latency(run, variant, self.size, 20, seq, &mut samples)?;
                latency(run, variant, self.size, 20, seq, &mut samples)?;
                let each = median_ns(&mut samples).max(1.0);
                let count = (target / each).clamp(20.0, 200_000.0) as u64;
                counts.latency.insert(variant, count);
            }
            if has_throughput(variant, self.placement, self.size) {
                let warm = round_up(variant, 64);
                throughput(run, variant, self.size, warm, seq)?;
                let (took, _) = throughput(run, variant, self.size, warm, seq)?;
                let each = (took as f64 / warm as f64).max(1.0);
                let count = (target / each).clamp(64.0, 4_000_000.0) as u64;
                counts.throughput.insert(variant, round_up(variant, count));
            }
        }
        for (safe, raw) in pairs() {
            for map in [&mut counts.latency, &mut counts.throughput] {
                if let Some(&count) = map.get(&raw) {
                    map.insert(safe, count);
                }
            }
        }
        Ok(counts)
    }

    fn cell<'r>(
        &self,
        results: &'r mut Results,
        variant: Variant,
    ) -> &'r mut Cell {
        let key = Key {
            variant,
            placement: self.placement,
            size: self.size,
        };
        results.cells.entry(key).or_insert_with(Cell::new)
    }

    fn latency_slice(
        &self,
        variant: Variant,
        counts: &Counts,
        running: &mut HashMap<Variant, Running>,
        seq: &mut Seq,
        results: &mut Results,
    ) -> Result<(), Failure> {
        let Some(&count) = counts.latency.get(&variant) else {
            return Ok(());
        };
        let run = runner(running, variant);
        let mut samples = Vec::with_capacity(count as usize);
        let allocations =
            latency(run, variant, self.size, count, seq, &mut samples)?;
        let cell = self.cell(results, variant);
        for &ns in &samples {
            cell.latency.saturating_record(ns);
        }
        cell.medians.push(median_ns(&mut samples));
        cell.allocations += allocations;
        cell.messages += 2 * count;
        Ok(())
    }

    fn throughput_slice(
        &self,
        variant: Variant,
        counts: &Counts,
        running: &mut HashMap<Variant, Running>,
        seq: &mut Seq,
        results: &mut Results,
    ) -> Result<(), Failure> {
        let Some(&count) = counts.throughput.get(&variant) else {
            return Ok(());
        };
        let run = runner(running, variant);
        let (took, allocations) =
            throughput(run, variant, self.size, count, seq)?;
        let cell = self.cell(results, variant);
        cell.rates.push(
            (count * self.size as u64) as f64 / (took.max(1) as f64 / 1e9),
        );
        cell.allocations += allocations;
        cell.messages += count;
        Ok(())
    }
}

/// The processes and endpoint that `variant` uses: its mechanism's.
fn runner(
    running: &mut HashMap<Variant, Running>,
    variant: Variant,
) -> &mut Running {
    running
        .get_mut(&variant.peer())
        .expect("every mechanism has its peer")
}

/// The safe variants and their raw counterparts.
pub fn pairs() -> impl Iterator<Item = (Variant, Variant)> {
    Variant::ALL.into_iter().filter_map(|v| {
        let raw = match v {
            Variant::Pipe(Calls::Safe) => Variant::Pipe(Calls::Raw),
            Variant::Fifo(Calls::Safe) => Variant::Fifo(Calls::Raw),
            Variant::Stream(Calls::Safe) => Variant::Stream(Calls::Raw),
            Variant::SeqPacket(Calls::Safe) => Variant::SeqPacket(Calls::Raw),
            Variant::Msg(Calls::Safe) => Variant::Msg(Calls::Raw),
            Variant::ShmSem(Calls::Safe) => Variant::ShmSem(Calls::Raw),
            Variant::PosixMq(Calls::Safe) => Variant::PosixMq(Calls::Raw),
            Variant::Pthread(Calls::Safe) => Variant::Pthread(Calls::Raw),
            _ => return None,
        };
        Some((v, raw))
    })
}

/// A throughput count the variant can send: the batching lever sends whole
/// batches.
fn round_up(variant: Variant, count: u64) -> u64 {
    if variant == Variant::PipeBatch {
        count.div_ceil(BATCH as u64) * BATCH as u64
    } else {
        count
    }
}

// ANCHOR: latency
/// `count` round trips of `size` bytes: the parent sends each message and
/// waits for the reply; every round trip is timed, into `samples`
/// (nanoseconds). Returns the allocations both processes made meanwhile.
fn latency(
    run: &mut Running,
    way: Variant,
    size: usize,
    count: u64,
    seq: &mut Seq,
    samples: &mut Vec<u64>,
) -> Result<u64, Failure> {
    let first = seq.take(count);
    let role = way.role();
    run.peer
        .command(&format!("echo {role} {size} {count} {first}"))?;
    samples.clear();
    samples.reserve(count as usize);
    let endpoint = &mut run.endpoint;
    let (result, allocations) = allocations_during(|| {
        for seq in first..first + count {
            let start = Instant::now();
            endpoint.send(way, size, seq)?;
            endpoint.receive(way, size, link::reply(seq))?;
            samples.push(start.elapsed().as_nanos() as u64);
        }
        Ok::<(), Failure>(())
    });
    if let Err(err) = result {
        run.endpoint.abort();
        return Err(peer::within(way, "parent", err));
    }
    Ok(allocations + run.peer.done()?.allocations)
}
// ANCHOR_END: latency

// ANCHOR: throughput
/// `count` messages of `size` bytes one way, from the parent's first send to
/// the moment the peer has checked the last one (the peer's clock, which is
/// the same `CLOCK_MONOTONIC`). Returns the nanoseconds, and the allocations
/// both processes made meanwhile.
fn throughput(
    run: &mut Running,
    way: Variant,
    size: usize,
    count: u64,
    seq: &mut Seq,
) -> Result<(u64, u64), Failure> {
    let first = seq.take(count);
    let role = way.role();
    run.peer
        .command(&format!("sink {role} {size} {count} {first}"))?;
    let endpoint = &mut run.endpoint;
    let start = peer::now_ns();
    let (result, allocations) = allocations_during(|| {
        for seq in first..first + count {
            endpoint.send(way, size, seq)?;
        }
        Ok::<(), Failure>(())
    });
    if let Err(err) = result {
        run.endpoint.abort();
        return Err(peer::within(way, "parent", err));
    }
    let done = run.peer.done()?;
    let end = done.end.unwrap_or(start);
    Ok((end.saturating_sub(start), allocations + done.allocations))
}
// ANCHOR_END: throughput

/// The parent's side of the forms' measurements.
struct Forms<'a> {
    cpus: &'a Cpus,
    running: &'a mut HashMap<Variant, Running>,
    seq: &'a mut Seq,
    results: &'a mut Results,
    bar: &'a ProgressBar,
}

impl Forms<'_> {
    /// The forms `ways` of one mechanism (the raw calls first), round trips
    /// only, both processes on one CPU, at each of `sizes`: each round
    /// measures every way once, in the next of `orders`.
    fn measure(
        &mut self,
        plan: &Plan,
        ways: &[Variant],
        sizes: &[usize],
        orders: &[&[usize]],
    ) -> Result<(), Failure> {
        let running = &mut *self.running;
        let seq = &mut *self.seq;
        runner(running, ways[0]).peer.pin(self.cpus.parent)?;
        let target = plan.slice.as_nanos() as f64;
        let mut samples = Vec::new();
        for &size in sizes {
            let raw = runner(running, ways[0]);
            latency(raw, ways[0], size, 20, seq, &mut samples)?;
            latency(raw, ways[0], size, 20, seq, &mut samples)?;
            let each = median_ns(&mut samples).max(1.0);
            let count = (target / each).clamp(20.0, 200_000.0) as u64;
            for &variant in ways {
                let run = runner(running, variant);
                latency(run, variant, size, 20, seq, &mut samples)?;
            }
            for round in 0..form_rounds(plan, orders) {
                for &i in orders[round % orders.len()] {
                    let variant = ways[i];
                    let run = runner(running, variant);
                    let allocations =
                        latency(run, variant, size, count, seq, &mut samples)?;
                    let cell = self
                        .results
                        .forms
                        .entry((variant, size))
                        .or_insert_with(Cell::new);
                    for &ns in &samples {
                        cell.latency.saturating_record(ns);
                    }
                    cell.medians.push(median_ns(&mut samples));
                    cell.allocations += allocations;
                    cell.messages += 2 * count;
                    self.bar.inc(1);
                }
            }
        }
        Ok(())
    }
}

/// The median of `values` (the mean of the middle two for an even count);
/// 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    middle(&sorted, |&v| v)
}

/// The median of round trips in nanoseconds (sorts them).
pub fn median_ns(values: &mut [u64]) -> f64 {
    values.sort_unstable();
    middle(values, |&v| v as f64)
}

fn middle<T>(sorted: &[T], value: impl Fn(&T) -> f64) -> f64 {
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => value(&sorted[mid]),
        _ => (value(&sorted[mid - 1]) + value(&sorted[mid])) / 2.0,
    }
}
