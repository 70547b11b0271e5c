//! uds: the message-queue chapter's example, with a Unix domain socket in
//! place of the XSI queue: the same messages, the same three lines.
//!
//! Demonstrates typed messages over SOCK_SEQPACKET (apue_ipc::uds::
//! MessageSocket), the replacement for message queues that the article
//! recommends: the program creates a connected pair of sockets, sends the C
//! string "help" (5 bytes with its NUL) as a message of type 911 from one end,
//! prints the bytes and messages waiting at the other end and the sending
//! end's buffer size, tries a non-blocking receive of type 910 (there is none:
//! ENOMSG, as msgrcv says), receives the message of type 911 and prints it.
//!
//! Run it with `cargo run --bin uds`. Expected output, line for line the
//! output of `cargo run --bin msg`:
//!
//!     current bytes:5,current number:1,max bytes:16384
//!     msgrcv1 No message of desired type
//!     help
//!
//! (16384 is the sending socket's SO_SNDBUF: the program asks for 8192, and
//! the kernel doubles what it is asked for.)

use std::ffi::CStr;
use std::process::ExitCode;

use apue_ipc::msg::Select;
use apue_ipc::uds::{MessageSocket, UnixSocket};
use harness::cli::{self, Args, Failure};
use nix::errno::Errno;

const HELP: &str = "\
Usage: uds

The message-queue example (cargo run --bin msg) with a Unix domain socket in
place of the XSI queue. Creates a connected pair of SOCK_SEQPACKET sockets,
sends \"help\" as a message of type 911, prints the bytes and messages waiting
and the sender's buffer size, shows that a non-blocking receive of type 910
finds nothing (ENOMSG), then receives and prints the message of type 911.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call failed, 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("uds", HELP, example)
}

// ANCHOR: example
fn example(args: Args) -> Result<(), Failure> {
    args.finish()?;
    // socketpair(AF_UNIX, SOCK_SEQPACKET): two ends, closed on drop
    let (sender, mut receiver) = MessageSocket::pair()?;
    // The queue held 16384 bytes; ask the same of the socket (the kernel
    // stores, and reports, twice what it is asked).
    sender.set_send_buffer_size(8192)?;

    // The C program sends a C string with its terminating NUL: 5 bytes.
    sender.send(911, c"help".to_bytes_with_nul())?;

    let waiting = receiver.waiting()?;
    println!(
        "current bytes:{},current number:{},max bytes:{}",
        waiting.bytes,
        waiting.messages,
        sender.send_buffer_size()?
    );

    match receiver.try_receive(Select::Type(910), 512) {
        Err(err) if err.errno() == Some(Errno::ENOMSG) => {
            println!("msgrcv1 {}", Errno::ENOMSG.desc());
        }
        Err(err) => return Err(err.into()),
        Ok(message) => {
            let unexpected = format!("received {message:?}");
            return Err(Failure::Runtime(unexpected.into()));
        }
    }

    let Some(message) = receiver.receive(Select::Type(911), 512)? else {
        let closed = "the sender closed its end before sending";
        return Err(Failure::Runtime(closed.into()));
    };
    println!(
        "{}",
        CStr::from_bytes_with_nul(&message.data)?.to_string_lossy()
    );
    Ok(()) // dropping both ends closes them: nothing to remove
}
// ANCHOR_END: example
