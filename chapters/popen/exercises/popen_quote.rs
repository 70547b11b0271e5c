//! Exercise (popen): quoting for the shell. When a command string must be built
//! from input (popen takes nothing else), each piece of input has to reach the
//! command as one argument, whatever characters it holds.
//!
//! In classroom mode, `cargo xtask exercise start popen_quote` copies this file
//! with `todo!()` where your code goes, and `cargo xtask exercise check
//! popen_quote` tests your copy. The task and its hints are in the chapter
//! "popen and pclose", section "Exercises".

// ANCHOR: solution
// ANCHOR: setup
/// Returns `arg` quoted for `/bin/sh`, so that the shell passes it to a command
/// as one argument, byte for byte, with nothing expanded.
pub fn quote(arg: &str) -> String {
    // ANCHOR_END: setup
    // ANCHOR: todo one shell word that means exactly `arg`
    // Inside single quotes the shell treats every character literally, except
    // the single quote itself, which cannot appear there at all: close the
    // quotes, add an escaped quote, and open them again.
    format!("'{}'", arg.replace('\'', r"'\''"))
    // ANCHOR_END: todo
}
// ANCHOR_END: solution

use std::io::Read;

use apue_ipc::popen::{Popen, Status};

/// What the shell passes to `printf '%s'` for `quote(arg)`.
fn through_the_shell(arg: &str) -> apue_ipc::Result<String> {
    let mut printf = Popen::reading(&format!("printf '%s' {}", quote(arg)))?;
    let mut output = String::new();
    printf
        .read_to_string(&mut output)
        .map_err(|e| apue_ipc::Error::from_io("read", "printf", e))?;
    match printf.close()? {
        Status::Exited(0) => Ok(output),
        other => Err(apue_ipc::Error::invalid(
            "pclose",
            "printf",
            other.to_string(),
        )),
    }
}

fn main() -> apue_ipc::Result<()> {
    harness::cli::takes_no_arguments();
    let name = "world; echo INJECTED";
    println!("{}", quote(name));
    println!("{}", through_the_shell(name)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_awkward_string_reaches_the_command_intact() {
        let awkward = [
            "",
            "plain",
            "two words",
            "it's",
            "''",
            "$HOME ${PATH}",
            "`id` $(id)",
            "; echo INJECTED",
            "a\nb",
            "back\\slash",
            "*",
            "\"double\"",
            "tab\there",
            "-n",
        ];
        for arg in awkward {
            assert_eq!(through_the_shell(arg).unwrap(), arg, "quote({arg:?})");
        }
    }

    #[test]
    fn an_unquoted_string_would_not_survive() {
        // The test above can fail: without quotes, the shell splits and
        // expands.
        let mut printf = Popen::reading("printf '%s' two words").unwrap();
        let mut output = String::new();
        printf.read_to_string(&mut output).unwrap();
        printf.close().unwrap();
        assert_eq!(output, "twowords");
    }
}
