//! A named semaphore between two processes: the child finds it by name. And
//! what a POSIX semaphore does not do: give back what a process took when that
//! process ends.
//!
//! Run: cargo run --example posix_sem

use apue_ipc::posix::{Name, Semaphore};
use harness::cli;
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let name = Name::new(&args.next().ok_or("missing the name")?)?;
        // ANCHOR: child
        let lock = Semaphore::open(&name)?; // by name, not created here
        lock.wait()?; // take it...
                      // ...and exit without posting:
        return Ok(());
        // ANCHOR_END: child
    }
    // ANCHOR: parent
    let lock = Semaphore::create(&Name::unique("sem")?, 1)?; // free: value 1
    assert!(lock.name().semaphore_path().exists()); // /dev/shm/sem.NAME
    let child = cli::spawn(
        cli::child_command("child")?.arg(lock.name().as_str()),
        "child",
    )?;
    cli::wait_success(child, "child")?;
    // The child is gone, and what it took stays taken:
    assert_eq!(lock.value()?, 0);
    let err = lock.try_wait().unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EAGAIN));
    // ANCHOR_END: parent
    println!("{err}");
    Ok(())
}
