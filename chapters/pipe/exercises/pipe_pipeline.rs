//! Exercise (pipes): connect two commands the way the shell runs `producer |
//! consumer`.
//!
//! In classroom mode, `cargo xtask exercise start pipe_pipeline` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! pipe_pipeline` tests your copy. The task and its hints are in the chapter
//! "Pipes", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use std::io::Read;
use std::process::{Command, Stdio};

use apue_ipc::pipe::Pipe;
use apue_ipc::{Context, Result};
use harness::cli::wait_success;

/// Runs `producer | consumer` through one pipe and returns what `consumer`
/// printed. Fails if either command cannot start or does not exit successfully.
pub fn pipeline(
    mut producer: Command,
    mut consumer: Command,
) -> Result<String> {
    // ANCHOR_END: setup
    // ANCHOR: todo one pipe, two children, then the consumer's output
    let Pipe { reader, writer } = Pipe::new()?;
    let first = producer
        .stdout(writer)
        .spawn()
        .context("fork+exec", "producer")?;
    let mut second = consumer
        .stdin(reader)
        .stdout(Stdio::piped())
        .spawn()
        .context("fork+exec", "consumer")?;
    // Each Command still holds its end of the pipe. Until the producer's
    // Command lets go of the write end, the consumer waits for input forever.
    drop(producer);
    drop(consumer);

    let mut output = String::new();
    let read = match second.stdout.take() {
        Some(mut stdout) => stdout.read_to_string(&mut output).map(drop),
        None => Ok(()),
    };
    // Wait for both whatever happened: a child never waited for stays a zombie.
    let producer = wait_success(first, "producer");
    let consumer = wait_success(second, "consumer");
    read.context("read", "consumer")?;
    producer?;
    consumer?;
    Ok(output)
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let mut ls = Command::new("printf");
    ls.arg("apue\nipc\npipe\n");
    let mut wc = Command::new("wc");
    wc.arg("-l");
    print!(
        "printf 'apue\\nipc\\npipe\\n' | wc -l: {}",
        pipeline(ls, wc)?
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(program: &str, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command.args(args);
        command
    }

    #[test]
    fn counts_lines_through_the_pipe() {
        let out =
            pipeline(command("printf", &["a\nb\nc\n"]), command("wc", &["-l"]))
                .unwrap();
        assert_eq!(out.trim(), "3");
    }

    #[test]
    fn consumer_sees_end_of_file_after_a_large_stream() {
        // 1 MiB is sixteen times the pipe's capacity: the producer blocks many
        // times and the consumer must get end-of-file at the very end, or this
        // test hangs.
        let out = pipeline(
            command("head", &["-c", "1048576", "/dev/zero"]),
            command("wc", &["-c"]),
        )
        .unwrap();
        assert_eq!(out.trim(), "1048576");
    }

    #[test]
    fn a_failing_command_is_an_error() {
        let err =
            pipeline(command("false", &[]), command("cat", &[])).unwrap_err();
        assert_eq!(err.object(), "producer");
    }
}
