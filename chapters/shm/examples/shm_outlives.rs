//! A segment outlives the process that created it: a child creates one, writes
//! into it, detaches and exits without removing it. The segment is still
//! there, with what the child wrote, attached by no one, until the parent
//! removes it.
//!
//! Run: cargo run --example shm_outlives

use std::ffi::CStr;

use apue_ipc::shm::SharedMemory;
use apue_ipc::xsi::{Id, Kind, Object};
use harness::cli;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_roles(&["child"]);
    if std::env::args().nth(1).as_deref() == Some("child") {
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
    // Ours to remove now:
    let owned = Object::adopt(Id::from_raw(Kind::SharedMemory, raw));

    let segment = SharedMemory::from_id(raw)?; // ...and its segment is here,
    let status = segment.stat()?;
    assert_eq!(status.attachments, 0); // attached by no one,
    assert_eq!(status.creator_pid, creator); // made by a process that is gone,
    let memory = segment.attach_read_only()?;
    let text = CStr::from_bytes_until_nul(memory.as_slice())?;
    assert_eq!(text, c"left behind"); // with what it wrote.
    drop(memory);
    owned.remove()?;
    // ANCHOR_END: parent
    println!("shm id={raw} outlived its creator, process {creator}");
    Ok(())
}

// ANCHOR: child
fn child() -> Result<(), Box<dyn std::error::Error>> {
    let segment = SharedMemory::new(64)?;
    let text = c"left behind".to_bytes_with_nul();
    segment.attach()?.as_mut_slice()[..text.len()].copy_from_slice(text);
    println!("{}", segment.keep().raw()); // keep: leave it in the kernel
    Ok(())
}
// ANCHOR_END: child
