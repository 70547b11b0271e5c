//! A pipe holds a fixed number of bytes; a writer that finds it full blocks,
//! or, with O_NONBLOCK, fails with EAGAIN. The count we can write equals
//! F_GETPIPE_SZ.
//!
//! Run: cargo run --example pipe_capacity

use apue_ipc::pipe::{Pipe, PipeEnd};
use nix::errno::Errno;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: fill
    let Pipe { reader, writer } = Pipe::new()?;
    writer.set_nonblocking(true)?;
    let page = [b'x'; 4096];
    let mut held = 0;
    let full = loop {
        match writer.write_once(&page) {
            Ok(n) => held += n,
            Err(err) => break err,
        }
    };
    // Full: a blocking writer would wait here.
    assert_eq!(full.errno(), Some(Errno::EAGAIN));
    assert_eq!(held, writer.capacity()?);
    // ANCHOR_END: fill
    println!("the pipe held {held} bytes, then: {full}");
    drop(reader);
    Ok(())
}
