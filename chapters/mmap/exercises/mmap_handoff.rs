//! Exercise (shared memory with mmap): hand shared memory to a program started
//! with exec, through a memfd's descriptor.
//!
//! In classroom mode, `cargo xtask exercise start mmap_handoff` copies this
//! file with `todo!()` where your code goes, and `cargo xtask exercise check
//! mmap_handoff` tests your copy. The task and its hints are in the chapter
//! "Shared memory with mmap", section "Exercises". `cargo test --example
//! mmap_handoff` runs the tests on this reference solution.

// ANCHOR: solution
// ANCHOR: setup
use std::process::{Command, Output};

use apue_ipc::mmap::{memfd, Mapping};
use apue_ipc::{Context, Result};

/// Runs `command` with a new memfd of `size` bytes, holding `text`, as its
/// standard input. Returns the command's output and, read through this
/// process's own mapping, the memfd's bytes after the command exited.
pub fn run_with_memfd(
    command: &mut Command,
    text: &[u8],
    size: usize,
) -> Result<(Output, Vec<u8>)> {
    // ANCHOR_END: setup
    // ANCHOR: todo memfd, map, write, run the command with it as stdin, read back
    let fd = memfd(c"mmap_handoff", size)?;
    let mapping = Mapping::file(&fd, size)?;
    mapping.write(0, text)?;
    // The descriptor goes to the command, and is closed here when the
    // command is: the mapping does not need it.
    let output = command.stdin(fd).output().context("fork+exec", "command")?;
    let mut after = vec![0u8; size];
    mapping.read(0, &mut after)?;
    Ok((output, after))
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

fn main() -> Result<()> {
    harness::cli::takes_no_arguments();
    // The shell reads the memory as its standard input, then writes into it
    // through /dev/stdin, opened to read and write.
    let mut shell = Command::new("sh");
    shell.args([
        "-c",
        "read -r word; printf '%s, memfd' \"$word\" 1<>/dev/stdin",
    ]);
    let (output, after) = run_with_memfd(&mut shell, b"hello\n", 64)?;
    assert!(output.status.success(), "{output:?}");
    let text = after.split(|&b| b == 0).next().unwrap_or_default();
    println!("{}", String::from_utf8_lossy(text)); // hello, memfd
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn the_command_reads_the_memory_as_a_file() {
        let (output, _) =
            run_with_memfd(&mut sh("head -c 5"), b"hello", 4096).unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout, b"hello");
    }

    #[test]
    fn what_the_command_writes_appears_in_the_mapping() {
        // `1<>` opens /dev/stdin, that is the memfd, to read and write,
        // without truncating it; printf writes at its start.
        let (output, after) = run_with_memfd(
            &mut sh("printf HELLO 1<>/dev/stdin"),
            b"hello!",
            64,
        )
        .unwrap();
        assert!(output.status.success(), "{output:?}");
        assert_eq!(&after[..7], b"HELLO!\0");
    }

    #[test]
    fn the_command_cannot_shrink_it() {
        // `>` truncates: refused, because the memfd is sealed, so the mapping
        // cannot be left pointing past the end of the file (SIGBUS).
        let (output, after) =
            run_with_memfd(&mut sh(": > /dev/stdin"), b"kept", 64).unwrap();
        assert!(!output.status.success());
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains("Operation not permitted"), "{message}");
        assert_eq!(&after[..4], b"kept");
    }
}
