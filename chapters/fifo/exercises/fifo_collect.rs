//! Exercise (FIFOs): a reader that outlives its writers. A server reads a FIFO
//! that clients open, write and close one after another; between two clients no
//! writer is open, and a plain reader would take that moment for the end.
//!
//! In classroom mode, `cargo xtask exercise start fifo_collect` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! fifo_collect` tests your copy. The task and its hints are in the chapter
//! "FIFOs", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use std::io::{BufRead, BufReader};

use apue_ipc::fifo::{Fifo, Open};
use apue_ipc::pipe::PipeEnd;
use apue_ipc::{Context, Error, Result};

/// Reads `count` lines from `fifo`, however many writers come and go to write
/// them, and returns them without their newlines.
pub fn collect_lines(fifo: &Fifo, count: usize) -> Result<Vec<String>> {
    // ANCHOR_END: setup
    // ANCHOR: todo keep the FIFO from ever running out of writers
    // A write end of our own keeps the FIFO from ever having no writer, so
    // reads wait for the next client instead of returning end-of-file. Opening
    // the read end without blocking first lets this process be the writer that
    // its own read-open waits for.
    let reader = fifo.open_reader(Open::NonBlocking)?;
    let _own_writer = fifo.open_writer(Open::NonBlocking)?;
    reader.set_nonblocking(false)?;

    let object = fifo.path().display().to_string();
    let mut lines = BufReader::new(reader);
    let mut collected = Vec::with_capacity(count);
    while collected.len() < count {
        let mut line = String::new();
        if lines
            .read_line(&mut line)
            .context("read", object.as_str())?
            == 0
        {
            return Err(Error::unexpected(
                "read",
                object,
                "end-of-file before every line arrived",
            ));
        }
        collected.push(line.trim_end_matches('\n').to_string());
    }
    Ok(collected)
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    use std::io::Write;
    let dir = harness::temp::dir("fifo_collect")?;
    let fifo = Fifo::create(dir.path().join("fifo"))?;
    std::thread::scope(|scope| -> Result<()> {
        let collector = scope.spawn(|| collect_lines(&fifo, 3));
        for client in 1..=3 {
            let mut writer = fifo.open_writer(Open::Blocking)?;
            writeln!(writer, "from client {client}")
                .context("write", "fifo")?;
        }
        for line in collector.join().expect("collector panicked")? {
            println!("{line}");
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::blocked;
    use std::io::Write;
    use std::sync::mpsc;
    use std::thread;

    /// Each writer opens, writes one line and closes, and the next opens only
    /// once the collector is blocked reading again: with no writer open at that
    /// moment, a reader without a writer of its own would see end-of-file every
    /// time.
    #[test]
    fn writers_that_come_and_go_are_all_read() {
        let dir = harness::temp::dir("fifo_collect").unwrap();
        let fifo = &Fifo::create(dir.path().join("fifo")).unwrap();
        thread::scope(|scope| {
            let (tid_sender, tid) = mpsc::channel();
            let collector = scope.spawn(move || {
                tid_sender.send(nix::unistd::gettid()).unwrap();
                collect_lines(fifo, 3)
            });
            let tid = tid.recv().unwrap();
            for client in 1..=3 {
                let mut writer = fifo.open_writer(Open::Blocking).unwrap();
                writeln!(writer, "client {client}").unwrap();
                drop(writer);
                if client < 3 {
                    let waiting = blocked::wait_until_blocked_in(
                        tid,
                        libc::SYS_read,
                        || collector.is_finished(),
                    )
                    .unwrap();
                    assert!(
                        waiting,
                        "the collector stopped: {:?}",
                        collector.join()
                    );
                }
            }
            let lines = collector.join().unwrap().unwrap();
            assert_eq!(lines, ["client 1", "client 2", "client 3"]);
        });
    }

    #[test]
    fn lines_from_one_writer_are_read_in_order() {
        let dir = harness::temp::dir("fifo_collect").unwrap();
        let fifo = &Fifo::create(dir.path().join("fifo")).unwrap();
        thread::scope(|scope| {
            let collector = scope.spawn(move || collect_lines(fifo, 2));
            let mut writer = fifo.open_writer(Open::Blocking).unwrap();
            writer.write_all(b"one\ntwo\n").unwrap();
            assert_eq!(collector.join().unwrap().unwrap(), ["one", "two"]);
        });
    }
}
