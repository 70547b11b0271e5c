//! An XSI object outlives the process that created it: there is no reference
//! count, and nothing is removed when the creator exits. A child creates a
//! queue, leaves a message in it and exits; the queue is still listed in
//! /proc/sysvipc/msg until someone removes it.
//!
//! Run: cargo run --example xsi_outlives

use apue_ipc::msg::MessageQueue;
use apue_ipc::xsi::{Id, Kind, Object};
use harness::cli;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if cli::demonstration_role().is_some() {
        return child();
    }
    // ANCHOR: parent
    let child = cli::spawn(
        cli::child_command("child")?.stdout(std::process::Stdio::piped()),
        "child",
    )?;
    let creator = child.id() as i32;
    let output = child.wait_with_output()?; // the creator has exited...
    assert!(output.status.success());
    let raw: i32 = String::from_utf8(output.stdout)?.trim().parse()?;
    // (ours to remove now)
    let queue = Object::adopt(Id::from_raw(Kind::MessageQueue, raw));

    assert!(queue.id().is_listed()?); // ...and its queue is still there,
    let status = MessageQueue::attach(raw)?.stat()?;
    // with the message it left,
    assert_eq!(status.messages, 1);
    // sent by a process that is gone.
    assert_eq!(status.last_send_pid, Some(creator));

    let id = queue.id();
    queue.remove()?;
    assert!(!id.is_listed()?);
    // ANCHOR_END: parent
    println!("{id} outlived its creator, process {creator}, until removed");
    Ok(())
}

// ANCHOR: child
fn child() -> Result<(), Box<dyn std::error::Error>> {
    let queue = MessageQueue::new()?;
    queue.send(1, b"left behind")?;
    println!("{}", queue.keep().raw()); // keep: leave it in the kernel on exit
    Ok(())
}
// ANCHOR_END: child
