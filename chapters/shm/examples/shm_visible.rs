//! What one process writes into a segment, another attached to it sees at
//! once, with no copy and no call: the two attachments are the same memory.
//! The parent writes "ping"; its child finds it and writes "pong" in its
//! place; the parent reads "pong" through its own attachment.
//!
//! Run: cargo run --example shm_visible

use apue_ipc::shm::SharedMemory;
use harness::cli;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let id = args.next().ok_or("missing segment id")?.parse()?;
        return child(id);
    }
    // ANCHOR: parent
    let segment = SharedMemory::new(4)?;
    let mut memory = segment.attach()?;
    memory.as_mut_slice().copy_from_slice(b"ping");

    // The child's start and end order its accesses after and before ours.
    let child = cli::spawn(
        cli::child_command("child")?.arg(segment.id().raw().to_string()),
        "child",
    )?;
    cli::wait_success(child, "child")?;
    // written by the child
    assert_eq!(memory.as_slice(), b"pong");
    // ANCHOR_END: parent
    println!("wrote ping, read pong");
    Ok(())
}

// ANCHOR: child
fn child(id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let mut memory = SharedMemory::from_id(id)?.attach()?;
    assert_eq!(memory.as_slice(), b"ping"); // written by the parent
    memory.as_mut_slice().copy_from_slice(b"pong");
    Ok(())
}
// ANCHOR_END: child
