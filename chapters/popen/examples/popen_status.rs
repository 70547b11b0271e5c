//! What closing a Popen (C's pclose) reports: the shell's wait status, which
//! says either "exited with code N" or "killed by signal N". A command the
//! shell cannot find makes the shell exit with 127; a command killed by a
//! signal is reported as killed; 128 + N is only what a shell says about a
//! child of its own that a signal killed.
//!
//! Run: cargo run --example popen_status

use std::process::Command;

use apue_ipc::popen::{libc_pclose_status, Popen, Status};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: exited
    let status = Popen::writing("exit 3")?.close()?;
    assert_eq!(status, Status::Exited(3));

    // C's popen and pclose, for comparison
    let from_c = libc_pclose_status("exit 3")?;
    assert_eq!(from_c, 768); // 3 << 8: the code sits in the second byte
    assert_eq!(Status::from_wait_status(from_c), Some(status));
    // ANCHOR_END: exited
    println!("exit 3: {status}, C's pclose returned {from_c}");

    // ANCHOR: not_found
    let status = Popen::writing("no-such-command 2>/dev/null")?.close()?;
    // the shell ran; the command was not found
    assert_eq!(status, Status::Exited(127));
    assert_eq!(libc_pclose_status("no-such-command 2>/dev/null")?, 127 << 8);
    // ANCHOR_END: not_found
    println!(
        "no-such-command: {status}, C's pclose returned {}",
        127 << 8
    );

    // ANCHOR: killed
    // the shell kills itself
    let status = Popen::writing("kill -TERM $$")?.close()?;
    assert_eq!(status, Status::Killed(libc::SIGTERM));
    // C's pclose returns 15 here, not 128 + 15
    assert_eq!(libc_pclose_status("kill -TERM $$")?, libc::SIGTERM);
    // ANCHOR_END: killed
    println!(
        "kill -TERM $$: {status}, C's pclose returned {}",
        libc::SIGTERM
    );

    // ANCHOR: shell_reports
    // The shell starts `sleep`, a signal kills it, and the shell, still alive,
    // reports that as 128 + 15 in `$?` and exits with it.
    let status =
        Popen::writing("sleep 60 & kill -TERM $!; wait $! 2>/dev/null")?
            .close()?;
    assert_eq!(status, Status::Exited(128 + libc::SIGTERM));
    // ANCHOR_END: shell_reports
    println!("sleep killed under the shell: {status}");

    // ANCHOR: cannot_start
    // No status at all: the shell never ran, and popen itself fails.
    let err =
        Popen::writing_to(&mut Command::new("/no/such/shell")).unwrap_err();
    assert_eq!(err.errno(), Some(Errno::ENOENT));
    // ANCHOR_END: cannot_start
    println!("{err}");
    Ok(())
}
