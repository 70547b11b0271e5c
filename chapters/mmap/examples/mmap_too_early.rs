//! What the note's child prints when its sleep(1) is not long enough: a
//! child that reads the mapping before the parent's copy finds zeroes, an
//! empty C string. Here the order is forced, the wrong way round: the parent
//! copies only after the child has read and exited.
//!
//! Run: cargo run --example mmap_too_early

use apue_ipc::fork::fork;
use apue_ipc::mmap::Mapping;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: too_early
    let shared = Mapping::anonymous(1024)?;
    let child = fork(|| -> apue_ipc::Result<()> {
        let mut text = [0u8; 1024];
        shared.read(0, &mut text)?;
        let string = text.split(|&b| b == 0).next().unwrap_or_default();
        assert_eq!(string, b""); // printf("%s\n") would print an empty line
        Ok(())
    })?;
    child.wait_success()?; // the child has read, and is gone
                           // too late
    shared.write(0, b"hello\0")?;
    // ANCHOR_END: too_early
    println!("a child that reads first prints an empty line");
    Ok(())
}
