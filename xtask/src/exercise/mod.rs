//! Classroom mode: `cargo xtask exercise ...`, the exercises of every chapter as
//! something a student can start, check and get hints on.
//!
//! - [`catalog`] finds the exercises in their chapters' folders and derives each
//!   starter from its tested reference solution;
//! - [`compile`] builds a student's file against the chapter's crates;
//! - [`runner`] runs each test alone, with a deadline, in a process group of its own;
//! - [`leaks`] finds and removes the IPC objects a test left behind.
//!
//! The student's files live in `my-exercises/` at the top of the repository (git
//! ignores it, `cargo clean` leaves it alone), or in `$APUE_IPC_EXERCISES_DIR`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};

pub mod catalog;
pub mod compile;
pub mod leaks;
pub mod runner;

use catalog::Exercise;
use runner::{TestRun, Verdict};

pub const HELP: &str = "\
Usage: cargo xtask exercise <command> [NAME]

Every chapter ends with exercises: a function to write, with tests that check it.

For students:
  list          every exercise, by chapter, with its state here: not started,
                started, passing
  start NAME    copy the exercise's starter (its tested solution with todo!()
                where your code goes) to my-exercises/NAME.rs and print the task
  check NAME    build my-exercises/NAME.rs and run the exercise's tests on it,
                one at a time: pass or fail for each, the first failure's
                expected and actual values, and a hint, one more after each
                failed check; a test still running after --timeout SECONDS
                (default 10) is stopped and reported as probably deadlocked,
                with where each thread was blocked; IPC objects, processes and
                files your code left behind are named and removed
  hint NAME     show the next hint (and the ones already given)
  task NAME     print the task again
  run NAME      build my-exercises/NAME.rs and run its main
  reset NAME    start again from the starter (your file is kept as NAME.rs.bak)

For authors and CI:
  verify        check every exercise: each starter compiles and fails its
                tests at a todo!(), each reference solution passes them and
                leaves nothing behind (with --timeout SECONDS, default 10)

Adding an exercise to a chapter takes two files in chapters/CHAPTER/exercises/
(nothing lists the exercises centrally):
  NAME.rs  the reference solution, an [[example]] with test = true in the
           chapter's Cargo.toml; the code the student writes is marked by
           `// ANCHOR: todo MESSAGE` ... `// ANCHOR_END: todo` (one region per
           function body; the starter has todo!(\"MESSAGE\") there), and its tests
           are the file's last item, `#[cfg(test)] mod tests { ... }`, written as
           assert_eq!(actual, expected); tests that fork need `harness = false`
           and a `main` under cfg(test) that runs them (harness::one_thread)
  NAME.md  between `<!-- ANCHOR: part -->` and `<!-- ANCHOR_END: part -->`:
           task (starting with `### Exercise N: title`), hint-1, hint-2, ...,
           optionally hint-hang (shown when a test hangs), and teacher
           (**Learning goal.**, **Expected time.** N minutes, **Common
           mistakes.**)
and the book shows them: the chapter's page includes the task and every hint
and shows the starter's todo!()s, book/teachers-guide.md includes the teacher's
notes and the solution (copy another exercise's blocks). `cargo test` fails
until all of this is there; `cargo xtask exercise verify` then proves that the
starter fails at its todo!() and the solution passes and leaves nothing behind.

Files: my-exercises/ (or $APUE_IPC_EXERCISES_DIR) holds your files and, in
.state/, how many checks failed and which hints you have seen.
";

type Result<T, E = String> = std::result::Result<T, E>;

/// How long a test may run before it is reported as hanging.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `cargo xtask exercise ARGS`.
pub fn main(root: &Path, args: &[String]) -> Result<()> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => return Err(format!("no exercise command given\n\n{HELP}")),
    };
    let (timeout, rest) = timeout_option(rest)?;
    let one = |rest: &[String]| match rest {
        [name] => Ok(name.clone()),
        [] => Err(format!("`exercise {command}` needs the exercise's NAME")),
        _ => Err(format!("`exercise {command}` takes one NAME")),
    };
    let student = Student::new(root);
    match command {
        "list" if rest.is_empty() => list(root, &student),
        "start" => start(root, &student, &one(&rest)?),
        "task" => task(root, &student, &one(&rest)?),
        "check" => {
            interruptions_stop_the_test();
            check(root, &student, &one(&rest)?, timeout)
        }
        "hint" => hint(root, &student, &one(&rest)?),
        "reset" => reset(root, &student, &one(&rest)?),
        "run" => match rest.split_first() {
            Some((name, args)) => run(root, &student, name, args),
            None => Err("`exercise run` needs the exercise's NAME".to_string()),
        },
        "verify" if rest.is_empty() => {
            interruptions_stop_the_test();
            verify(root, timeout)
        }
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        _ => Err(format!(
            "unknown exercise command or argument '{}'\n\n{HELP}",
            args.join(" ")
        )),
    }
}

/// Takes `--timeout SECONDS` out of `args`.
fn timeout_option(args: &[String]) -> Result<(Duration, Vec<String>)> {
    let mut timeout = DEFAULT_TIMEOUT;
    let mut rest = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--timeout" {
            let seconds = args
                .next()
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|s| *s > 0.0 && *s < 3600.0)
                .ok_or("--timeout needs a number of seconds")?;
            timeout = Duration::from_secs_f64(seconds);
        } else {
            rest.push(arg.clone());
        }
    }
    Ok((timeout, rest))
}

/// The student's directory and what is known about each exercise there.
struct Student {
    dir: PathBuf,
    root: PathBuf,
}

/// What `.state/NAME` remembers.
#[derive(Default)]
struct State {
    /// Failed checks since the start (or the last reset).
    failures: u32,
    /// Hints shown so far.
    hints: u32,
    /// The hash of the file that last passed.
    passed: Option<u64>,
}

impl Student {
    fn new(root: &Path) -> Student {
        let dir = std::env::var_os("APUE_IPC_EXERCISES_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("my-exercises"));
        Student {
            dir,
            root: root.to_path_buf(),
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.rs"))
    }

    /// `path` as the student would type it: relative to the repository if inside.
    fn shown(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    fn state_file(&self, name: &str) -> PathBuf {
        self.dir.join(".state").join(name)
    }

    fn state(&self, name: &str) -> State {
        let text =
            fs::read_to_string(self.state_file(name)).unwrap_or_default();
        let mut state = State::default();
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("failures", n)) => {
                    state.failures = n.parse().unwrap_or(0)
                }
                Some(("hints", n)) => state.hints = n.parse().unwrap_or(0),
                Some(("passed", hash)) => state.passed = hash.parse().ok(),
                _ => {}
            }
        }
        state
    }

    fn save(&self, name: &str, state: &State) -> Result<()> {
        let path = self.state_file(name);
        let dir = path.parent().expect("in .state/");
        fs::create_dir_all(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut text =
            format!("failures {}\nhints {}\n", state.failures, state.hints);
        if let Some(hash) = state.passed {
            let _ = writeln!(text, "passed {hash}");
        }
        fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Where the exercise stands: `not started`, `started`, `passing`...
    fn status(&self, exercise: &Exercise) -> String {
        let Ok(text) = fs::read_to_string(self.file(&exercise.name)) else {
            return "not started".to_string();
        };
        let state = self.state(&exercise.name);
        match state.passed {
            Some(hash) if hash == fingerprint(&text) => "passing".to_string(),
            Some(_) => "started (changed since it passed)".to_string(),
            None if state.failures == 0 => "started".to_string(),
            None => format!(
                "started, {} failed check{}",
                state.failures,
                plural(state.failures as usize)
            ),
        }
    }

    /// The student's file of `exercise`, or an error saying how to start it.
    fn started(&self, exercise: &Exercise) -> Result<(PathBuf, String)> {
        let file = self.file(&exercise.name);
        match fs::read_to_string(&file) {
            Ok(text) => Ok((file, text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "{} does not exist yet: start the exercise with \
                 `cargo xtask exercise start {}`",
                self.shown(&file),
                exercise.name
            )),
            Err(e) => Err(format!("{}: {e}", file.display())),
        }
    }
}

/// FNV-1a: enough to tell whether a file changed since it passed.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Indents every line of `text` by `by` spaces.
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{pad}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn list(root: &Path, student: &Student) -> Result<()> {
    let (exercises, problems) = catalog::scan(root)?;
    let titles = catalog::chapter_order(root);
    let width = exercises.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let title_width =
        exercises.iter().map(|e| e.title.len()).max().unwrap_or(0);
    let mut chapter = "";
    for exercise in &exercises {
        if exercise.chapter != chapter {
            chapter = &exercise.chapter;
            let title = titles
                .iter()
                .find(|(name, _)| name == chapter)
                .map_or(chapter, |(_, title)| title.as_str());
            println!("{title} (book/{chapter}.md)");
        }
        println!(
            "  {:<width$}  {:<title_width$}  {:>3} min  {}",
            exercise.name,
            exercise.title,
            exercise.minutes,
            student.status(exercise)
        );
    }
    println!(
        "\nStart one with `cargo xtask exercise start NAME`; your files go in {}/.",
        student.shown(&student.dir)
    );
    if !problems.is_empty() {
        println!(
            "\nNot ready for classroom mode yet (for the book's authors):\n{}",
            indent(&problems.join("\n"), 2)
        );
    }
    Ok(())
}

fn print_task(exercise: &Exercise) {
    println!(
        "Exercise {} of chapter {}: {}\n\n{}\n",
        exercise.number,
        exercise.chapter,
        exercise.title,
        indent(&exercise.task, 2)
    );
}

fn start(root: &Path, student: &Student, name: &str) -> Result<()> {
    let exercise = catalog::find(root, name)?;
    let file = student.file(&exercise.name);
    if file.exists() {
        print_task(&exercise);
        println!(
            "Already started: {} (start again from the starter with \
             `cargo xtask exercise reset {}`).",
            student.shown(&file),
            exercise.name
        );
        return Ok(());
    }
    fs::create_dir_all(&student.dir)
        .map_err(|e| format!("{}: {e}", student.dir.display()))?;
    fs::write(&file, exercise.starter())
        .map_err(|e| format!("{}: {e}", file.display()))?;
    student.save(&exercise.name, &State::default())?;
    print_task(&exercise);
    println!(
        "Your file: {}\n\
         Replace each todo!() in it with your code, then run\n  \
         cargo xtask exercise check {}\n\
         to build it and run the exercise's tests (they are at the end of the file).",
        student.shown(&file),
        exercise.name
    );
    Ok(())
}

fn task(root: &Path, student: &Student, name: &str) -> Result<()> {
    let exercise = catalog::find(root, name)?;
    print_task(&exercise);
    println!(
        "Your file: {}",
        student.shown(&student.file(&exercise.name))
    );
    Ok(())
}

fn reset(root: &Path, student: &Student, name: &str) -> Result<()> {
    let exercise = catalog::find(root, name)?;
    let file = student.file(&exercise.name);
    if file.exists() {
        let backup = student.dir.join(format!("{}.rs.bak", exercise.name));
        fs::rename(&file, &backup)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        println!("Your previous file is now {}.", student.shown(&backup));
    }
    let _ = fs::remove_file(student.state_file(&exercise.name));
    start(root, student, &exercise.name)
}

fn hint(root: &Path, student: &Student, name: &str) -> Result<()> {
    let exercise = catalog::find(root, name)?;
    let mut state = student.state(&exercise.name);
    let total = exercise.hints.len() as u32;
    state.hints = (state.hints + 1).min(total);
    for (index, hint) in
        exercise.hints.iter().enumerate().take(state.hints as usize)
    {
        println!("Hint {} of {total}:\n{}\n", index + 1, indent(hint, 2));
    }
    if let Some(hang) = &exercise.hang_hint {
        println!(
            "If check says a test probably deadlocked:\n{}\n",
            indent(hang, 2)
        );
    }
    if state.hints == total {
        println!(
            "That is every hint. The reference solution and its discussion are in \
             the book: book/{}-solutions.md (`cargo xtask serve`).",
            exercise.chapter
        );
    }
    if student.file(&exercise.name).exists() {
        student.save(&exercise.name, &state)?;
    }
    Ok(())
}

/// A directory under `target/classroom/` for one command's builds, removed when
/// the command ends.
struct BuildDir(PathBuf);

/// The build directory of this command, for the interruption handler.
static BUILD_DIR: std::sync::Mutex<Option<PathBuf>> =
    std::sync::Mutex::new(None);

impl BuildDir {
    fn new(root: &Path) -> Result<BuildDir> {
        let classroom = target_dir(root).join("classroom");
        // Those of commands that were killed: their process is gone.
        for entry in fs::read_dir(&classroom).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("build-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir = classroom.join(format!("build-{}", std::process::id()));
        if let Ok(mut current) = BUILD_DIR.lock() {
            *current = Some(dir.clone());
        }
        fs::create_dir_all(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(BuildDir(dir))
    }
}

impl Drop for BuildDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// One test at a time, across every `check` and `verify` of this repository: a
/// test's leftovers are told apart by what appeared while it ran.
fn run_lock(root: &Path) -> Result<Flock<fs::File>> {
    let dir = target_dir(root).join("classroom");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("run.lock");
    let file = fs::File::create(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(lock),
        Err((file, _)) => {
            println!(
                "(waiting for another check of this repository to finish)"
            );
            Flock::lock(file, FlockArg::LockExclusive)
                .map_err(|(_, e)| format!("flock({}): {e}", path.display()))
        }
    }
}

/// A Ctrl-C (or SIGTERM, SIGHUP) reaches `cargo xtask` but not the test, which
/// is in a process group of its own: stop the test, clean up, then exit.
fn interruptions_stop_the_test() {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        set.add(signal);
    }
    // Blocked here, in the main thread, before any other thread exists: every
    // thread inherits the mask, so only the waiter below receives them. Child
    // processes start with an empty mask (std::process resets it).
    if set.thread_block().is_err() {
        return;
    }
    std::thread::spawn(move || {
        if let Ok(signal) = set.wait() {
            let _stopped = runner::stop_running_test();
            if let Some(dir) = BUILD_DIR.lock().ok().and_then(|mut d| d.take())
            {
                let _ = fs::remove_dir_all(dir);
            }
            eprintln!("\ninterrupted ({signal}): the running test was stopped");
            std::process::exit(130);
        }
    });
}

/// Everything needed to build and test one file of an exercise.
struct Bench {
    recipe: compile::Recipe,
    build: BuildDir,
}

impl Bench {
    fn new(root: &Path, exercise: &Exercise) -> Result<Bench> {
        let mut recipes = compile::prepare(root, &[exercise])?;
        Ok(Bench {
            recipe: recipes.remove(&exercise.name).expect("prepared"),
            build: BuildDir::new(root)?,
        })
    }
}

/// The outcome of building one file and running its tests.
struct Outcome {
    compiled: compile::Compiled,
    /// Whether the file's tests differ from the exercise's, so that a copy of
    /// it with the exercise's tests was built instead.
    replaced_tests: bool,
    runs: Vec<TestRun>,
}

impl Outcome {
    fn passed(&self) -> bool {
        self.compiled.success
            && !self.runs.is_empty()
            && self.runs.iter().all(|r| matches!(r.verdict, Verdict::Pass))
            && self.runs.iter().all(|r| r.leaks.is_empty())
    }
}

/// Builds `text`, the content of the student's `file`, as the test
/// binary of `exercise`, then runs each of its tests, calling `each` after each.
fn build_and_test(
    root: &Path,
    exercise: &Exercise,
    bench: &Bench,
    file: &Path,
    text: &str,
    timeout: Duration,
    mut each: impl FnMut(&TestRun),
) -> Result<Outcome> {
    let recipe = &bench.recipe;
    let build = bench.build.0.as_path();
    // The exercise's own tests are what check runs, even if the file's differ.
    let own_tests = catalog::tests_module(text);
    let replaced_tests = own_tests != Some(exercise.tests());
    let source = if replaced_tests {
        let kept = match own_tests {
            Some(tests) => &text[..text.len() - tests.len()],
            None => text,
        };
        let copy = build.join(format!("{}.rs", exercise.name));
        let mut composed = kept.to_string();
        if !composed.ends_with('\n') {
            composed.push('\n');
        }
        composed.push_str(exercise.tests());
        fs::write(&copy, composed)
            .map_err(|e| format!("{}: {e}", copy.display()))?;
        copy
    } else {
        file.to_path_buf()
    };
    let binary = build.join(&exercise.name);
    // The file's own lines come first in the copy, at the same numbers.
    let shown_as = replaced_tests.then_some(file);
    let compiled = compile::compile(
        recipe,
        &exercise.name,
        &source,
        shown_as,
        &binary,
        compile::Build::tests_of(exercise),
    )?;
    let mut runs = Vec::new();
    if compiled.success {
        let mut tests = runner::list_tests(&binary)?;
        // In the order the file has them (libtest sorts them by name): the
        // first is usually the main case.
        let place = |test: &String| {
            let name = test.rsplit("::").next().unwrap_or(test);
            exercise
                .tests()
                .find(&format!("fn {name}("))
                .unwrap_or(usize::MAX)
        };
        tests.sort_by_key(place);
        let _lock = run_lock(root)?;
        for test in tests {
            let run = runner::run_test(&binary, &test, timeout)?;
            each(&run);
            runs.push(run);
        }
    }
    Ok(Outcome {
        compiled,
        replaced_tests,
        runs,
    })
}

fn short(test: &str) -> &str {
    test.strip_prefix("tests::").unwrap_or(test)
}

fn verdict_word(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Todo(_) => "TODO",
        Verdict::Hang(_) => "HANG",
    }
}

fn check(
    root: &Path,
    student: &Student,
    name: &str,
    timeout: Duration,
) -> Result<()> {
    let exercise = catalog::find(root, name)?;
    let (file, text) = student.started(&exercise)?;
    let untouched = text == exercise.starter();
    println!(
        "Checking {} (exercise {}, chapter {})",
        student.shown(&file),
        exercise.name,
        exercise.chapter
    );
    let started = Instant::now();
    let bench = Bench::new(root, &exercise)?;
    let outcome = build_and_test(
        root,
        &exercise,
        &bench,
        &file,
        &text,
        timeout,
        |run| {
            let word = match run.verdict {
                Verdict::Pass if !run.leaks.is_empty() => "LEAK",
                ref verdict => verdict_word(verdict),
            };
            println!("  {word}  {}", short(&run.name));
        },
    )?;
    let mut state = student.state(&exercise.name);
    if outcome.replaced_tests {
        println!(
            "\nNote: the tests at the end of your file are not the exercise's; check \
             ran the exercise's own tests (from {}) on your code.",
            student.shown(&exercise.solution)
        );
    }
    if !outcome.compiled.success {
        println!("\nYour file does not compile:\n");
        print!("{}", outcome.compiled.messages);
    } else if !outcome.compiled.messages.trim().is_empty() {
        println!("\nThe compiler warns:\n");
        print!("{}", outcome.compiled.messages);
    }
    let took = started.elapsed();
    if outcome.passed() {
        state.passed = Some(fingerprint(&text));
        student.save(&exercise.name, &state)?;
        println!(
            "\nAll {n} test{s} pass ({took:.1?}): {name} is done.\n\
             Compare with the reference solution and read its discussion in the \
             book: book/{chapter}-solutions.md (`cargo xtask serve`).",
            n = outcome.runs.len(),
            s = plural(outcome.runs.len()),
            name = exercise.name,
            chapter = exercise.chapter
        );
        return Ok(());
    }

    report_failure(&outcome, timeout);
    state.passed = None;
    let hung = outcome
        .runs
        .iter()
        .any(|r| matches!(r.verdict, Verdict::Hang(_)));
    let failed = !outcome.compiled.success
        || outcome
            .runs
            .iter()
            .any(|r| !matches!(r.verdict, Verdict::Pass));
    if untouched {
        println!(
            "\nThis is the starter as it was given: replace each todo!() in {} with \
             your code (`cargo xtask exercise task {}` prints the task again).",
            student.shown(&file),
            exercise.name
        );
    } else if failed {
        state.failures += 1;
        let total = exercise.hints.len() as u32;
        // One more per failed check, and never one the student has already
        // seen with `hint` again.
        let next = state.failures.max(state.hints).min(total);
        state.hints = state.hints.max(next);
        let hint = &exercise.hints[next as usize - 1];
        let more = if next < total {
            format!(
                " (the next one after another failed check, or with \
                 `cargo xtask exercise hint {}`)",
                exercise.name
            )
        } else {
            String::new()
        };
        println!("\nHint {next} of {total}{more}:\n{}", indent(hint, 2));
    }
    if hung {
        if let Some(hang) = &exercise.hang_hint {
            println!("\nWhere to look when it hangs:\n{}", indent(hang, 2));
        }
    }
    student.save(&exercise.name, &state)?;
    let passed = outcome
        .runs
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Pass))
        .count();
    let leaks: usize = outcome.runs.iter().map(|r| r.leaks.len()).sum();
    Err(if !outcome.compiled.success {
        format!("{}: does not compile", exercise.name)
    } else if failed {
        format!(
            "{}: {passed} of {} test{} pass ({took:.1?})",
            exercise.name,
            outcome.runs.len(),
            plural(outcome.runs.len())
        )
    } else {
        format!(
            "{}: every test passes, but your code left {leaks} thing{} behind",
            exercise.name,
            plural(leaks)
        )
    })
}

/// The first failure in detail, then what the tests left behind.
fn report_failure(outcome: &Outcome, timeout: Duration) {
    let first = outcome
        .runs
        .iter()
        .find(|r| !matches!(r.verdict, Verdict::Pass))
        .or_else(|| outcome.runs.iter().find(|r| !r.leaks.is_empty()));
    if let Some(run) = first {
        println!("\n{}:", short(&run.name));
        println!("{}", indent(&explain(run, timeout), 2));
        // The others in a line each.
        let others: Vec<&TestRun> = outcome
            .runs
            .iter()
            .filter(|r| !matches!(r.verdict, Verdict::Pass))
            .filter(|r| r.name != run.name)
            .collect();
        if !others.is_empty() {
            println!("\nAlso:");
        }
        for other in others {
            let explained = explain(other, timeout);
            let first_line = explained.lines().next().unwrap_or("");
            let message = match (&other.verdict, other.panics.first()) {
                (Verdict::Fail, Some(panic)) => {
                    panic.message.lines().next().unwrap_or("").to_string()
                }
                _ => first_line.to_string(),
            };
            println!("  {}: {message}", short(&other.name));
        }
    }
    let stopped = |run: &&TestRun| {
        matches!(run.verdict, Verdict::Todo(_) | Verdict::Hang(_))
    };
    let left: Vec<String> = outcome
        .runs
        .iter()
        .filter(|run| !stopped(run))
        .flat_map(|run| {
            run.leaks
                .iter()
                .map(|leak| format!("{}: {leak}", short(&run.name)))
        })
        .collect();
    if !left.is_empty() {
        println!(
            "\nYour code left these behind; they are removed now, so that the next run \
             starts clean:"
        );
        for line in &left {
            println!("  - {line}");
        }
        println!(
            "  Remove what you create and wait for the processes you start, on \
             every path: an owning type that cleans up when dropped does it for you."
        );
    }
    let cleaned: usize = outcome
        .runs
        .iter()
        .filter(stopped)
        .map(|run| run.leaks.len())
        .sum();
    if cleaned > 0 {
        println!(
            "\n(A test that is stopped cannot clean up after itself: removed what the \
             stopped tests left, {cleaned} item{}, such as their temporary \
             directories.)",
            plural(cleaned)
        );
    }
}

/// What went wrong in `run`, in a few lines.
fn explain(run: &TestRun, timeout: Duration) -> String {
    let mut text = String::new();
    match &run.verdict {
        Verdict::Pass => {
            text.push_str("passes, but left something behind (below)");
        }
        Verdict::Todo(location) => {
            let _ = write!(
                text,
                "not implemented yet: it reached the todo!() at {location}"
            );
        }
        Verdict::Hang(threads) => {
            let _ = writeln!(
                text,
                "still running after {timeout:.0?}, so it was stopped: your code \
                 probably deadlocked. Where each of its threads was:"
            );
            for thread in threads {
                let _ = writeln!(text, "  {thread}");
            }
            text.push_str(
                "A thread blocked for good waits for something that no other thread \
                 or process will do any more.",
            );
            if let Some(panic) = run.panics.first() {
                let _ = write!(
                    text,
                    "\nBefore that, a thread panicked at {}:\n{}",
                    panic.location,
                    indent(&panic.message, 2)
                );
            }
        }
        Verdict::Fail => match run.panics.first() {
            Some(panic) => {
                let _ = writeln!(text, "panicked at {}:", panic.location);
                text.push_str(&describe_panic(&panic.message));
                if let Some(second) = run.panics.get(1) {
                    let _ = write!(
                        text,
                        "\nthen at {}: {}",
                        second.location,
                        second.message.lines().next().unwrap_or("")
                    );
                }
            }
            None => {
                let how = run
                    .status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "no exit status".to_string());
                let _ = write!(
                    text,
                    "the test process ended with {how}; its last lines:\n{}",
                    last_lines(&run.output, 8)
                );
            }
        },
    }
    text
}

/// An assertion's `left` and `right` as the actual and the expected value (the
/// exercises' tests write `assert_eq!(actual, expected)`); any other message as
/// it is.
fn describe_panic(message: &str) -> String {
    let mut left = None;
    let mut right = None;
    let mut rest = Vec::new();
    for line in message.lines() {
        if let Some(value) = line.strip_prefix("  left: ") {
            left = Some(value);
        } else if let Some(value) = line.strip_prefix(" right: ") {
            right = Some(value);
        } else {
            rest.push(line);
        }
    }
    match (
        left,
        right,
        message.starts_with("assertion `left == right` failed"),
    ) {
        (Some(left), Some(right), true) => {
            let mut text = rest.join("\n");
            let _ = write!(text, "\n  expected: {right}\n  actual:   {left}");
            text
        }
        _ => message.to_string(),
    }
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    indent(&lines[lines.len().saturating_sub(n)..].join("\n"), 2)
}

fn run(
    root: &Path,
    student: &Student,
    name: &str,
    args: &[String],
) -> Result<()> {
    let exercise = catalog::find(root, name)?;
    let (file, _) = student.started(&exercise)?;
    let bench = Bench::new(root, &exercise)?;
    let binary = bench.build.0.join(&exercise.name);
    let compiled = compile::compile(
        &bench.recipe,
        &exercise.name,
        &file,
        None,
        &binary,
        compile::Build::Program,
    )?;
    print!("{}", compiled.messages);
    if !compiled.success {
        return Err(format!("{} does not compile", student.shown(&file)));
    }
    let status = std::process::Command::new(&binary)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} ended with {status}", exercise.name))
    }
}

/// For authors and CI: every exercise is complete, every starter compiles and
/// fails at a `todo!()`, every solution passes and leaves nothing behind.
///
/// Every starter and every solution is a module of one test binary (one per set
/// of dependencies, in practice one in all): one compilation instead of two per
/// exercise. A set that does not compile is compiled again file by file, to say
/// which file fails.
fn verify(root: &Path, timeout: Duration) -> Result<()> {
    let started = Instant::now();
    let exercises = catalog::all(root)?;
    let mut problems = catalog::book_problems(root, &exercises);
    let all: Vec<&Exercise> = exercises.iter().collect();
    let recipes = compile::prepare(root, &all)?;
    let build = BuildDir::new(root)?;
    let mut compile_time = Duration::ZERO;

    // The files: each starter written out, each solution where it is.
    let mut files: Vec<(&Exercise, &str, PathBuf)> = Vec::new();
    for exercise in &exercises {
        let starter = build.0.join(format!("starter_{}.rs", exercise.name));
        fs::write(&starter, exercise.starter())
            .map_err(|e| format!("{}: {e}", starter.display()))?;
        files.push((exercise, "starter", starter));
        files.push((exercise, "solution", exercise.solution.clone()));
    }
    // One binary per recipe (edition and crates), for the tests that libtest
    // runs; a file whose tests its own `main` runs is a binary of its own.
    let mut groups: Vec<(&compile::Recipe, Vec<usize>)> = Vec::new();
    let mut alone: Vec<usize> = Vec::new();
    for (index, (exercise, _, _)) in files.iter().enumerate() {
        if !exercise.libtest {
            alone.push(index);
            continue;
        }
        let recipe = &recipes[&exercise.name];
        let same = |r: &compile::Recipe| {
            r.edition == recipe.edition && r.externs == recipe.externs
        };
        match groups.iter_mut().find(|(r, _)| same(r)) {
            Some((_, members)) => members.push(index),
            None => groups.push((recipe, vec![index])),
        }
    }
    let mut binaries: Vec<(PathBuf, Vec<usize>)> = Vec::new();
    // Builds the file `index` alone, as check would, or says why it cannot.
    let build_alone = |index: usize,
                       binaries: &mut Vec<(PathBuf, Vec<usize>)>,
                       problems: &mut Vec<String>|
     -> Result<Duration> {
        let (exercise, what, path) = &files[index];
        let binary = build.0.join(format!("{what}_{}", exercise.name));
        let compiled = compile::compile(
            &recipes[&exercise.name],
            &exercise.name,
            path,
            None,
            &binary,
            compile::Build::tests_of(exercise),
        )?;
        if compiled.success {
            binaries.push((binary, vec![index]));
        } else {
            problems.push(format!(
                "{} ({what}): does not compile:\n{}",
                exercise.name, compiled.messages
            ));
        }
        Ok(compiled.took)
    };
    for index in alone {
        compile_time += build_alone(index, &mut binaries, &mut problems)?;
    }
    for (number, (recipe, members)) in groups.iter().enumerate() {
        let mut text = String::from(
            "//! Every starter and solution of classroom mode, each a module of \
             one test binary.\n",
        );
        for &index in members {
            let (exercise, what, path) = &files[index];
            let _ = writeln!(
                text,
                "#[path = {:?}]\nmod {what}_{};",
                path.display().to_string(),
                exercise.name
            );
        }
        let source = build.0.join(format!("all_{number}.rs"));
        fs::write(&source, text)
            .map_err(|e| format!("{}: {e}", source.display()))?;
        let binary = build.0.join(format!("all_{number}"));
        let compiled = compile::compile(
            recipe,
            "classroom",
            &source,
            None,
            &binary,
            compile::Build::LibTest,
        )?;
        compile_time += compiled.took;
        if compiled.success {
            binaries.push((binary, members.clone()));
            continue;
        }
        // Which file? Each alone, as check would build it.
        for &index in members {
            compile_time += build_alone(index, &mut binaries, &mut problems)?;
        }
    }

    let testing = Instant::now();
    let mut runs: Vec<Vec<TestRun>> =
        files.iter().map(|_| Vec::new()).collect();
    {
        let _lock = run_lock(root)?;
        for (binary, members) in &binaries {
            let tests = runner::list_tests(binary)?;
            for &index in members {
                let (exercise, what, _) = &files[index];
                let prefix = format!("{what}_{}::", exercise.name);
                for test in &tests {
                    // A module of the shared binary, or a binary of its own.
                    let name = test.strip_prefix(&prefix);
                    if name.is_none() && members.len() > 1 {
                        continue;
                    }
                    let mut run = runner::run_test(binary, test, timeout)?;
                    run.name = name.unwrap_or(test).to_string();
                    runs[index].push(run);
                }
            }
        }
    }
    let test_time = testing.elapsed();

    let mut count = 0;
    let width = exercises.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for (index, (exercise, what, _)) in files.iter().enumerate() {
        let runs = &runs[index];
        count += runs.len();
        let failure =
            |why: String| format!("{} ({what}): {why}", exercise.name);
        let verdicts: Vec<&str> =
            runs.iter().map(|r| verdict_word(&r.verdict)).collect();
        if *what == "starter" {
            print!("{:<width$} starter {}", exercise.name, verdicts.join(" "));
            if !runs.iter().any(|r| matches!(r.verdict, Verdict::Todo(_))) {
                problems.push(failure("no test reaches a todo!()".to_string()));
            }
        } else {
            println!(" | solution {}", verdicts.join(" "));
        }
        if runs.is_empty() {
            problems.push(failure("no tests ran".to_string()));
        }
        for run in runs {
            let bad = match run.verdict {
                Verdict::Hang(_) => true,
                Verdict::Pass | Verdict::Todo(_) => false,
                Verdict::Fail => *what == "solution",
            } || (*what == "solution"
                && matches!(run.verdict, Verdict::Todo(_)));
            if bad {
                problems.push(failure(format!(
                    "{}:\n{}",
                    run.name,
                    indent(&explain(run, timeout), 2)
                )));
            }
            // A stopped starter cannot clean up; a solution must.
            if *what == "solution" {
                for leak in &run.leaks {
                    problems.push(failure(format!("{} left {leak}", run.name)));
                }
            }
        }
    }
    println!(
        "{} exercises, {count} test runs: compiling {compile_time:.1?}, testing \
         {test_time:.1?}, in all {:.1?}",
        exercises.len(),
        started.elapsed()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} problem{}:\n{}",
            problems.len(),
            plural(problems.len()),
            problems.join("\n")
        ))
    }
}
