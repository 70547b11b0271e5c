//! measure: what the library's safe API costs over the raw system calls.
//!
//! Demonstrates what `apue_ipc` adds to a message: two processes bounce
//! messages of 64 bytes, 4 KiB and 8 KiB over one System V queue, four ways:
//! raw `msgsnd`/`msgrcv` on `struct msgbuf`s (`apue_ipc::msg::raw`, what a C
//! program does), and the safe API's three forms: `send_buffer` with
//! `receive_into` (no copy), `send` with `receive_into` (one copy per send),
//! and `send` with `receive` (which allocates each message it returns). The
//! four take turns in short rounds, in the orders of a Williams square, so
//! that a machine drifting between fast and slow phases slows all alike. It
//! prints, per size and way, the median over the rounds of the mean round
//! trip, and the median of its ratios to the raw round of the same turn.
//!
//! Run it with `cargo run --release --bin measure` (about ten seconds);
//! `--quick` runs a short version, and `--write` also writes the table to
//! `chapters/measure/results/msg.md`, the file the book shows. Pinning both
//! processes to one CPU (`taskset -c 1 cargo run ...`) steadies the numbers on
//! a busy machine. Expected output (the numbers are the machine's):
//!
//!     Message queue round trips between two processes, 32 rounds of 1000
//!     round trips per size and way of calling, the four ways in turn, on 2 CPUs.
//!
//!     | size | raw calls | `send_buffer`, `receive_into` | ratio | ...
//!     |---:|---:|---:|---:|---:|---:|---:|---:|
//!     | 64 B | 5.4 us | 5.4 us | 1.00 | 5.5 us | 1.01 | 5.7 us | 1.05 |
//!     ...

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use apue_ipc::msg::{raw, MessageBuffer, MessageQueue, Select};
use apue_ipc::Error;
use harness::cli::{self, Args, Failure};
use libc::c_int;
use nix::errno::Errno;

const HELP: &str = "\
Usage: measure [--quick] [--write]

Measures message-queue round trips between two processes through raw
msgsnd/msgrcv and through the three forms of apue_ipc's safe API, taking turns
in short rounds, for messages of 64 B, 4 KiB and 8 KiB, and prints a Markdown
table with each form's ratio to the raw calls. Build it with --release: the
numbers of a debug build are not the library's.

  --quick      a short run (4 rounds of 200 round trips), to check it works
  --write      also write the table to chapters/measure/results/msg.md
  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
";

/// The message sizes measured: small, a page, and the largest message Linux
/// takes by default (msgmax).
const SIZES: [usize; 3] = [64, 4096, 8192];
/// The largest of them, the size of the raw buffers.
const MAX: usize = 8192;

/// Message types: the parent's instructions to the echo, and the two
/// directions of a round trip.
const CONTROL: i64 = 1;
const PING: i64 = 2;
const PONG: i64 = 3;

/// Where `--write` puts the table that the book includes.
const RESULTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/results/msg.md");

fn main() -> ExitCode {
    cli::run("measure", HELP, |mut args| {
        let quick = args.take_flag("--quick");
        let write = args.take_flag("--write");
        match args.next_arg()?.as_deref() {
            None => parent(quick, write),
            // The echo: this program started again by the parent.
            Some("child") if !quick && !write => child(args),
            Some(other) => {
                Err(Failure::Usage(format!("unexpected argument '{other}'")))
            }
        }
    })
}

/// The ways of making the same round trip: raw calls, and the safe API's
/// three forms, from the cheapest to the most convenient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Api {
    /// `raw::msgsnd` and `raw::msgrcv` on `struct msgbuf`s, as in C.
    Raw,
    /// `send_buffer` and `receive_into`: no copy but the kernel's.
    Buffer,
    /// `send` of the caller's bytes (one copy) and `receive_into`.
    Bytes,
    /// `send` and `receive`, which allocates each message it returns.
    Message,
}

impl Api {
    const ALL: [Api; 4] = [Api::Raw, Api::Buffer, Api::Bytes, Api::Message];

    fn name(self) -> &'static str {
        match self {
            Api::Raw => "raw",
            Api::Buffer => "buffer",
            Api::Bytes => "bytes",
            Api::Message => "message",
        }
    }

    fn parse(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// The orders of the four ways in successive rounds (a Williams square).
const ORDERS: [[usize; 4]; 4] =
    [[0, 1, 3, 2], [1, 2, 0, 3], [2, 3, 1, 0], [3, 0, 2, 1]];

/// How much to measure: `rounds` is a multiple of 4, so that every order of
/// [`ORDERS`] comes as often.
struct Plan {
    rounds: usize,
    per_round: usize,
}

/// One size's result, per API: the median of the rounds' mean round trips,
/// and the median of the ratios to the raw round of the same rotation.
struct Row {
    size: usize,
    times: [Duration; 4],
    ratios: [f64; 4],
}

fn parent(quick: bool, write: bool) -> Result<(), Failure> {
    let plan = if quick {
        Plan {
            rounds: 4,
            per_round: 200,
        }
    } else {
        Plan {
            rounds: 32,
            per_round: 1000,
        }
    };
    let queue = MessageQueue::new()?; // removed on drop, which ends the echo
    let echo = cli::spawn(
        cli::child_command("child")?.arg(queue.id().raw().to_string()),
        "echo",
    )?;
    let mut buffers = Buffers::new(&queue)?;
    let mut rows = Vec::new();
    for size in SIZES {
        // Warm-up, not counted: first pages touched, both processes awake.
        for api in Api::ALL {
            round(&queue, &mut buffers, api, size, plan.per_round / 4)?;
        }
        let mut times: [Vec<Duration>; 4] = Default::default();
        let mut ratios: [Vec<f64>; 4] = Default::default();
        for r in 0..plan.rounds {
            // ANCHOR: turns
            // Each way in turn, in the orders of a Williams square: over four
            // rounds each comes once in each position and follows each other
            // once, so that neither the position nor the way measured just
            // before favours any of them.
            let mut means = [Duration::ZERO; 4];
            for i in ORDERS[r % ORDERS.len()] {
                means[i] = round(
                    &queue,
                    &mut buffers,
                    Api::ALL[i],
                    size,
                    plan.per_round,
                )?;
            }
            // ANCHOR_END: turns
            for i in 0..Api::ALL.len() {
                times[i].push(means[i]);
                ratios[i].push(means[i].as_secs_f64() / means[0].as_secs_f64());
            }
        }
        rows.push(Row {
            size,
            times: times.each_mut().map(|t| median(t)),
            ratios: ratios.each_mut().map(|r| median(r)),
        });
    }
    queue.send(CONTROL, b"stop")?;
    cli::wait_success(echo, "echo")?;

    let table = table(&plan, &rows);
    print!("{table}");
    if write {
        let machine = machine();
        std::fs::write(RESULTS, format!("{table}\n{machine}\n"))
            .map_err(|e| Error::from_io("write", RESULTS, e))?;
    }
    Ok(())
}

/// The parent's buffers, filled once with the same payload: the safe API's,
/// and the raw calls' `struct msgbuf`s.
struct Buffers {
    payload: Vec<u8>,
    safe_out: MessageBuffer,
    safe_in: MessageBuffer,
    raw_out: Box<raw::MsgBuf<MAX>>,
    raw_in: Box<raw::MsgBuf<MAX>>,
}

impl Buffers {
    fn new(queue: &MessageQueue) -> Result<Buffers, Error> {
        let payload: Vec<u8> = (0..MAX).map(|i| (i % 251) as u8).collect();
        let mut raw_out =
            Box::new(raw::MsgBuf::<MAX>::new(PING as libc::c_long));
        raw_out.mtext.copy_from_slice(&payload);
        Ok(Buffers {
            safe_out: queue.message_buffer()?,
            safe_in: queue.message_buffer()?,
            payload,
            raw_out,
            raw_in: Box::new(raw::MsgBuf::new(0)),
        })
    }
}

/// Tells the echo what comes, then times `count` round trips of `size` bytes
/// through `api`, and returns the mean round trip. Every reply's length and
/// last byte are checked, the same way for both.
fn round(
    queue: &MessageQueue,
    buffers: &mut Buffers,
    api: Api,
    size: usize,
    count: usize,
) -> Result<Duration, Failure> {
    let order = format!("{} {size} {count}", api.name());
    queue.send(CONTROL, order.as_bytes())?;
    let id = queue.id().raw();
    let last = buffers.payload[size - 1];
    buffers.safe_out.set(PING, &buffers.payload[..size])?;
    // ANCHOR: ways
    let start = Instant::now();
    for _ in 0..count {
        let (len, tail) = match api {
            Api::Raw => {
                if raw::msgsnd(id, &buffers.raw_out, size, 0) == -1 {
                    return Err(os("msgsnd", id));
                }
                let got = raw::msgrcv(
                    id,
                    &mut buffers.raw_in,
                    PONG as libc::c_long,
                    0,
                );
                let len = usize::try_from(got).map_err(|_| os("msgrcv", id))?;
                (len, buffers.raw_in.mtext[len - 1])
            }
            Api::Buffer => {
                queue.send_buffer(&buffers.safe_out)?;
                let got = queue
                    .receive_into(Select::Type(PONG), &mut buffers.safe_in)?;
                (got.len, buffers.safe_in.data()[got.len - 1])
            }
            Api::Bytes => {
                queue.send(PING, &buffers.payload[..size])?;
                let got = queue
                    .receive_into(Select::Type(PONG), &mut buffers.safe_in)?;
                (got.len, buffers.safe_in.data()[got.len - 1])
            }
            Api::Message => {
                queue.send(PING, &buffers.payload[..size])?;
                let message = queue.receive(Select::Type(PONG), MAX)?;
                (message.data.len(), message.data[message.data.len() - 1])
            }
        };
        if len != size || tail != last {
            let what = format!("a reply of {len} bytes ending in {tail}");
            return Err(Failure::Runtime(what.into()));
        }
    }
    Ok(start.elapsed() / count as u32)
    // ANCHOR_END: ways
}

/// The error of a raw call that returned -1.
fn os(call: &'static str, id: c_int) -> Failure {
    Error::os(call, format!("id={id}"), Errno::last()).into()
}

/// The other process: sends every PING back as a PONG, with the API the
/// parent names before each round, until it says stop.
fn child(mut args: Args) -> Result<(), Failure> {
    let id: c_int = args
        .next_arg()?
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| Failure::Usage("child: a queue id is needed".into()))?;
    args.finish()?;
    let queue = MessageQueue::attach(id)?;
    let result = echo(&queue);
    if result.is_err() {
        // The parent waits for replies: removing the queue wakes it (EIDRM).
        let _ = queue.id().remove();
    }
    result
}

fn echo(queue: &MessageQueue) -> Result<(), Failure> {
    let id = queue.id().raw();
    let mut control = MessageBuffer::new(64)?;
    let mut safe = queue.message_buffer()?;
    let mut raw_buffer = Box::new(raw::MsgBuf::<MAX>::new(0));
    loop {
        queue.receive_into(Select::Type(CONTROL), &mut control)?;
        let order = String::from_utf8_lossy(control.data()).into_owned();
        if order == "stop" {
            return Ok(());
        }
        let mut words = order.split(' ');
        let (Some(api), Some(_size), Some(count)) = (
            words.next().and_then(Api::parse),
            words.next(),
            words.next().and_then(|c| c.parse::<usize>().ok()),
        ) else {
            return Err(Failure::Runtime(
                format!("bad order '{order}'").into(),
            ));
        };
        for _ in 0..count {
            match api {
                Api::Raw => {
                    let got = raw::msgrcv(
                        id,
                        &mut raw_buffer,
                        PING as libc::c_long,
                        0,
                    );
                    let len =
                        usize::try_from(got).map_err(|_| os("msgrcv", id))?;
                    raw_buffer.mtype = PONG as libc::c_long;
                    if raw::msgsnd(id, &raw_buffer, len, 0) == -1 {
                        return Err(os("msgsnd", id));
                    }
                }
                Api::Buffer => {
                    queue.receive_into(Select::Type(PING), &mut safe)?;
                    safe.set_mtype(PONG)?;
                    queue.send_buffer(&safe)?;
                }
                Api::Bytes => {
                    queue.receive_into(Select::Type(PING), &mut safe)?;
                    queue.send(PONG, safe.data())?;
                }
                Api::Message => {
                    let message = queue.receive(Select::Type(PING), MAX)?;
                    queue.send(PONG, &message.data)?;
                }
            }
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median<T: Copy + PartialOrd + Median>(values: &mut [T]) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        T::mean(values[mid - 1], values[mid])
    }
}

trait Median {
    fn mean(a: Self, b: Self) -> Self;
}

impl Median for Duration {
    fn mean(a: Self, b: Self) -> Self {
        (a + b) / 2
    }
}

impl Median for f64 {
    fn mean(a: Self, b: Self) -> Self {
        (a + b) / 2.0
    }
}

/// The results as Markdown: a sentence that says what was measured, the table,
/// and how to read it.
fn table(plan: &Plan, rows: &[Row]) -> String {
    let mut text = format!(
        "Message queue round trips between two processes, {} rounds of {} round \
         trips per size and way of calling, the four ways in turn, on {}.\n\n",
        plan.rounds,
        plan.per_round,
        cpus()
    );
    text.push_str(
        "| size | raw calls | `send_buffer`, `receive_into` | ratio \
         | `send`, `receive_into` | ratio | `send`, `receive` | ratio |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let _ = write!(
            text,
            "| {} | {:.1} us |",
            size_name(row.size),
            micros(row.times[0])
        );
        for i in 1..Api::ALL.len() {
            let _ = write!(
                text,
                " {:.1} us | {:.2} |",
                micros(row.times[i]),
                row.ratios[i]
            );
        }
        text.push('\n');
    }
    text.push_str(
        "\nTimes: the median over the rounds of the mean round trip. Ratios: the \
         median over the rounds of the time of that way over the time of the raw \
         calls in the same turn.\n",
    );
    text
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn size_name(size: usize) -> String {
    if size.is_multiple_of(1024) {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// The CPUs the two processes may run on (`taskset` restricts them).
fn cpus() -> String {
    match std::thread::available_parallelism().map_or(0, |n| n.get()) {
        1 => "1 CPU".to_string(),
        n => format!("{n} CPUs"),
    }
}

/// The machine the numbers come from: CPU model, CPUs, kernel.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split(':').nth(1))
        .map_or("unknown CPU".to_string(), |m| m.trim().to_string());
    let online =
        nix::unistd::sysconf(nix::unistd::SysconfVar::_NPROCESSORS_ONLN)
            .ok()
            .flatten()
            .unwrap_or(0);
    let kernel = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("Measured on {model} ({online} CPUs online), Linux {kernel}.")
}
