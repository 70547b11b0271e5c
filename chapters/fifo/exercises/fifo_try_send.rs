//! Exercise (FIFOs): send without waiting for a reader. A blocking open for
//! writing waits until some process opens the FIFO for reading, possibly
//! forever; a status reporter or a logger would rather know at once that nobody
//! is listening.
//!
//! In classroom mode, `cargo xtask exercise start fifo_try_send` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! fifo_try_send` tests your copy. The task and its hints are in the chapter
//! "FIFOs", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use std::path::Path;

use apue_ipc::fifo::{self, Open};
use apue_ipc::pipe::PipeEnd;
use apue_ipc::Result;
use nix::errno::Errno;

/// What happened to a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Written into the FIFO as one piece, for a reader that has it open.
    Sent,
    /// No process has the FIFO open for reading: nothing was written.
    NoReader,
}

/// Writes `message` into the FIFO at `path` as one atomic write if a reader has
/// it open, without ever waiting for one.
pub fn try_send(path: &Path, message: &[u8]) -> Result<Delivery> {
    // ANCHOR_END: setup
    // ANCHOR: todo an open that cannot wait, then one write
    let writer = match fifo::open_writer(path, Open::NonBlocking) {
        Ok(writer) => writer,
        Err(err) if err.errno() == Some(Errno::ENXIO) => {
            return Ok(Delivery::NoReader)
        }
        Err(err) => return Err(err),
    };
    // Back to blocking, so that a FIFO with too little room makes the write
    // wait for the reader instead of failing with EAGAIN; at most PIPE_BUF
    // bytes, so it stays whole.
    writer.set_nonblocking(false)?;
    writer.write_atomic(message)?;
    Ok(Delivery::Sent)
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let dir = harness::temp::dir("fifo_try_send")?;
    let fifo = fifo::Fifo::create(dir.path().join("fifo"))?;
    println!("nobody listening: {:?}", try_send(fifo.path(), b"hello")?);
    let _reader = fifo.open_reader(Open::NonBlocking)?;
    println!("with a reader: {:?}", try_send(fifo.path(), b"hello")?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use apue_ipc::fifo::Fifo;
    use std::io::Read;

    #[test]
    fn without_a_reader_nothing_is_sent_and_nothing_waits() {
        let dir = harness::temp::dir("fifo_try_send").unwrap();
        let fifo = Fifo::create(dir.path().join("fifo")).unwrap();
        assert_eq!(
            try_send(fifo.path(), b"hello").unwrap(),
            Delivery::NoReader
        );
    }

    #[test]
    fn with_a_reader_the_message_arrives_whole() {
        let dir = harness::temp::dir("fifo_try_send").unwrap();
        let fifo = Fifo::create(dir.path().join("fifo")).unwrap();
        let mut reader = fifo.open_reader(Open::NonBlocking).unwrap();
        assert_eq!(try_send(fifo.path(), b"hello").unwrap(), Delivery::Sent);
        let mut got = String::new();
        // the writer is closed: end-of-file
        reader.read_to_string(&mut got).unwrap();
        assert_eq!(got, "hello");
    }

    #[test]
    fn other_failures_are_errors() {
        let dir = harness::temp::dir("fifo_try_send").unwrap();
        let err = try_send(&dir.path().join("missing"), b"hello").unwrap_err();
        assert_eq!(err.errno(), Some(Errno::ENOENT));

        let fifo = Fifo::create(dir.path().join("fifo")).unwrap();
        let _reader = fifo.open_reader(Open::NonBlocking).unwrap();
        let too_long = vec![b'x'; 4097];
        let err = try_send(fifo.path(), &too_long).unwrap_err();
        // refused before writing: PIPE_BUF is 4096
        assert_eq!(err.errno(), None);
    }
}
