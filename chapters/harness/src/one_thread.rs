//! The test harness of the exercises whose tests fork: their tests run one
//! after another on the main thread of a process of one thread.
//!
//! `fork` without `exec` is sound only in a process of one thread, and
//! `apue_ipc::fork::fork` refuses anywhere else. libtest, Rust's test harness,
//! runs every test on a thread of its own, even a test run alone with
//! `--test-threads=1`: its main thread waits for the test's, and the process
//! has two. So an exercise whose tests fork is built without libtest
//! (`harness = false` in its chapter's `Cargo.toml`; cargo still sets
//! `cfg(test)`), and the file's `main`, under `cfg(test)`, hands its tests to
//! [`main`]:
//!
//! ```text
//! #[cfg(test)]
//! fn main() {
//!     harness::one_thread::main(tests::ALL);
//! }
//!
//! #[cfg(test)]
//! mod tests {
//!     use super::*;
//!
//!     pub const ALL: &[harness::one_thread::Test] =
//!         harness::one_thread_tests![sums_in_parts, refuses_no_children];
//!
//!     fn sums_in_parts() { /* asserts, as a #[test] would */ }
//!     fn refuses_no_children() { /* ... */ }
//! }
//! ```
//!
//! A test function that the list leaves out is never called, and the compiler
//! says so (`dead_code`, an error under the workspace's clippy).
//!
//! [`main`] answers the part of libtest's command line that cargo and
//! classroom mode (`cargo xtask exercise`) use, with libtest's output: no
//! argument runs every test (`cargo test`); `--list --format terse` lists
//! them; `--exact NAME` runs one, which is how classroom mode runs each test in
//! a process of its own; other arguments are filters. Nothing is captured: a
//! test's output, and its forked children's, goes straight to standard output
//! and error. A failing test is a panic, caught at the test's boundary; the
//! next test runs, and the process exits with 101 if any failed.
//!
//! Every test is bounded: each runs under an alarm of [`PATIENCE`], and a test
//! still running then (deadlocked, say, on a condition variable) ends the
//! process with `SIGALRM`, whose default action is to terminate it, instead of
//! hanging `cargo test`. The children it forked die with it (they ask for
//! `SIGKILL` when their parent dies). Classroom mode stops a test long before.

use std::io::Write;
use std::panic;
use std::process;
use std::time::Duration;

use nix::unistd::alarm;

/// How long one test may run before `SIGALRM` ends the process: far longer
/// than any of these tests takes, short enough to fail instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// One test: its path and its function.
#[derive(Clone, Copy, Debug)]
pub struct Test {
    /// `crate::tests::name`, from `module_path!()`.
    pub path: &'static str,
    /// The test: it passes if it returns, and fails if it panics.
    pub run: fn(),
}

impl Test {
    /// The name libtest would give it: its path without the crate's name,
    /// `tests::name`.
    pub fn name(&self) -> &'static str {
        self.path
            .split_once("::")
            .map_or(self.path, |(_, name)| name)
    }
}

/// The list of tests for [`main`], from the test functions' names:
/// `harness::one_thread_tests![first, second]`, in the module that defines
/// them.
#[macro_export]
macro_rules! one_thread_tests {
    ($($test:ident),* $(,)?) => {
        &[$($crate::one_thread::Test {
            path: concat!(module_path!(), "::", stringify!($test)),
            run: $test,
        }),*]
    };
}

/// What the command line asks for.
#[derive(Debug, Default, PartialEq)]
struct Options {
    list: bool,
    terse: bool,
    exact: bool,
    /// `--ignored`: only the ignored tests, and there are none.
    ignored_only: bool,
    filters: Vec<String>,
    skips: Vec<String>,
}

impl Options {
    /// libtest's options, as far as a harness of one thread has a use for
    /// them. Those about threads and capturing are accepted and change
    /// nothing: the tests always run on this one thread, uncaptured.
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => {
                    (flag, Some(value.to_string()))
                }
                _ => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next().cloned())
                    .ok_or(format!("{flag} needs a value"))
            };
            match flag {
                "--list" => options.list = true,
                "--exact" => options.exact = true,
                "--ignored" => options.ignored_only = true,
                "--format" => options.terse = value()? == "terse",
                "--skip" => options.skips.push(value()?),
                "--nocapture" | "--no-capture" | "--show-output"
                | "--include-ignored" | "-q" | "--quiet" => {}
                "--test-threads" | "--color" | "-Z" => {
                    value()?;
                }
                _ if flag.starts_with('-') => {
                    return Err(format!("unknown option {arg}"))
                }
                _ => options.filters.push(arg.clone()),
            }
        }
        Ok(options)
    }

    fn selects(&self, name: &str) -> bool {
        let matches = |filter: &String| {
            if self.exact {
                name == filter
            } else {
                name.contains(filter.as_str())
            }
        };
        !self.ignored_only
            && (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skips.iter().any(matches)
    }
}

/// Runs the tests that the command line selects, one after another on this
/// thread, and exits: 0 if every one passed, 101 if one failed, as libtest
/// does. Call it from `main`, on the process's only thread.
pub fn main(tests: &[Test]) -> ! {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match Options::parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            process::exit(101);
        }
    };
    let chosen: Vec<&Test> =
        tests.iter().filter(|t| options.selects(t.name())).collect();
    let filtered_out = tests.len() - chosen.len();
    if options.list {
        for test in &chosen {
            println!("{}: test", test.name());
        }
        if !options.terse {
            println!("\n{} tests, 0 benchmarks", chosen.len());
        }
        process::exit(0);
    }
    println!("\nrunning {} test{}", chosen.len(), plural(chosen.len()));
    let mut failed = Vec::new();
    for test in &chosen {
        // The test's output, uncaptured, comes between these two.
        print!("test {} ... ", test.name());
        let _ = std::io::stdout().flush();
        alarm::set(PATIENCE.as_secs() as u32);
        let outcome = panic::catch_unwind(test.run);
        alarm::cancel();
        match outcome {
            Ok(()) => println!("ok"),
            Err(_) => {
                println!("FAILED");
                failed.push(test.name());
            }
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for name in &failed {
            println!("    {name}");
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; 0 ignored; 0 measured; \
         {filtered_out} filtered out\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        chosen.len() - failed.len(),
        failed.len(),
    );
    process::exit(if failed.is_empty() { 0 } else { 101 })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        Options::parse(&args)
    }

    fn nothing() {}

    #[test]
    fn names_are_paths_without_the_crate() {
        let tests: &[Test] = one_thread_tests![nothing];
        assert_eq!(tests[0].path, "harness::one_thread::tests::nothing");
        assert_eq!(tests[0].name(), "one_thread::tests::nothing");
    }

    #[test]
    fn the_command_lines_of_cargo_and_classroom_mode_are_understood() {
        let none = parse(&[]).unwrap();
        assert!(none.selects("tests::a") && none.selects("tests::b"));

        let listing = parse(&["--list", "--format", "terse"]).unwrap();
        assert!(listing.list && listing.terse);
        assert!(listing.selects("tests::a"));

        // What classroom mode runs for each test.
        let one =
            parse(&["--exact", "tests::a", "--nocapture", "--test-threads=1"])
                .unwrap();
        assert!(one.selects("tests::a"));
        assert!(!one.selects("tests::ab"));
        assert!(!one.selects("other::tests::a"));

        let filtered = parse(&["b", "--skip", "bc", "-q"]).unwrap();
        assert!(filtered.selects("tests::ab"));
        assert!(!filtered.selects("tests::a"));
        assert!(!filtered.selects("tests::abc"));

        assert!(!parse(&["--ignored"]).unwrap().selects("tests::a"));
        assert_eq!(
            parse(&["--frobnicate"]).unwrap_err(),
            "unknown option --frobnicate"
        );
        assert_eq!(parse(&["--skip"]).unwrap_err(), "--skip needs a value");
    }
}
