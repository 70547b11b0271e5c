//! A command string built from input is a program written by whoever wrote the
//! input: the shell runs whatever it contains. Passing the input as an argument
//! of a Command, without a shell, keeps it data; so does passing it to the
//! shell as "$1".
//!
//! Run: cargo run --example popen_injection

use std::io::Read;
use std::process::Command;

use apue_ipc::popen::{self, Popen};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: injected
    let name = "world; echo INJECTED"; // as if it came from a form or a file
    let mut greeting = Popen::reading(&format!("echo hello {name}"))?;
    let mut output = String::new();
    greeting.read_to_string(&mut output)?;
    greeting.close()?;
    // The shell ran a second command:
    assert_eq!(output, "hello world\nINJECTED\n");
    // ANCHOR_END: injected
    print!("through the shell:\n{output}");

    // ANCHOR: safe
    let mut greeting =
        Popen::reading_from(Command::new("echo").arg("hello").arg(name))?;
    let mut output = String::new();
    greeting.read_to_string(&mut output)?;
    greeting.close()?;
    // One argument, printed as it is:
    assert_eq!(output, "hello world; echo INJECTED\n");
    // ANCHOR_END: safe
    print!("without a shell:\n{output}");

    // ANCHOR: shell_with
    // When the shell is needed (a pipeline here), the input goes in as "$1":
    // data again.
    let mut greeting = Popen::reading_from(&mut popen::shell_with(
        r#"echo hello "$1" | tr a-z A-Z"#,
        [name],
    ))?;
    let mut output = String::new();
    greeting.read_to_string(&mut output)?;
    greeting.close()?;
    assert_eq!(output, "HELLO WORLD; ECHO INJECTED\n");
    // ANCHOR_END: shell_with
    print!("through the shell, as \"$1\":\n{output}");
    Ok(())
}
