//! mmap_anon: a parent and its child share an anonymous mapping, as in the
//! article's second mmap example.
//!
//! Demonstrates mmap(2) with MAP_SHARED | MAP_ANONYMOUS: the parent maps 1024
//! bytes of zeroes that belong to no file, and forks (without exec: the child
//! must inherit the mapping). The parent copies the C string "hello" into the
//! mapping, then sends the child SIGUSR1. The child waits for that signal
//! with sigwait(3), which returns only after the copy, then prints the string
//! it finds in the mapping. No sleep: the signal orders the two, and it cannot
//! be lost, because it is blocked from before the fork: sent early, it waits,
//! pending, until the child asks for it.
//!
//! Run it with `cargo run --bin mmap_anon`. Expected output:
//!
//!     hello

use std::process::ExitCode;

use apue_ipc::fork::fork;
use apue_ipc::mmap::Mapping;
use apue_ipc::Context;
use harness::cli::{self, Args, Failure};
use nix::sys::signal::{kill, SigSet, Signal};

const NAME: &str = "mmap_anon";

const HELP: &str = "\
Usage: mmap_anon

A parent and its child share 1024 bytes of an anonymous mapping
(MAP_SHARED | MAP_ANONYMOUS).

The parent blocks SIGUSR1, maps the bytes and forks. It copies \"hello\" into
the mapping and then sends the child SIGUSR1; the child waits for the signal
with sigwait, then prints the string it finds in the mapping.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
(The child is a fork of the parent, without exec: it inherits the mapping.)
";

fn main() -> ExitCode {
    cli::run(NAME, HELP, example)
}

// ANCHOR: example
fn example(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let shared = Mapping::anonymous(1024)?; // MAP_SHARED | MAP_ANONYMOUS

    // Blocked, SIGUSR1 is kept pending until sigwait takes it. The child
    // inherits the mask, so a signal sent before it waits is not lost.
    let mut usr1 = SigSet::empty();
    usr1.add(Signal::SIGUSR1);
    usr1.thread_block().context("sigprocmask", "SIGUSR1")?;

    let child = fork(|| cli::forked_child(NAME, || child(&shared, &usr1)))?;

    shared.write(0, b"hello\0")?; // strcpy(addr, "hello")
    kill(child.pid(), Signal::SIGUSR1).context("kill", "child")?;
    cli::wait_forked(child, "child")?;
    Ok(())
}

fn child(shared: &Mapping, usr1: &SigSet) -> Result<(), Failure> {
    usr1.wait().context("sigwait", "SIGUSR1")?; // returns once it was sent
    let mut text = [0u8; 1024];
    shared.read(0, &mut text)?;
    let hello = text.split(|&b| b == 0).next().unwrap_or_default();
    println!("{}", String::from_utf8_lossy(hello)); // printf("%s\n")
    Ok(())
}
// ANCHOR_END: example
