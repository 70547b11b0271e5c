//! Shared memory with semaphores guarding it: a producer and a consumer take
//! turns at a one-message segment. Two semaphores say whose turn it is: EMPTY
//! (1: the producer may write the slot) and FULL (0: the slot holds a message
//! for the consumer). The parent produces three messages and an empty one to
//! end; the child consumes and prints them.
//!
//! Run: cargo run --example shm_guarded

use std::process::Stdio;

use apue_ipc::sem::{Op, SemaphoreSet};
use apue_ipc::shm::SharedMemory;
use harness::{blocked, cli};

/// The slot: one length byte, then up to 63 bytes of message.
const SLOT: usize = 64;
/// Semaphore 0: the slot may be written. Semaphore 1: it may be read.
const EMPTY: u16 = 0;
const FULL: u16 = 1;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let segment = args.next().ok_or("missing segment id")?.parse()?;
        let set = args.next().ok_or("missing set id")?.parse()?;
        return consumer(segment, set);
    }
    // ANCHOR: producer
    let segment = SharedMemory::new(SLOT)?;
    let mut slot = segment.attach()?;
    let turns = SemaphoreSet::with_values(&[1, 0])?; // EMPTY, FULL
    let child = cli::spawn(
        cli::child_command("child")?
            .arg(segment.id().raw().to_string())
            .arg(turns.id().raw().to_string())
            .stdout(Stdio::piped()),
        "consumer",
    )?;
    let messages = ["hello,world", "from one process", "to another", ""];
    for message in messages {
        // Our turn: the slot is empty (bounded: the consumer may have died).
        turns.apply_within(&[Op::take(EMPTY)], blocked::PATIENCE)?;
        let bytes = slot.as_mut_slice();
        bytes[0] = message.len() as u8;
        bytes[1..=message.len()].copy_from_slice(message.as_bytes());
        turns.apply(&[Op::give(FULL)])?; // the consumer's turn
    }
    let output = child.wait_with_output()?;
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout)?,
        messages[..3].join("\n") + "\n"
    );
    // ANCHOR_END: producer
    println!("three messages went through one slot, in turn");
    Ok(())
}

// ANCHOR: consumer
fn consumer(segment: i32, set: i32) -> Result<(), Box<dyn std::error::Error>> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
    let slot = SharedMemory::from_id(segment)?.attach_read_only()?;
    let turns = SemaphoreSet::attach(set)?;
    loop {
        turns.apply(&[Op::take(FULL)])?; // wait for a message
        let bytes = slot.as_slice();
        let message = String::from_utf8(bytes[1..=bytes[0].into()].to_vec())?;
        turns.apply(&[Op::give(EMPTY)])?; // the slot is free again
        if message.is_empty() {
            return Ok(()); // the end
        }
        println!("{message}");
    }
}
// ANCHOR_END: consumer
