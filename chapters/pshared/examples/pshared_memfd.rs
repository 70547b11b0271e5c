//! A process-shared mutex needs shared memory, not a common ancestor: in a
//! memfd, it serves processes started with `exec`, which inherit no memory,
//! and get the file as a descriptor (here, as their standard input). Four of
//! them count to 10,000 each under the mutex; no increment is lost.
//!
//! Run: cargo run --example pshared_memfd

use std::os::fd::AsFd;
use std::process::Stdio;

use apue_ipc::pshared::SharedMutex;
use harness::cli;

const CHILDREN: u64 = 4;
const EACH: u64 = 10_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if cli::demonstration_role().is_some() {
        return child();
    }
    // ANCHOR: parent
    let counter = SharedMutex::in_memfd(0u64)?; // memfd_create, mmap, init
    let file = counter.memfd().ok_or("the mutex has no memfd")?;
    let mut children = Vec::new();
    for _ in 0..CHILDREN {
        let stdin = Stdio::from(file.try_clone_to_owned()?);
        let mut command = cli::child_command("child")?;
        children.push(cli::spawn(command.stdin(stdin), "child")?);
    }
    for child in children {
        cli::wait_success(child, "child")?;
    }
    // Every increment is there: one mutex, in five processes.
    assert_eq!(*counter.lock()?, CHILDREN * EACH);
    // ANCHOR_END: parent
    println!(
        "{CHILDREN} processes started with exec counted to {} under one mutex",
        CHILDREN * EACH
    );
    Ok(())
}

fn child() -> Result<(), Box<dyn std::error::Error>> {
    // ANCHOR: child
    let file = std::io::stdin().as_fd().try_clone_to_owned()?;
    let counter = SharedMutex::<u64>::open_memfd(file)?; // mmap, no init
    for _ in 0..EACH {
        *counter.lock()? += 1;
    }
    // ANCHOR_END: child
    Ok(())
}
