//! What a Rust program uses where C uses popen: std::process::Command with
//! piped standard streams. It runs a program directly (no shell unless asked),
//! can pipe both ways, and returns the status already decoded.
//!
//! Run: cargo run --example popen_command

use std::io::Write;
use std::process::{Command, Stdio};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    harness::cli::takes_no_arguments();
    // ANCHOR: read
    // popen("ls /", "r"), read everything, pclose: one call.
    let output = Command::new("ls").arg("/").output()?;
    assert!(output.status.success());
    let listing = String::from_utf8(output.stdout)?;
    assert!(listing.lines().any(|entry| entry == "tmp"));
    // ANCHOR_END: read
    println!("ls / lists {} entries", listing.lines().count());

    // ANCHOR: write
    // popen("sort", "w"), write, pclose.
    let mut sort = Command::new("sort").stdin(Stdio::piped()).spawn()?;
    let mut input = sort.stdin.take().expect("stdin was piped");
    input.write_all(b"pipe\nfifo\n")?;
    drop(input); // end-of-file for sort: C's pclose does this before it waits
    assert!(sort.wait()?.success());
    // ANCHOR_END: write

    // ANCHOR: both
    // Both directions at once, which popen cannot do.
    let mut upper = Command::new("tr")
        .args(["a-z", "A-Z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut input = upper.stdin.take().expect("stdin was piped");
    // small: fits in the pipe, see the exercise
    input.write_all(b"hello,world\n")?;
    drop(input);
    let output = upper.wait_with_output()?;
    assert_eq!(output.stdout, b"HELLO,WORLD\n");
    // ANCHOR_END: both
    print!("tr a-z A-Z: {}", String::from_utf8(output.stdout)?);
    Ok(())
}
