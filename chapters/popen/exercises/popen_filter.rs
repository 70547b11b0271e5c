//! Exercise (popen): a filter. popen connects one pipe, so a program can write
//! to a command or read from it, not both. Feed a command its input and collect
//! its output, for inputs far larger than a pipe holds.
//!
//! In classroom mode, `cargo xtask exercise start popen_filter` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! popen_filter` tests your copy. The task and its hints are in the chapter
//! "popen and pclose", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;

use apue_ipc::{Context, Error, Result};
use harness::cli::wait_success;

/// Runs `command` with `input` as its standard input and returns its standard
/// output. Fails if the command cannot start or does not exit successfully.
pub fn filter(command: &mut Command, input: &[u8]) -> Result<Vec<u8>> {
    // ANCHOR_END: setup
    // ANCHOR: todo two pipes, and a way to write and read at the same time
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("fork+exec", "filter")?;
    let (Some(mut to_child), Some(mut from_child)) =
        (child.stdin.take(), child.stdout.take())
    else {
        return Err(Error::unexpected(
            "fork+exec",
            "filter",
            "the pipes are missing",
        ));
    };

    // Writing everything before reading deadlocks once both pipes are full: the
    // command waits for us to read, we wait for it to read. A second thread
    // writes meanwhile.
    let output = thread::scope(|scope| {
        let writer = scope.spawn(move || {
            let written = to_child.write_all(input);
            drop(to_child); // end-of-file for the command
            written
        });
        let mut output = Vec::new();
        let read = from_child.read_to_end(&mut output);
        let written = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        read.context("read", "filter")?;
        // EPIPE: the command exited without reading all of its input, which is
        // its right (`head -1`): its exit status says whether that was a
        // failure.
        if let Err(err) = written {
            if err.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(Error::from_io("write", "filter", err));
            }
        }
        Ok(output)
    })?;
    wait_success(child, "filter")?;
    Ok(output)
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let output =
        filter(Command::new("tr").args(["a-z", "A-Z"]), b"hello,world\n")?;
    print!("tr a-z A-Z: {}", String::from_utf8_lossy(&output));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_its_input() {
        let output =
            filter(Command::new("tr").args(["a-z", "A-Z"]), b"hello,world\n")
                .unwrap();
        assert_eq!(output, b"HELLO,WORLD\n");
    }

    #[test]
    fn survives_more_than_both_pipes_hold() {
        // 4 MiB in and out, 64 times a pipe's capacity: writing it all before
        // reading would hang here. The filter runs in a thread so that a
        // deadlock fails the test instead of hanging it.
        let input: Vec<u8> = (0..4 << 20).map(|i| (i % 251) as u8).collect();
        let (done, result) = std::sync::mpsc::channel();
        let expected = input.clone();
        thread::spawn(move || {
            done.send(filter(&mut Command::new("cat"), &input))
        });
        let output = result
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("filter deadlocked: both pipes full")
            .unwrap();
        assert!(output == expected, "cat changed the data");
    }

    #[test]
    fn a_command_that_stops_reading_early_is_fine() {
        let input = b"first\n".repeat(100_000);
        let output = filter(Command::new("head").arg("-1"), &input).unwrap();
        assert_eq!(output, b"first\n");
    }

    #[test]
    fn a_failing_command_is_an_error() {
        let err =
            filter(Command::new("sh").args(["-c", "exit 3"]), b"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "waitpid(filter): child process ended with exit status: 3"
        );
    }
}
