//! A shared mapping reaches a child through fork, at the same address, and
//! not through exec. Linux lists both ways of making one, MAP_ANONYMOUS and a
//! mapping of /dev/zero, as a shared mapping of "/dev/zero (deleted)".
//!
//! Run: cargo run --example mmap_address

use std::fs;
use std::process::Stdio;

use apue_ipc::fork::fork;
use apue_ipc::mmap::Mapping;
use harness::cli;

type Error = Box<dyn std::error::Error>;

/// What /proc/PID/maps names a shared anonymous mapping.
const DEV_ZERO: &str = "/dev/zero (deleted)";

/// The line of /proc/self/maps for the mapping that starts at `address`.
fn maps_line(address: usize) -> Result<Option<String>, Error> {
    let start = format!("{address:x}-");
    let maps = fs::read_to_string("/proc/self/maps")?;
    Ok(maps
        .lines()
        .find(|l| l.starts_with(&start))
        .map(str::to_string))
}

fn main() -> Result<(), Error> {
    harness::cli::takes_roles(&["exec"]);
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("exec") {
        // The program again, started with exec: how many shared anonymous
        // mappings does it have?
        let maps = fs::read_to_string("/proc/self/maps")?;
        let shared = maps.lines().filter(|l| l.ends_with(DEV_ZERO)).count();
        println!("{shared}");
        return Ok(());
    }

    // ANCHOR: same_address
    let anonymous = Mapping::anonymous(4096)?;
    let dev_zero = Mapping::dev_zero(4096)?;
    for mapping in [&anonymous, &dev_zero] {
        let line = maps_line(mapping.address())?.ok_or("not in maps")?;
        // `s`: shared; and named after /dev/zero, even without opening it
        assert!(line.contains(" rw-s "), "{line}");
        assert!(line.ends_with(DEV_ZERO), "{line}");

        let child = fork(|| -> Result<(), Error> {
            // The child's copy of the handle holds the parent's address, and
            // the kernel mapped the same thing there.
            assert_eq!(maps_line(mapping.address())?.as_ref(), Some(&line));
            mapping.write(0, b"seen")?;
            Ok(())
        })?;
        child.wait_success()?;
        let mut seen = [0u8; 4];
        mapping.read(0, &mut seen)?;
        assert_eq!(&seen, b"seen");
    }
    // ANCHOR_END: same_address

    // ANCHOR: exec
    // A program started with exec has a new address space: the child of a
    // process with two shared mappings has none.
    let output = cli::child_command("exec")?
        .stderr(Stdio::inherit())
        .output()?;
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout)?, "0\n");
    // ANCHOR_END: exec
    println!("inherited at the same address by fork, gone after exec");
    Ok(())
}
