//! A process waiting in msgrcv when the queue is removed wakes up with EIDRM.
//! The child blocks in msgrcv on an empty queue; the parent waits until the
//! kernel shows the child asleep in that call, then removes the queue.
//!
//! Run: cargo run --example msg_eidrm

use std::process::Stdio;

use apue_ipc::msg::{MessageQueue, Select};
use harness::{blocked, cli};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(args) = cli::demonstration_role() {
        let id = args.first().ok_or("missing queue id")?.parse()?;
        return child(id);
    }
    // ANCHOR: parent
    let queue = MessageQueue::new()?;
    let id = queue.id().raw();
    let child = cli::spawn(
        cli::child_command("child")?
            .arg(id.to_string())
            .stdout(Stdio::piped()),
        "child",
    )?;
    // Not a sleep: poll /proc/PID/syscall until the child sleeps inside msgrcv.
    blocked::wait_until_child_blocked_in(child.id(), libc::SYS_msgrcv)?;
    queue.remove()?;

    let output = child.wait_with_output()?;
    assert!(output.status.success());
    let report = String::from_utf8(output.stdout)?;
    assert_eq!(
        report.trim(),
        format!("msgrcv(id={id}, type=0): Identifier removed (EIDRM)")
    );
    // ANCHOR_END: parent
    println!("the child reported: {}", report.trim());
    Ok(())
}

// ANCHOR: child
fn child(id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let queue = MessageQueue::attach(id)?;
    match queue.receive(Select::Any, 64) {
        // the expected outcome: the queue went away
        Err(err) => println!("{err}"),
        Ok(message) => return Err(format!("got a message: {message:?}").into()),
    }
    Ok(())
}
// ANCHOR_END: child
