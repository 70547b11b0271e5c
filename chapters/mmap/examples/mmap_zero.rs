//! What "/dev/zero ignores writes" means for a mapping of it: the mapping
//! keeps what is written, /dev/zero itself still reads as zeroes, and a new
//! mapping of /dev/zero starts from zeroes again, sharing nothing with the
//! first.
//!
//! Run: cargo run --example mmap_zero

use std::fs::File;
use std::io::Read;

use apue_ipc::mmap::Mapping;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: zero
    let first = Mapping::dev_zero(4096)?;
    first.write(0, b"hello")?;
    let mut kept = [0u8; 5];
    first.read(0, &mut kept)?;
    assert_eq!(&kept, b"hello"); // the mapping keeps it

    let mut read = [1u8; 5];
    File::open("/dev/zero")?.read_exact(&mut read)?;
    assert_eq!(read, [0; 5]); // the file does not

    let second = Mapping::dev_zero(4096)?;
    let mut fresh = [1u8; 5];
    second.read(0, &mut fresh)?;
    // and a new mapping of it shares nothing
    assert_eq!(fresh, [0; 5]);
    // ANCHOR_END: zero
    println!("every mapping of /dev/zero is new memory of its own");
    Ok(())
}
