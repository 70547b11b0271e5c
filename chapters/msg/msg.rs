//! msg: the note's message queue example: one message in, a failed non-blocking
//! receive, the message out.
//!
//! Demonstrates msgget(2), msgsnd(2), msgrcv(2) and msgctl(2), as in the
//! article: the program creates a private queue, sends the C string "help" (5
//! bytes with its NUL) as a message of type 911, prints the queue's byte count,
//! message count and capacity from IPC_STAT, tries a non-blocking receive of
//! type 910 (there is none: ENOMSG), receives the message of type 911, prints
//! it, and removes the queue.
//!
//! Run it with `cargo run --bin msg`. Expected output:
//!
//!     current bytes:5,current number:1,max bytes:16384
//!     msgrcv1 No message of desired type
//!     help
//!
//! (16384 is the machine's `msgmnb`, the capacity of a new queue: Linux's
//! default.)

use std::ffi::CStr;
use std::process::ExitCode;

use apue_ipc::msg::{MessageQueue, Select};
use harness::cli::{self, Args, Failure};
use nix::errno::Errno;

const HELP: &str = "\
Usage: msg

Creates a private message queue, sends \"help\" as a message of type 911, prints
the queue's counters, shows that a non-blocking receive of type 910 finds nothing
(ENOMSG), receives and prints the message of type 911, and removes the queue.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("msg", HELP, example)
}

// ANCHOR: example
fn example(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let queue = MessageQueue::new()?; // IPC_PRIVATE, mode 0600, removed on drop

    // The C program sends a C string with its terminating NUL: 5 bytes.
    queue.send(911, c"help".to_bytes_with_nul())?;

    let status = queue.stat()?;
    println!(
        "current bytes:{},current number:{},max bytes:{}",
        status.bytes, status.messages, status.max_bytes
    );

    match queue.try_receive(Select::Type(910), 512) {
        Err(err) if err.errno() == Some(Errno::ENOMSG) => {
            println!("msgrcv1 {}", Errno::ENOMSG.desc());
        }
        Err(err) => return Err(err.into()),
        Ok(message) => {
            let unexpected =
                format!("received a message of type {}", message.mtype);
            return Err(Failure::Runtime(unexpected.into()));
        }
    }

    let message = queue.receive(Select::Type(911), 512)?;
    println!(
        "{}",
        CStr::from_bytes_with_nul(&message.data)?.to_string_lossy()
    );

    queue.remove()?; // on error paths, dropping `queue` removes it
    Ok(())
}
// ANCHOR_END: example
