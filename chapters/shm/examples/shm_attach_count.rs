//! shm_nattch counts attachments, not processes: it rises with every attach,
//! here and in other processes, and falls with every detach, including the
//! ones the kernel makes when a process exits.
//!
//! Run: cargo run --example shm_attach_count

use std::io::Read;
use std::process::Stdio;

use apue_ipc::shm::SharedMemory;
use harness::{blocked, cli};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let id = args.next().ok_or("missing segment id")?.parse()?;
        return child(id);
    }
    // ANCHOR: parent
    let segment = SharedMemory::new(64)?;
    let count = || segment.stat().map(|status| status.attachments);
    assert_eq!(count()?, 0); // created, not attached
    let first = segment.attach()?;
    let second = segment.attach_read_only()?; // the same process, again
    assert_eq!(count()?, 2);

    // A child attaches too, then waits for its standard input to close.
    let mut child = cli::spawn(
        cli::child_command("child")?
            .arg(segment.id().raw().to_string())
            .stdin(Stdio::piped()),
        "child",
    )?;
    blocked::wait_until_child_blocked_in(child.id(), libc::SYS_read)?;
    assert_eq!(count()?, 3);
    drop(child.stdin.take()); // end-of-file: the child exits...
    cli::wait_success(child, "child")?;
    assert_eq!(count()?, 2); // ...and its exit detached it

    drop(second);
    assert_eq!(count()?, 1);
    first.detach()?;
    assert_eq!(count()?, 0);
    // ANCHOR_END: parent
    println!("0, 2, 3 with the child, 2 after its exit, 1, 0");
    Ok(())
}

// ANCHOR: child
fn child(id: i32) -> Result<(), Box<dyn std::error::Error>> {
    let _attached = SharedMemory::from_id(id)?.attach()?;
    // Until the parent closes it:
    std::io::stdin().read_to_end(&mut Vec::new())?;
    Ok(()) // exit: the kernel detaches what is still attached
}
// ANCHOR_END: child
