//! ipc_limits: the kernel's System V IPC limits, as `ipcs -l` shows them.
//!
//! Demonstrates reading the limits the article mentions ("XSI IPC has built-in
//! limits, see `ipcs -l`, change them with sysctl") into a typed struct: the
//! tunables from /proc/sys/kernel (msgmax, msgmnb, msgmni, sem, shmmax, shmall,
//! shmmni) and the two compiled-in values from semctl/shmctl(IPC_INFO). Each
//! line names the sysctl; a value that differs from Linux's default says so.
//!
//! Run it with `cargo run --bin ipc_limits`. Expected output on a Linux machine
//! nobody has tuned (64-bit):
//!
//!     Message queues
//!       msgmni  max queues system wide = 32000
//!       msgmax  max size of message (bytes) = 8192
//!       ...
//!     Semaphores
//!       ...
//!       semvmx  semaphore max value = 32767

use std::process::ExitCode;

use apue_ipc::xsi::{Kind, Limits};
use harness::cli::{self, Args, Failure};

const HELP: &str = "\
Usage: ipc_limits

Prints the kernel's System V IPC limits, as `ipcs -l` does, each with the name of
its sysctl (/proc/sys/kernel/NAME). A value that differs from Linux's default is
followed by the default.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if reading a limit failed, 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("ipc_limits", HELP, print_limits)
}

// ANCHOR: print
fn print_limits(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let limits = Limits::read()?;
    let mut section = None;
    for limit in limits.entries() {
        if section != Some(limit.kind) {
            section = Some(limit.kind);
            println!("{}", heading(limit.kind));
        }
        print!("  {:<6}  {} = {}", limit.name, limit.meaning, limit.value);
        if limit.value != limit.default {
            print!(" (Linux default: {})", limit.default);
        }
        println!();
    }
    Ok(())
}
// ANCHOR_END: print

fn heading(kind: Kind) -> &'static str {
    match kind {
        Kind::MessageQueue => "Message queues",
        Kind::SemaphoreSet => "Semaphores",
        Kind::SharedMemory => "Shared memory",
    }
}
