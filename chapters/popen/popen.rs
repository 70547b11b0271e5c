//! popen: feed "hello,world" to the shell command `cat > tmp.txt`, as in the
//! article.
//!
//! Demonstrates popen(3) and pclose(3) through `apue_ipc::popen`: the program
//! starts `/bin/sh -c 'cat > tmp.txt'` with a pipe to its standard input,
//! writes one line into the pipe, then closes it and waits for the shell
//! (`Popen::close`, C's `pclose`), and prints how the shell ended. It then
//! reads the file back through a second command, `cat tmp.txt`, opened for
//! reading. `tmp.txt` lives in a fresh temporary directory that is removed at
//! the end, never in the working directory. A command that fails fails the
//! program (exit status 1).
//!
//! Run it with `cargo run --bin popen`. Expected output:
//!
//!     status:0
//!     tmp.txt: hello,world

use std::io::{Read, Write};
use std::process::ExitCode;

use apue_ipc::popen::{self, Popen, Status};
use apue_ipc::Context;
use harness::cli::{self, Args};
use harness::temp;

const HELP: &str = "\
Usage: popen

Feeds \"hello,world\" to the shell command `cat > tmp.txt` through popen, as the
article does, and prints the status that closing the stream (pclose) returns.
Then reads tmp.txt back through `cat tmp.txt` and prints it. A command that
fails (any status but 0) fails the program.

tmp.txt is created in a new private directory under $TMPDIR (or /tmp), which
the program removes before it exits.

  -h, --help   print this help and exit

Exit status: 0 on success, 1 if a system call or a command failed, 2 on a
usage error.
";

fn main() -> ExitCode {
    cli::run("popen", HELP, run)
}

fn run(args: Args) -> Result<(), cli::Failure> {
    args.finish()?;
    let dir = temp::dir("popen")?;

    // ANCHOR: write
    // C: FILE *fp = popen("cat > tmp.txt", "w");
    let mut cat = Popen::writing_to(
        popen::shell("cat > tmp.txt").current_dir(dir.path()),
    )?;
    cat.write_all(b"hello,world\n")
        .context("write", "cat > tmp.txt")?;

    // Closes the pipe (cat reads end-of-file and exits), then waits: C's
    // pclose.
    let status = cat.close()?;
    match status {
        Status::Exited(code) => println!("status:{code}"),
        Status::Killed(signal) => println!("status:killed by signal {signal}"),
    }
    succeeded(status, "cat > tmp.txt")?; // a failed command fails the demo
                                         // ANCHOR_END: write

    // ANCHOR: read
    let mut cat = Popen::reading_from(
        popen::shell("cat tmp.txt").current_dir(dir.path()),
    )?;
    let mut contents = String::new();
    cat.read_to_string(&mut contents)
        .context("read", "cat tmp.txt")?;
    succeeded(cat.close()?, "cat tmp.txt")?;
    print!("tmp.txt: {contents}");
    // ANCHOR_END: read
    Ok(())
}

/// An error unless `command` exited with 0, the only status a shell calls
/// success.
fn succeeded(status: Status, command: &str) -> apue_ipc::Result<()> {
    if status.success() {
        Ok(())
    } else {
        let what = status.to_string();
        Err(apue_ipc::Error::unexpected("pclose", command, what))
    }
}
