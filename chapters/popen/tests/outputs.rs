//! The popen chapter's program, run as a real process: see `harness::testing`.

harness::chapter_program!(popen);

/// `tmp.txt` goes in a private directory that is gone when the program exits.
#[test]
fn popen_leaves_no_file_behind() {
    harness::testing::assert_leaves_no_file(harness::program!("popen"), &[]);
}

/// Defect 9 of issue 10: a shell command that fails fails the program. With
/// at most 8 descriptors, the shell cannot set up `cat > tmp.txt` (it says
/// "Invalid argument" and exits with 2); the program used to print `status:2`
/// and an empty `tmp.txt:` line, and exit with 0.
#[test]
fn a_failed_command_fails_the_program() {
    let popen = harness::program!("popen");
    let sandbox = harness::testing::Sandbox::new();
    let mut command = std::process::Command::new("/bin/sh");
    command
        .arg("-c")
        .arg("ulimit -n 8 && exec \"$0\"")
        .arg(popen.exe())
        .env("TMPDIR", sandbox.tmpdir())
        .current_dir(sandbox.workdir())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let output = harness::testing::Running::spawn(popen.name, command).finish();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Either the shell failed before popen wrote (EPIPE), or after.
    assert!(
        stderr.ends_with("popen: pclose(cat > tmp.txt): exited with code 2\n")
            || stderr.ends_with(
                "popen: write(cat > tmp.txt): Broken pipe (EPIPE)\n"
            ),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("tmp.txt:"));
    sandbox.assert_nothing_left(popen.name);
}
