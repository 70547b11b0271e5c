//! Both ends of a pipe are FIFOs to fstat(2), with the same PIPE_BUF; a regular
//! file is not a FIFO.
//!
//! Run: cargo run --example pipe_fifo

use apue_ipc::pipe::{Pipe, PipeEnd};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: both_ends
    let pipe = Pipe::new()?;
    assert!(pipe.reader.is_fifo()? && pipe.writer.is_fifo()?);
    assert_eq!(pipe.reader.pipe_buf()?, pipe.writer.pipe_buf()?);
    assert!(pipe.reader.pipe_buf()? >= 512); // POSIX's minimum, _POSIX_PIPE_BUF

    let file = std::fs::File::open("/etc/passwd")?;
    assert!(!file.is_fifo()?);
    // ANCHOR_END: both_ends
    println!("both ends are FIFOs, PIPE_BUF={}", pipe.reader.pipe_buf()?);
    Ok(())
}
