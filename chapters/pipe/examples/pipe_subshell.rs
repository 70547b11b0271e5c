//! A shell runs a subshell in a child made by fork alone, with no exec: the
//! child is a copy of the shell, with the shell's unexported variables. A
//! shell has one thread, so the copy is sound; a program started with exec,
//! even another shell, starts from nothing.
//!
//! Run: cargo run --example pipe_subshell

use std::process::Command;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: subshell
    // `x` is a shell variable, never exported. The subshell on the left of
    // the pipe prints it, its own pid (from /proc/self/stat) and the shell's.
    let script = r#"x=copied
        (read -r pid rest < /proc/self/stat; echo "$x $pid $$") | cat"#;
    let output = Command::new("sh").args(["-c", script]).output()?;
    let text = String::from_utf8(output.stdout)?;
    let [x, pid, shell] = text.split_whitespace().collect::<Vec<_>>()[..]
    else {
        return Err(format!("unexpected output {text:?}").into());
    };
    assert_eq!(x, "copied"); // the shell's memory...
    assert_ne!(pid, shell); // ...in a process of its own: fork, no exec

    // A program started with exec, here another shell, does not have `x`.
    let script = r#"x=copied; sh -c 'echo "[$x]"'"#;
    let output = Command::new("sh").args(["-c", script]).output()?;
    assert_eq!(output.stdout, b"[]\n");
    // ANCHOR_END: subshell
    println!(
        "subshell {pid} of shell {shell} saw x={x}; an exec'd sh saw none"
    );
    Ok(())
}
