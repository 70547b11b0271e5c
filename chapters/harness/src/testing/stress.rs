//! The program's side of `cargo xtask stress`: many runs, in sequence and at
//! once, each compared with the program's snapshot, and runs killed with
//! `SIGKILL` at random moments, each checked for what it left.
//!
//! [`crate::chapter_program!`] gives every program an ignored test named
//! `stress` that calls [`stress`]; `cargo xtask stress` runs these tests one
//! program at a time, with the numbers below in the environment, and checks
//! around each what no test can see from inside: the System V objects, POSIX
//! objects and temporary directories the machine holds before and after.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `APUE_IPC_STRESS_RUNS` | runs in sequence | 100 |
//! | `APUE_IPC_STRESS_PARALLEL` | copies at once | 8 |
//! | `APUE_IPC_STRESS_ROUNDS` | rounds of copies at once | 4 |
//! | `APUE_IPC_STRESS_KILLS` | runs killed with `SIGKILL` | 50 |
//! | `APUE_IPC_STRESS_BOUND_MS` | the time a run may take | 10000 |
//! | `APUE_IPC_STRESS_SEED` | seed of the kill delays | from the clock |
//! | `APUE_IPC_STRESS_REPORT` | file to append the report to (one JSON line) | none |
//!
//! A killed run is killed after a random delay between 0.2 and 5 ms: a
//! deliberate fault at a random point, the one place where this project waits
//! on a clock, since the point is *not* to synchronise. Every process a run
//! starts carries the variable `APUE_IPC_STRESS_RUN` with a value of its own,
//! so that a process left running after its program was killed (an orphaned
//! child) is found by its environment, reported, and then killed by its pid.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::{filter, transcript_of, Filters, Program, Running, Sandbox};

/// The numbers of a stress run, from the environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// Runs in sequence.
    pub runs: usize,
    /// Copies at once.
    pub parallel: usize,
    /// Rounds of `parallel` copies at once.
    pub rounds: usize,
    /// Runs killed with `SIGKILL`.
    pub kills: usize,
    /// The longest a run may take.
    pub bound: Duration,
    /// The seed of the kill delays.
    pub seed: u64,
}

impl Config {
    /// The configuration the environment gives (see the module's table).
    pub fn from_env() -> Config {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|value| value.parse().ok())
                .unwrap_or(default)
        };
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Config {
            runs: number("APUE_IPC_STRESS_RUNS", 100) as usize,
            parallel: number("APUE_IPC_STRESS_PARALLEL", 8) as usize,
            rounds: number("APUE_IPC_STRESS_ROUNDS", 4) as usize,
            kills: number("APUE_IPC_STRESS_KILLS", 50) as usize,
            bound: Duration::from_millis(number(
                "APUE_IPC_STRESS_BOUND_MS",
                10_000,
            )),
            seed: number("APUE_IPC_STRESS_SEED", clock),
        }
    }
}

/// What happened to one killed run.
#[derive(Debug, Default)]
pub struct Killed {
    /// Whether the program was still running when the signal came (a fast
    /// program is often done before).
    pub landed: bool,
    /// What it left: files in its sandbox, processes still running.
    pub left: Vec<String>,
}

/// What `cargo xtask stress` does with one program.
pub trait Stressed: Sync {
    /// One ordinary run: `Err` says how its output differs from the snapshot
    /// (or what it left behind).
    fn run(&self, config: &Config) -> Result<(), String>;

    /// One run killed with `SIGKILL` after `delay`; `None` if the program has
    /// no run that can be killed on its own.
    fn killed(&self, config: &Config, delay: Duration) -> Option<Killed>;
}

/// A program that runs on its own with fixed arguments, as the snapshot
/// shows: the forms `chapter_program!(NAME)` and `chapter_program!(NAME,
/// args: [...], filters: ...)`.
pub struct Alone {
    /// The program.
    pub program: Program,
    /// Its arguments.
    pub args: &'static [&'static str],
    /// The filters of its snapshot.
    pub filters: Filters,
}

impl Stressed for Alone {
    fn run(&self, config: &Config) -> Result<(), String> {
        let sandbox = Sandbox::new();
        let mut command = sandbox.command(self.program);
        command.args(self.args);
        let output = Running::spawn_within(
            self.program.name,
            &mut command,
            config.bound,
        )
        .try_finish()?;
        let transcript = filter(
            transcript_of(self.program.name, self.args, &output),
            &self.filters,
        );
        compare(self.program, self.program.name, &transcript)?;
        let left = sandbox.left_behind();
        if left.is_empty() {
            Ok(())
        } else {
            Err(left.join("; "))
        }
    }

    fn killed(&self, config: &Config, delay: Duration) -> Option<Killed> {
        let args: Vec<OsString> =
            self.args.iter().map(OsString::from).collect();
        Some(kill_run(self.program, &args, config, delay))
    }
}

/// A program whose output only makes sense beside another's (a server and
/// its clients): the form `chapter_program!(NAME, output_checked_by: PATH,
/// ...)`. A run is a call of the test function `checks`, which panics if the
/// output differs from the snapshots; a killed run kills the program started
/// with `alone` (its `stdout_args` or `kill_args`), if it has any.
pub struct Beside {
    /// The program.
    pub program: Program,
    /// The test function that runs it with its partners and checks the
    /// output.
    pub checks: fn(),
    /// Arguments with which it runs on its own, if any (`{tmp}` stands for
    /// the sandbox's `TMPDIR`).
    pub alone: Option<&'static [&'static str]>,
}

impl Stressed for Beside {
    fn run(&self, _config: &Config) -> Result<(), String> {
        std::panic::catch_unwind(self.checks).map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the check panicked".to_string())
        })
    }

    fn killed(&self, config: &Config, delay: Duration) -> Option<Killed> {
        let sandbox_args = self.alone?;
        let args: Vec<OsString> =
            sandbox_args.iter().map(OsString::from).collect();
        Some(kill_run(self.program, &args, config, delay))
    }
}

/// Compares `transcript` with the snapshot `NAME.snap` of `program`'s
/// chapter, as insta does (trailing whitespace aside).
pub fn compare(
    program: Program,
    name: &str,
    transcript: &str,
) -> Result<(), String> {
    let path = Path::new(program.snapshots).join(format!("{name}.snap"));
    let text = fs::read_to_string(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // The header: `---`, `source: ...`, `---`.
    let body: String = text.split_inclusive('\n').skip(3).collect();
    if body.trim_end() == transcript.trim_end() {
        Ok(())
    } else {
        Err(format!(
            "the output differs from {}:\n{transcript}",
            path.display()
        ))
    }
}

/// The value of `APUE_IPC_STRESS_RUN` for the next killed run.
fn next_marker() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

const MARKER: &str = "APUE_IPC_STRESS_RUN";

/// Starts `program` with `args` in a sandbox, kills it with `SIGKILL` after
/// `delay`, and reports whether the kill landed and what the run left: files
/// in the sandbox, and processes of the run still alive once its output is
/// closed (or after `config.bound`).
pub fn kill_run(
    program: Program,
    args: &[OsString],
    config: &Config,
    delay: Duration,
) -> Killed {
    let sandbox = Sandbox::new();
    let marker = next_marker();
    let args: Vec<OsString> = args
        .iter()
        .map(|arg| sandbox.expand(&arg.to_string_lossy()))
        .collect();
    let mut command = sandbox.command(program);
    command.args(&args).env(MARKER, &marker);
    let running =
        Running::spawn_within(program.name, &mut command, config.bound);
    let pid = Pid::from_raw(running.pid() as i32);
    // The fault: a random moment, on purpose (see the module's comment).
    thread::sleep(delay);
    let _ = kill(pid, Signal::SIGKILL);
    let mut killed = Killed::default();
    match running.try_finish() {
        Ok(output) => {
            killed.landed = output.status.signal() == Some(libc::SIGKILL);
        }
        Err(late) => killed.left.push(late),
    }
    for (pid, command) in processes_marked(&marker) {
        killed
            .left
            .push(format!("process {pid} ({command}) still running"));
        // A descendant of the run: ours to end, by its pid.
        let _ = kill(pid, Signal::SIGKILL);
    }
    killed.left.extend(sandbox.left_behind());
    killed
}

/// The processes whose environment holds `APUE_IPC_STRESS_RUN=marker`.
fn processes_marked(marker: &str) -> Vec<(Pid, String)> {
    let wanted = format!("{MARKER}={marker}");
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let environ = fs::read(entry.path().join("environ")).ok()?;
            let marked = environ
                .split(|&byte| byte == 0)
                .any(|var| var == wanted.as_bytes());
            let command = fs::read_to_string(entry.path().join("comm"))
                .unwrap_or_default();
            marked.then(|| (Pid::from_raw(pid), command.trim().to_string()))
        })
        .collect()
}

/// The tallies of one program's stress.
#[derive(Debug, Default)]
struct Tally {
    runs: usize,
    mismatches: usize,
    slow: usize,
    slowest: Duration,
    first_problem: Option<String>,
    kills: usize,
    landed: usize,
    left: Vec<String>,
}

impl Tally {
    fn record(
        &mut self,
        took: Duration,
        outcome: Result<(), String>,
        bound: Duration,
    ) {
        self.runs += 1;
        self.slowest = self.slowest.max(took);
        if took > bound {
            self.slow += 1;
        }
        if let Err(problem) = outcome {
            self.mismatches += 1;
            self.first_problem.get_or_insert(problem);
        }
    }
}

/// A small generator for the kill delays (xorshift64*): reproducible from the
/// seed the report names.
struct Delays(u64);

impl Delays {
    fn next(&mut self) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let random = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        // 200 to 5000 microseconds
        Duration::from_micros(200 + random % 4801)
    }
}

/// Runs the schedule of [`Config`] on `stressed`, prints progress and a
/// summary on standard error, appends the report to
/// `$APUE_IPC_STRESS_REPORT`, and panics if any run differed from the
/// snapshot, left something behind, or took longer than the bound.
pub fn stress(program: Program, stressed: &dyn Stressed) {
    let config = Config::from_env();
    let name = program.name;
    let tally = Mutex::new(Tally::default());
    let progress = |phase: &str, done: usize, of: usize| {
        if of > 0 && (done == of || done.is_multiple_of(25)) {
            eprintln!("stress {name}: {phase} {done}/{of}");
        }
    };
    for done in 1..=config.runs {
        let started = Instant::now();
        let outcome = stressed.run(&config);
        lock(&tally).record(started.elapsed(), outcome, config.bound);
        progress("in sequence", done, config.runs);
    }
    for round in 1..=config.rounds {
        thread::scope(|scope| {
            for _ in 0..config.parallel {
                scope.spawn(|| {
                    let started = Instant::now();
                    let outcome = stressed.run(&config);
                    lock(&tally).record(
                        started.elapsed(),
                        outcome,
                        config.bound,
                    );
                });
            }
        });
        progress(
            &format!("{} at once, round", config.parallel),
            round,
            config.rounds,
        );
    }
    let mut delays = Delays(config.seed | 1);
    for done in 1..=config.kills {
        let Some(killed) = stressed.killed(&config, delays.next()) else {
            break;
        };
        let mut tally = lock(&tally);
        tally.kills += 1;
        tally.landed += usize::from(killed.landed);
        tally.left.extend(killed.left);
        drop(tally);
        progress("killed", done, config.kills);
    }
    let tally = tally.into_inner().unwrap_or_else(|e| e.into_inner());
    let report = format!(
        "{{\"program\":{},\"runs\":{},\"mismatches\":{},\"slow\":{},\
         \"slowest_ms\":{:.1},\"kills\":{},\"landed\":{},\"left\":[{}],\
         \"first_problem\":{},\"seed\":{},\"bound_ms\":{}}}",
        json(name),
        tally.runs,
        tally.mismatches,
        tally.slow,
        tally.slowest.as_secs_f64() * 1000.0,
        tally.kills,
        tally.landed,
        tally
            .left
            .iter()
            .map(|l| json(l))
            .collect::<Vec<_>>()
            .join(","),
        tally
            .first_problem
            .as_deref()
            .map_or("null".to_string(), json),
        config.seed,
        config.bound.as_millis(),
    );
    if let Some(path) = std::env::var_os("APUE_IPC_STRESS_REPORT") {
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .expect("the report file opens");
        writeln!(file, "{report}").expect("the report is written");
    }
    eprintln!("stress {name}: {report}");
    assert!(
        tally.mismatches == 0 && tally.slow == 0 && tally.left.is_empty(),
        "stress {name} failed: {report}"
    );
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// `text` as a JSON string.
fn json(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_in_the_range_and_vary() {
        let mut delays = Delays(42);
        let all: Vec<Duration> = (0..1000).map(|_| delays.next()).collect();
        assert!(all.iter().all(|d| *d >= Duration::from_micros(200)
            && *d <= Duration::from_micros(5000)));
        let distinct: std::collections::BTreeSet<_> = all.iter().collect();
        assert!(distinct.len() > 700, "{} distinct", distinct.len());
        assert!(all.iter().min() < Some(&Duration::from_micros(300)));
        assert!(all.iter().max() > Some(&Duration::from_micros(4900)));
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }
}
