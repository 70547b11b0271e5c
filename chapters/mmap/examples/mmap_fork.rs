//! The checked fork of `apue_ipc::fork`: the child runs a closure and leaves
//! with _exit, the parent learns how it ended, and a process with a second
//! thread is refused.
//!
//! Run: cargo run --example mmap_fork

use std::sync::mpsc;
use std::thread;

use apue_ipc::fork::{self, fork, Ended};
use nix::sys::signal::{raise, Signal};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: ends
    // The closure's result is the child's exit status, as main's would be.
    let mut child = fork(|| 3)?;
    assert_eq!(child.wait()?, Ended::Exited(3));

    let mut child = fork(|| raise(Signal::SIGKILL))?;
    assert_eq!(child.wait()?, Ended::Killed(Signal::SIGKILL));

    let child = fork(|| -> Result<(), String> { Err("no".into()) })?;
    let err = child.wait_success().unwrap_err(); // it printed `Error: "no"`
    assert!(err.to_string().ends_with(": exited with status 1"), "{err}");
    // ANCHOR_END: ends

    // ANCHOR: refused
    assert_eq!(fork::thread_count()?, 1); // main: this program's only thread

    let (stop, stopped) = mpsc::channel::<()>();
    let waiting = thread::spawn(move || stopped.recv());
    assert_eq!(fork::thread_count()?, 2);
    let err = fork(|| 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fork(a process of 2 threads): fork without exec needs a \
         single-threaded process: a lock another thread holds would stay \
         locked in the child forever"
    );
    drop(stop);
    waiting.join().expect("the thread ends").unwrap_err();
    // ANCHOR_END: refused
    println!("forked with one thread, refused with two");
    Ok(())
}
