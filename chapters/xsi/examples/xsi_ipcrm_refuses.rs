//! ipcrm does not fail silently: when it cannot remove an object it names the
//! identifier and the reason on standard error, and exits with status 1. The
//! note's cleanup script runs it through os.system, which hands the status
//! back to a script that never looks at it.
//!
//! Run: cargo run --example xsi_ipcrm_refuses (needs ipcrm, from util-linux;
//! the other user's attempt runs only as root, the one user allowed to start
//! a process as another)

use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

use apue_ipc::msg::MessageQueue;
use nix::unistd::geteuid;

/// The other user: "nobody" on Debian, a uid that owns nothing here.
const STRANGER: u32 = 65534;

/// `ipcrm -q ID`, in the C locale; as root it runs as uid 65534, so that it
/// never removes anything of root's.
fn ipcrm(id: &str) -> std::io::Result<Output> {
    let mut command = Command::new("ipcrm");
    command.args(["-q", id]).env("LC_ALL", "C");
    if geteuid().is_root() {
        command.uid(STRANGER).gid(STRANGER);
    }
    command.output()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: refuses
    let queue = MessageQueue::new()?;
    let id = queue.id().raw().to_string();
    if geteuid().is_root() {
        // Another user's ipcrm: refused, said on stderr, status 1.
        let denied = ipcrm(&id)?;
        assert_eq!(denied.status.code(), Some(1));
        assert_eq!(
            String::from_utf8(denied.stderr)?,
            format!("ipcrm: permission denied for id ({id})\n")
        );
        assert!(queue.id().is_listed()?); // and the queue is still there
    }
    queue.remove()?;
    // An identifier that names nothing any more: refused and said too.
    let invalid = ipcrm(&id)?;
    assert_eq!(invalid.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(invalid.stderr)?,
        format!("ipcrm: invalid id ({id})\n")
    );
    // ANCHOR_END: refuses
    println!("ipcrm said why it could not remove msg id={id}, and exited 1");
    Ok(())
}
