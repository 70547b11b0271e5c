//! A process waiting in semop when the set is removed wakes up with EIDRM. The
//! child waits to take a semaphore at 0; the parent waits until the kernel
//! shows the child asleep in that call, then removes the set.
//!
//! Run: cargo run --example sem_eidrm

use std::process::Stdio;

use apue_ipc::sem::{Op, SemaphoreSet};
use harness::{blocked, cli};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let id = args.next().ok_or("missing set id")?.parse()?;
        return child(id);
    }
    // ANCHOR: parent
    let set = SemaphoreSet::new(1)?; // at 0
    let id = set.id().raw();
    let child = cli::spawn(
        cli::child_command("child")?
            .arg(id.to_string())
            .stdout(Stdio::piped()),
        "child",
    )?;
    blocked::wait_until_child_blocked_in(child.id(), libc::SYS_semtimedop)?;
    set.remove()?;

    let output = child.wait_with_output()?;
    assert!(output.status.success());
    let report = String::from_utf8(output.stdout)?;
    assert_eq!(
        report.trim(),
        format!("semop(id={id}): Identifier removed (EIDRM)")
    );
    // ANCHOR_END: parent
    println!("the child reported: {}", report.trim());
    Ok(())
}

// ANCHOR: child
fn child(id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let set = SemaphoreSet::attach(id)?;
    match set.apply(&[Op::take(0)]) {
        // the expected outcome: the set went away
        Err(err) => println!("{err}"),
        Ok(()) => return Err("took a semaphore at 0".into()),
    }
    Ok(())
}
// ANCHOR_END: child
