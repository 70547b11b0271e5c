//! `cargo xtask stress`: every chapter program run many times, in sequence and
//! several at once, each output compared with its snapshot, and runs killed
//! with `SIGKILL` at random moments; then what the kills left is compared with
//! what the book says a `SIGKILL` can leave, and removed with `ipcrm_mine`.
//!
//! The runs themselves are the ignored `stress` test that
//! `harness::chapter_program!` gives every program (see
//! `chapters/harness/src/testing/stress.rs`): the same filters, the same
//! snapshots and the same deadlines as the tests. This file runs those tests,
//! one program at a time, and does what they cannot see from inside: it lists
//! the machine's System V objects, POSIX shared memory objects and message
//! queues, and temporary directories before and after each program, and reads
//! the book.
//!
//! As root, with `unshare` available, it first moves into a new IPC namespace
//! and a private mount namespace with a fresh `/dev/shm`, `TMPDIR` and a
//! `mqueue` file system of its own, so that other processes on the machine
//! (another build, another user's tests) cannot pass for leftovers; `--shared`
//! turns that off.

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::posix_objects::names_in;
use crate::root;

pub const HELP: &str = "\
Usage: cargo xtask stress [OPTIONS]

Runs every chapter program RUNS times in sequence, PARALLEL copies at once for
ROUNDS rounds, and KILLS times killed with SIGKILL after a random delay of 0.2
to 5 ms. Every output is compared with the program's snapshot (the tests'
filters); every run must end within BOUND ms and leave no file in its private
directories and no process behind. What the killed runs leave (System V
objects, POSIX objects, temporary directories) must be what the book's \"What a
SIGKILL leaves behind\" table allows, and `ipcrm_mine --remove` must remove it.
Then every demonstration and exercise runs with a standard output that is full,
a pipe nobody reads, and closed: each must end as a program does (one line and
exit code 1, or SIGPIPE), within 60 s, leaving nothing (not with --only).

Options:
  --runs=N       runs in sequence (default 100)
  --parallel=N   copies at once (default 8)
  --rounds=N     rounds of copies at once (default 4)
  --kills=N      runs killed with SIGKILL (default 50)
  --bound-ms=N   the longest a run may take (default 10000)
  --seed=N       seed of the kill delays (default: from the clock)
  --short        10 runs, 4 at once for 2 rounds, 10 kills: what CI runs
  --only=NAME    only this program (may be given more than once)
  --shared       do not move into private IPC and mount namespaces as root
";

/// The options of one stress run.
#[derive(Clone, Debug)]
struct Options {
    runs: u64,
    parallel: u64,
    rounds: u64,
    kills: u64,
    bound_ms: u64,
    seed: Option<u64>,
    only: Vec<String>,
    shared: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        runs: 100,
        parallel: 8,
        rounds: 4,
        kills: 50,
        bound_ms: 10_000,
        seed: None,
        only: Vec::new(),
        shared: false,
    };
    for arg in args {
        let number = |value: &str| {
            value
                .parse::<u64>()
                .map_err(|_| format!("{arg}: not a number"))
        };
        match arg.split_once('=') {
            Some(("--runs", v)) => options.runs = number(v)?,
            Some(("--parallel", v)) => options.parallel = number(v)?.max(1),
            Some(("--rounds", v)) => options.rounds = number(v)?,
            Some(("--kills", v)) => options.kills = number(v)?,
            Some(("--bound-ms", v)) => options.bound_ms = number(v)?.max(1),
            Some(("--seed", v)) => options.seed = Some(number(v)?),
            Some(("--only", v)) => options.only.push(v.to_string()),
            None if arg == "--short" => {
                options.runs = 10;
                options.parallel = 4;
                options.rounds = 2;
                options.kills = 10;
            }
            None if arg == "--shared" => options.shared = true,
            _ => return Err(format!("unknown option '{arg}'\n\n{HELP}")),
        }
    }
    Ok(options)
}

/// The variable that tells a copy of xtask it already runs in the private
/// namespaces, and where its mqueue file system is.
const ISOLATED: &str = "APUE_IPC_STRESS_MQUEUE";

pub fn stress(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    if !options.shared && env::var_os(ISOLATED).is_none() && can_isolate() {
        return isolated(args);
    }
    if let Some(mqueue) = env::var_os(ISOLATED) {
        prepare_namespace(Path::new(&mqueue))?;
    }
    run(&options)
}

/// Whether this process may create namespaces: root, with `unshare`.
fn can_isolate() -> bool {
    let root = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|ids| ids.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    root && Command::new("unshare")
        .args(["--ipc", "--mount", "--propagation", "private", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs this same command again inside new IPC and mount namespaces.
fn isolated(args: &[String]) -> Result<(), String> {
    let mqueue = root().join("target/stress/mqueue");
    fs::create_dir_all(&mqueue)
        .map_err(|e| format!("{}: {e}", mqueue.display()))?;
    eprintln!(
        "xtask: running in a new IPC namespace and a private mount namespace \
         (fresh /dev/shm, TMPDIR and mqueue); --shared to run without"
    );
    let exe = env::current_exe().map_err(|e| e.to_string())?;
    let status = Command::new("unshare")
        .args(["--ipc", "--mount", "--propagation", "private", "--"])
        .arg(exe)
        .arg("stress")
        .args(args)
        .env(ISOLATED, &mqueue)
        .status()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the stress run ended with {status}"))
    }
}

/// In the private mount namespace: a fresh tmpfs on /dev/shm and an mqueue file
/// system at `mqueue`, both gone with the namespace, and a fresh `TMPDIR`.
fn prepare_namespace(mqueue: &Path) -> Result<(), String> {
    let mount = |args: &[&str], target: &Path| -> Result<(), String> {
        let status = Command::new("mount")
            .args(args)
            .arg(target)
            .status()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("mount {args:?} {}: {status}", target.display()))
        }
    };
    mount(
        &["-t", "tmpfs", "-o", "mode=1777", "tmpfs"],
        Path::new("/dev/shm"),
    )?;
    // A temporary directory of the run's own, rather than a tmpfs over /tmp,
    // which would hide the repository itself if it lives under /tmp.
    let tmp = root().join("target/stress/tmp");
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    // Still one thread here: nothing reads the environment meanwhile.
    env::set_var("TMPDIR", &tmp);
    mount(&["-t", "mqueue", "mqueue"], mqueue)
}

/// A chapter's test binary, and the programs that have a stress test in it.
struct Chapter {
    package: String,
    tests: PathBuf,
    programs: Vec<String>,
}

fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    eprintln!("xtask: building the chapters' tests");
    let Built {
        chapters,
        bins,
        examples,
    } = build()?;
    let ipcrm_mine = bins
        .get("ipcrm_mine")
        .ok_or("the build did not produce ipcrm_mine")?
        .clone();
    let allowed = allowances(&root().join("book"))?;
    let seed = options.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let report_path = env::temp_dir()
        .join(format!("apue-ipc-stress-{}.jsonl", std::process::id()));
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mqueue = mqueue_dir();
    if mqueue.is_none() {
        eprintln!(
            "xtask: POSIX message queues are not listed here (no mqueue file \
             system mounted at /dev/mqueue): not checked"
        );
    }
    for chapter in &chapters {
        for program in &chapter.programs {
            if !options.only.is_empty() && !options.only.contains(program) {
                continue;
            }
            eprintln!("xtask: stress {program} ({})", chapter.package);
            let before = Leftovers::now(mqueue.as_deref());
            let _ = fs::remove_file(&report_path);
            let output = Command::new(&chapter.tests)
                .args([
                    "--ignored",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .arg(format!("{program}::stress"))
                .env("APUE_IPC_STRESS_RUNS", options.runs.to_string())
                .env("APUE_IPC_STRESS_PARALLEL", options.parallel.to_string())
                .env("APUE_IPC_STRESS_ROUNDS", options.rounds.to_string())
                .env("APUE_IPC_STRESS_KILLS", options.kills.to_string())
                .env("APUE_IPC_STRESS_BOUND_MS", options.bound_ms.to_string())
                .env("APUE_IPC_STRESS_SEED", seed.to_string())
                .env("APUE_IPC_STRESS_REPORT", &report_path)
                .current_dir(root())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .output()
                .map_err(|e| format!("{}: {e}", chapter.tests.display()))?;
            let after = Leftovers::now(mqueue.as_deref());
            let report =
                fs::read_to_string(&report_path).ok().and_then(|text| {
                    text.lines().last().and_then(|line| {
                        serde_json::from_str::<Value>(line).ok()
                    })
                });
            let Some(report) = report else {
                failures.push(format!(
                    "{program}: the stress test wrote no report:\n{}",
                    String::from_utf8_lossy(&output.stdout)
                ));
                continue;
            };
            let new = after.minus(&before);
            let mut row = Row::from_report(program, &report);
            let allowance = allowed.get(program.as_str());
            row.left = new.describe();
            let landed = row.landed;
            match allowance {
                Some(kinds) => {
                    row.allowed = describe_allowance(kinds, landed);
                    for problem in new.exceeds(kinds, landed) {
                        failures.push(format!("{program}: {problem}"));
                    }
                }
                None => {
                    row.allowed = "(no row in the book)".into();
                    if !new.is_empty() {
                        failures.push(format!(
                            "{program}: left {} after {landed} killed runs, and \
                             the book has no row for it in a \"What a SIGKILL \
                             leaves behind\" table",
                            new.describe()
                        ));
                    }
                }
            }
            if !new.sysv.is_empty() {
                row.removed = remove_with_ipcrm_mine(
                    &ipcrm_mine,
                    &new,
                    mqueue.as_deref(),
                )
                .map_or_else(
                    |problem| {
                        failures.push(format!("{program}: {problem}"));
                        "FAILED".to_string()
                    },
                    |()| "yes".to_string(),
                );
            }
            if row.mismatches > 0
                || row.slow > 0
                || !row.files_and_processes.is_empty()
            {
                failures.push(format!(
                    "{program}: {} mismatches, {} runs over {} ms, left {:?}; first problem: {}",
                    row.mismatches,
                    row.slow,
                    options.bound_ms,
                    row.files_and_processes,
                    row.first_problem
                ));
            }
            if !output.status.success()
                && failures.iter().all(|f| !f.starts_with(program.as_str()))
            {
                failures.push(format!("{program}: the stress test failed"));
            }
            rows.push(row);
        }
    }
    let _ = fs::remove_file(&report_path);
    let demonstrated = if options.only.is_empty() {
        demonstrations(&examples, &ipcrm_mine, mqueue.as_deref(), &mut failures)
    } else {
        String::new()
    };
    print!(
        "{}{demonstrated}",
        table(&rows, options, seed, started.elapsed().as_secs_f64())
    );
    if failures.is_empty() {
        println!("stress: passed");
        Ok(())
    } else {
        Err(format!("stress failed:\n  {}", failures.join("\n  ")))
    }
}

/// Runs the demonstrations with a standard output that fails (see
/// [`crate::demonstrations`]), and checks that they left no IPC object;
/// returns the summary's line about them.
fn demonstrations(
    examples: &[(String, PathBuf)],
    ipcrm_mine: &Path,
    mqueue: Option<&Path>,
    failures: &mut Vec<String>,
) -> String {
    eprintln!(
        "xtask: {} demonstrations, each with a full, broken and closed \
         standard output",
        examples.len()
    );
    let before = Leftovers::now(mqueue);
    let scratch = env::temp_dir();
    let outcome = crate::demonstrations::check(examples, &scratch);
    let new = Leftovers::now(mqueue).minus(&before);
    if !new.is_empty() {
        failures.push(format!(
            "the demonstrations with a failing standard output left {}",
            new.describe()
        ));
        if !new.sysv.is_empty() {
            if let Err(problem) =
                remove_with_ipcrm_mine(ipcrm_mine, &new, mqueue)
            {
                failures.push(problem);
            }
        }
    }
    match outcome {
        Ok(runs) => format!(
            "demonstrations: {} programs, {runs} runs with a failing standard \
             output, each ended as a program does\n",
            examples.len()
        ),
        Err(problems) => {
            let count = problems.len();
            failures.extend(problems);
            format!(
                "demonstrations: {count} of {} runs with a failing standard \
                 output did not end as a program does\n",
                examples.len() * 3
            )
        }
    }
}

/// One line of the summary.
#[derive(Default)]
struct Row {
    program: String,
    runs: u64,
    mismatches: u64,
    slow: u64,
    slowest_ms: f64,
    kills: u64,
    landed: u64,
    files_and_processes: Vec<String>,
    first_problem: String,
    left: String,
    allowed: String,
    removed: String,
}

impl Row {
    fn from_report(program: &str, report: &Value) -> Row {
        let number = |key: &str| report[key].as_u64().unwrap_or(0);
        Row {
            program: program.to_string(),
            runs: number("runs"),
            mismatches: number("mismatches"),
            slow: number("slow"),
            slowest_ms: report["slowest_ms"].as_f64().unwrap_or(0.0),
            kills: number("kills"),
            landed: number("landed"),
            files_and_processes: report["left"]
                .as_array()
                .map(|left| {
                    left.iter()
                        .filter_map(|l| l.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            first_problem: report["first_problem"]
                .as_str()
                .unwrap_or("none")
                .to_string(),
            left: String::new(),
            allowed: String::new(),
            removed: "-".into(),
        }
    }
}

fn table(rows: &[Row], options: &Options, seed: u64, seconds: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nstress summary: {} in sequence, {} at once x {} rounds, {} killed \
         (0.2-5 ms), bound {} ms, seed {seed}, {seconds:.0} s",
        options.runs,
        options.parallel,
        options.rounds,
        options.kills,
        options.bound_ms
    );
    let _ = writeln!(
        out,
        "{:<13} {:>5} {:>10} {:>5} {:>9} {:>6} {:>6}  {:<24} {:<29} ipcrm_mine",
        "program",
        "runs",
        "mismatches",
        "slow",
        "slowest",
        "kills",
        "landed",
        "left by kills",
        "the book allows",
    );
    for row in rows {
        let files = if row.files_and_processes.is_empty() {
            String::new()
        } else {
            format!(" +{} files/processes", row.files_and_processes.len())
        };
        let _ = writeln!(
            out,
            "{:<13} {:>5} {:>10} {:>5} {:>7.1}ms {:>6} {:>6}  {:<24} {:<29} {}",
            row.program,
            row.runs,
            row.mismatches,
            row.slow,
            row.slowest_ms,
            row.kills,
            row.landed,
            format!("{}{files}", row.left),
            row.allowed,
            row.removed
        );
    }
    out
}

/// What a `SIGKILL` may leave, per kind, for one killed run.
type Allowance = BTreeMap<Kind, u64>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    MessageQueue,
    SemaphoreSet,
    SharedMemory,
    PosixQueue,
    PosixShm,
    TempDir,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::MessageQueue => "msg",
            Kind::SemaphoreSet => "sem",
            Kind::SharedMemory => "shm",
            Kind::PosixQueue => "POSIX queue",
            Kind::PosixShm => "/dev/shm",
            Kind::TempDir => "temp dir",
        }
    }
}

fn describe_allowance(kinds: &Allowance, landed: u64) -> String {
    if kinds.is_empty() {
        return "nothing".into();
    }
    kinds
        .iter()
        .map(|(kind, n)| format!("<= {} {}", n * landed, kind.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads every "What a SIGKILL leaves behind" table of the book: program ->
/// what one killed run may leave.
fn allowances(book: &Path) -> Result<BTreeMap<String, Allowance>, String> {
    let mut found = BTreeMap::new();
    let mut pages: Vec<PathBuf> = fs::read_dir(book)
        .map_err(|e| format!("{}: {e}", book.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for page in pages {
        let text = fs::read_to_string(&page)
            .map_err(|e| format!("{}: {e}", page.display()))?;
        let mut in_section = false;
        for line in text.lines() {
            if line.starts_with('#') {
                in_section = line.contains("What a `SIGKILL` leaves behind")
                    || line.contains("What a SIGKILL leaves behind");
                continue;
            }
            if !in_section || !line.starts_with('|') || line.starts_with("|---")
            {
                continue;
            }
            let cells: Vec<&str> =
                line.trim_matches('|').split('|').map(str::trim).collect();
            let Some(program) = cells
                .first()
                .and_then(|c| c.strip_prefix('`'))
                .and_then(|c| c.strip_suffix('`'))
            else {
                continue; // the header row
            };
            let leaves = cells.get(1).copied().unwrap_or("");
            let allowance = parse_allowance(leaves).map_err(|e| {
                format!("{}: the row of `{program}`: {e}", page.display())
            })?;
            found.insert(program.to_string(), allowance);
        }
    }
    Ok(found)
}

/// "nothing", or items such as "one message queue", "a semaphore set and a
/// shared memory segment", "two message queues", separated by commas or "and".
fn parse_allowance(text: &str) -> Result<Allowance, String> {
    let mut allowance = Allowance::new();
    let text = text.trim().trim_end_matches('.');
    if text.eq_ignore_ascii_case("nothing") {
        return Ok(allowance);
    }
    for item in text.split(',').flat_map(|part| part.split(" and ")) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (count, what) = item
            .split_once(' ')
            .ok_or_else(|| format!("cannot read '{item}'"))?;
        let count = match count {
            "a" | "an" | "one" => 1,
            "two" => 2,
            "three" => 3,
            "four" => 4,
            digits => digits
                .parse()
                .map_err(|_| format!("cannot read the count in '{item}'"))?,
        };
        let what = what.trim_end_matches('s');
        let kind = match what {
            "message queue" => Kind::MessageQueue,
            "semaphore set" => Kind::SemaphoreSet,
            "shared memory segment" => Kind::SharedMemory,
            "POSIX message queue" => Kind::PosixQueue,
            "POSIX shared memory object" => Kind::PosixShm,
            // On Linux a named semaphore is the file `sem.NAME` in /dev/shm.
            "POSIX named semaphore" => Kind::PosixShm,
            "temporary directory" | "temporary directorie" => Kind::TempDir,
            _ => return Err(format!("unknown kind of leftover '{what}'")),
        };
        *allowance.entry(kind).or_insert(0) += count;
    }
    Ok(allowance)
}

/// What the machine holds that a program could have left.
#[derive(Default, Clone)]
struct Leftovers {
    /// (kind, id, key)
    sysv: BTreeSet<(Kind, i64, String)>,
    posix_shm: BTreeSet<String>,
    posix_queues: BTreeSet<String>,
    temp_dirs: BTreeSet<PathBuf>,
}

impl Leftovers {
    fn now(mqueue: Option<&Path>) -> Leftovers {
        let mut now = Leftovers::default();
        for (kind, file) in [
            (Kind::MessageQueue, "msg"),
            (Kind::SemaphoreSet, "sem"),
            (Kind::SharedMemory, "shm"),
        ] {
            let text = fs::read_to_string(format!("/proc/sysvipc/{file}"))
                .unwrap_or_default();
            for line in text.lines().skip(1) {
                let fields: Vec<&str> = line.split_whitespace().collect();
                if let (Some(key), Some(id)) = (fields.first(), fields.get(1)) {
                    if let Ok(id) = id.parse() {
                        now.sysv.insert((kind, id, (*key).to_string()));
                    }
                }
            }
        }
        now.posix_shm = names_in(Path::new("/dev/shm"));
        if let Some(dir) = mqueue {
            now.posix_queues = names_in(dir);
        }
        let mut bases = vec![PathBuf::from("/tmp")];
        if let Some(tmpdir) = env::var_os("TMPDIR").filter(|t| !t.is_empty()) {
            bases.push(PathBuf::from(tmpdir));
        }
        for base in bases {
            for name in names_in(&base) {
                if name.starts_with("apue-ipc-")
                    && !name.starts_with("apue-ipc-stress-")
                {
                    now.temp_dirs.insert(base.join(name));
                }
            }
        }
        now
    }

    fn minus(&self, before: &Leftovers) -> Leftovers {
        Leftovers {
            sysv: self.sysv.difference(&before.sysv).cloned().collect(),
            posix_shm: self
                .posix_shm
                .difference(&before.posix_shm)
                .cloned()
                .collect(),
            posix_queues: self
                .posix_queues
                .difference(&before.posix_queues)
                .cloned()
                .collect(),
            temp_dirs: self
                .temp_dirs
                .difference(&before.temp_dirs)
                .cloned()
                .collect(),
        }
    }

    fn is_empty(&self) -> bool {
        self.sysv.is_empty()
            && self.posix_shm.is_empty()
            && self.posix_queues.is_empty()
            && self.temp_dirs.is_empty()
    }

    fn counts(&self) -> BTreeMap<Kind, u64> {
        let mut counts = BTreeMap::new();
        for (kind, _, _) in &self.sysv {
            *counts.entry(*kind).or_insert(0) += 1;
        }
        for (kind, set) in [
            (Kind::PosixShm, self.posix_shm.len()),
            (Kind::PosixQueue, self.posix_queues.len()),
            (Kind::TempDir, self.temp_dirs.len()),
        ] {
            if set > 0 {
                counts.insert(kind, set as u64);
            }
        }
        counts
    }

    fn describe(&self) -> String {
        let counts = self.counts();
        if counts.is_empty() {
            return "nothing".into();
        }
        counts
            .iter()
            .map(|(kind, n)| format!("{n} {}", kind.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every way in which these leftovers exceed what `landed` killed runs
    /// may leave.
    fn exceeds(&self, allowance: &Allowance, landed: u64) -> Vec<String> {
        let mut problems = Vec::new();
        for (kind, count) in self.counts() {
            let allowed = allowance.get(&kind).copied().unwrap_or(0) * landed;
            if count > allowed {
                let names: Vec<String> = match kind {
                    Kind::PosixShm => self.posix_shm.iter().cloned().collect(),
                    Kind::PosixQueue => {
                        self.posix_queues.iter().cloned().collect()
                    }
                    Kind::TempDir => self
                        .temp_dirs
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect(),
                    sysv => self
                        .sysv
                        .iter()
                        .filter(|(k, _, _)| *k == sysv)
                        .map(|(k, id, key)| {
                            format!("{} id={id} key={key}", k.name())
                        })
                        .collect(),
                };
                problems.push(format!(
                    "left {count} {} after {landed} killed runs, the book allows {allowed}: {}",
                    kind.name(),
                    names.join(", ")
                ));
            }
        }
        problems
    }
}

/// Where the mqueue file system is mounted, if anywhere.
fn mqueue_dir() -> Option<PathBuf> {
    if let Some(dir) = env::var_os(ISOLATED) {
        return Some(PathBuf::from(dir));
    }
    crate::posix_objects::mqueue_mount()
}

/// Runs `ipcrm_mine --remove` on the System V objects in `left`, and checks
/// that they are gone.
fn remove_with_ipcrm_mine(
    ipcrm_mine: &Path,
    left: &Leftovers,
    mqueue: Option<&Path>,
) -> Result<(), String> {
    let selectors: Vec<String> = left
        .sysv
        .iter()
        .map(|(kind, id, _)| format!("{}={id}", kind.name()))
        .collect();
    let output = Command::new(ipcrm_mine)
        .arg("--remove")
        .args(&selectors)
        .output()
        .map_err(|e| format!("cannot run ipcrm_mine: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "ipcrm_mine --remove {} failed: {}{}",
            selectors.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let still = Leftovers::now(mqueue);
    let survivors: Vec<&(Kind, i64, String)> = left
        .sysv
        .iter()
        .filter(|object| still.sysv.contains(object))
        .collect();
    if survivors.is_empty() {
        Ok(())
    } else {
        Err(format!("ipcrm_mine --remove left {survivors:?}"))
    }
}

/// Builds every chapter's tests, and returns them with the programs that have
/// a stress test, and the path of every program built.
/// What the build made: the chapters' test binaries, the programs and the
/// demonstrations (examples and exercises), by name.
struct Built {
    chapters: Vec<Chapter>,
    bins: BTreeMap<String, PathBuf>,
    examples: Vec<(String, PathBuf)>,
}

/// Runs `cargo SUBCOMMAND --workspace FLAG` and returns the JSON messages it
/// printed, one per line.
fn cargo_messages(subcommand: &str, flag: &str) -> Result<String, String> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            subcommand,
            "--workspace",
            flag,
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(root())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo {subcommand} {flag} ended with {}",
            output.status
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn build() -> Result<Built, String> {
    let built = cargo_messages("test", "--no-run")?;
    let mut chapters = Vec::new();
    let mut bins = BTreeMap::new();
    let mut examples = Vec::new();
    for line in built.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let Some(executable) = message["executable"].as_str() else {
            continue;
        };
        let kinds = &message["target"]["kind"];
        let name = message["target"]["name"].as_str().unwrap_or("");
        let test = message["profile"]["test"].as_bool().unwrap_or(false);
        if kinds[0] == "bin" && !test {
            bins.insert(name.to_string(), PathBuf::from(executable));
        }
        if kinds[0] == "example" && !test {
            examples.push((name.to_string(), PathBuf::from(executable)));
        }
        let package = message["package_id"].as_str().unwrap_or("");
        if kinds[0] == "test"
            && name == "outputs"
            && package.contains("chapters/")
        {
            let package = package
                .split("chapters/")
                .nth(1)
                .and_then(|rest| rest.split(['#', '@', ')']).next())
                .unwrap_or(package)
                .to_string();
            chapters.push(Chapter {
                package,
                tests: PathBuf::from(executable),
                programs: Vec::new(),
            });
        }
    }
    for chapter in &mut chapters {
        let list = Command::new(&chapter.tests)
            .args(["--list", "--ignored"])
            .output()
            .map_err(|e| format!("{}: {e}", chapter.tests.display()))?;
        chapter.programs = String::from_utf8_lossy(&list.stdout)
            .lines()
            .filter_map(|line| line.strip_suffix("::stress: test"))
            .map(str::to_string)
            .collect();
    }
    chapters.sort_by(|a, b| a.package.cmp(&b.package));
    // `cargo test` builds an exercise (an example with `test = true`) as its
    // tests only: its own program comes from `cargo build --examples`.
    for line in cargo_messages("build", "--examples")?.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let name = message["target"]["name"].as_str().unwrap_or("");
        if message["reason"] == "compiler-artifact"
            && message["target"]["kind"][0] == "example"
            && !examples.iter().any(|(known, _)| known == name)
        {
            if let Some(executable) = message["executable"].as_str() {
                examples.push((name.to_string(), PathBuf::from(executable)));
            }
        }
    }
    examples.sort();
    Ok(Built {
        chapters,
        bins,
        examples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_book_allows() {
        assert_eq!(parse_allowance("nothing"), Ok(Allowance::new()));
        assert_eq!(
            parse_allowance("one message queue"),
            Ok([(Kind::MessageQueue, 1)].into())
        );
        assert_eq!(
            parse_allowance("two message queues, a semaphore set and a shared memory segment"),
            Ok([
                (Kind::MessageQueue, 2),
                (Kind::SemaphoreSet, 1),
                (Kind::SharedMemory, 1)
            ]
            .into())
        );
        assert_eq!(
            parse_allowance(
                "a POSIX message queue, a POSIX shared memory object and a \
                 POSIX named semaphore"
            ),
            Ok([(Kind::PosixQueue, 1), (Kind::PosixShm, 2)].into())
        );
        assert!(parse_allowance("a FIFO").is_err());
        assert!(parse_allowance("many message queues").is_err());
    }
}
