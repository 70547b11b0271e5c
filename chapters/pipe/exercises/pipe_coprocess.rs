//! Exercise (pipes): a coprocess. A pipe carries bytes one way only, so a
//! conversation with a child needs two: one to the child's stdin, one from its
//! stdout.
//!
//! In classroom mode, `cargo xtask exercise start pipe_coprocess` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! pipe_coprocess` tests your copy. The task and its hints are in the chapter
//! "Pipes", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
use std::io::{BufRead, BufReader, Write};
use std::process::Command;

use apue_ipc::pipe::Pipe;
use apue_ipc::{Context, Error, Result};
use harness::cli::wait_success;

/// Starts `command` as a coprocess, sends it each question as one line, reads
/// one line back for each, then closes its input and waits for it. Returns the
/// answers without their newlines.
pub fn converse(
    mut command: Command,
    questions: &[&str],
) -> Result<Vec<String>> {
    // ANCHOR_END: setup
    // ANCHOR: todo two pipes, one child; a line out, a line back per question
    let down = Pipe::new()?; // parent -> child's stdin
    let up = Pipe::new()?; // child's stdout -> parent
    let child = command
        .stdin(down.reader)
        .stdout(up.writer)
        .spawn()
        .context("fork+exec", "coprocess")?;
    drop(command); // release the Command's copies, or `up` never ends

    let mut to_child = down.writer;
    let mut from_child = BufReader::new(up.reader);
    let mut answers = Vec::with_capacity(questions.len());
    let mut talk = || -> Result<()> {
        for question in questions {
            writeln!(to_child, "{question}").context("write", "coprocess")?;
            let mut answer = String::new();
            let read = from_child
                .read_line(&mut answer)
                .context("read", "coprocess")?;
            if read == 0 {
                return Err(Error::unexpected(
                    "read",
                    "coprocess",
                    "it closed its output",
                ));
            }
            answers.push(answer.trim_end_matches('\n').to_string());
        }
        Ok(())
    };
    let talked = talk();
    // End-of-file for the child, then wait for it whatever happened: a child
    // never waited for stays a zombie.
    drop(to_child);
    let waited = wait_success(child, "coprocess");
    talked.and(waited)?;
    Ok(answers)
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

/// A stand-in for APUE's `add2` (figure 15.17, a C program): reads two numbers
/// per line and answers with their sum. The shell's `echo` writes each answer
/// at once; a filter that buffered its output (as C stdio does when stdout is
/// a pipe) would leave the conversation waiting forever.
fn add2() -> Command {
    let mut command = Command::new("sh");
    command.args(["-c", r#"while read a b; do echo "$((a + b))"; done"#]);
    command
}

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    let questions = ["1 2", "40 2", "-7 7"];
    let answers = converse(add2(), &questions)?;
    for (question, answer) in questions.iter().zip(answers) {
        println!("{question} -> {answer}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_each_line_in_turn() {
        let answers = converse(add2(), &["1 2", "40 2", "-7 7"]).unwrap();
        assert_eq!(answers, ["3", "42", "0"]);
    }

    #[test]
    fn a_child_that_exits_is_reported_not_awaited() {
        let err = converse(Command::new("true"), &["1 2"]).unwrap_err();
        // Either the write finds no reader (EPIPE) or the read finds
        // end-of-file.
        assert_eq!(err.object(), "coprocess");
    }
}
