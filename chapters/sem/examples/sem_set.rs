//! semget creates one set of nsems semaphores, not nsems sets, and each
//! semaphore of the set has its own value, its own last pid, and its own
//! counts of waiters: they are not attributes of the set. Opening an existing
//! set, nsems may be 0, or anything up to the set's size.
//!
//! Run: cargo run --example sem_set

use apue_ipc::sem::{Op, SemaphoreSet};
use apue_ipc::xsi::{Key, Options};
use harness::cli;
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("child") {
        let id = args.next().ok_or("missing set id")?.parse()?;
        return Ok(SemaphoreSet::attach(id)?.apply(&[Op::give(2)])?);
    }
    // ANCHOR: set
    let key = Key::unique_to_process(1);
    let set = SemaphoreSet::open(key, 3, Options::new().exclusive(true))?;
    assert_eq!(set.stat()?.semaphores, 3); // one set, of three

    set.apply(&[Op::give(0), Op::give(0)])?; // this process: 2 on #0
    let child = cli::spawn(
        cli::child_command("child")?.arg(set.id().raw().to_string()),
        "child",
    )?;
    let child_pid = child.id() as i32;
    cli::wait_success(child, "child")?; // the child: 1 on #2
    assert_eq!(set.values()?, [2, 0, 1]); // a value each,
    let me = std::process::id() as i32;
    assert_eq!(set.last_pid(0)?, Some(me)); // a last pid each,
    assert_eq!(set.last_pid(1)?, None);
    assert_eq!(set.last_pid(2)?, Some(child_pid));
    // ANCHOR_END: set

    // ANCHOR: nsems
    // Opening: nsems is at most the set's size; 0 means "whatever it is".
    let same = SemaphoreSet::open(key, 0, &Options::new())?;
    assert_eq!(same.id(), set.id());
    let err = SemaphoreSet::open(key, 4, &Options::new()).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EINVAL));
    // Creating: a set of 0 semaphores is no set.
    let err = SemaphoreSet::new(0).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::EINVAL));
    // ANCHOR_END: nsems
    println!("one set of three semaphores, each with its own value and pid");
    Ok(())
}
