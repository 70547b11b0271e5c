//! The pipe chapter's claim about `fork` in a process with several threads,
//! checked where it is about: in C. `chapters/pipe/c/fork_locks.c` is built
//! with the C compiler that links Rust programs on Linux (`cc`, or `$CC`) and
//! run with a deadline (a child that hung on a lock would hold it up).

use std::path::Path;
use std::process::{Command, Stdio};

use harness::testing::Running;

#[test]
fn a_lock_held_by_another_thread_stays_held_in_the_child_but_mallocs_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("fork_locks");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("c/fork_locks.c");
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    let built = Command::new(&cc)
        .args(["-O2", "-Wall", "-Wextra", "-Werror", "-pthread", "-o"])
        .arg(&program)
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cc:?} (the C compiler): {e}"));
    assert!(
        built.status.success(),
        "{cc:?} failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let mut command = Command::new(&program);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = Running::spawn("fork_locks", command).finish();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "a mutex another thread held at the fork: locked in the child, by a \
         thread the child does not have\n\
         malloc in 1000 children forked while 2 threads allocate: 1000 \
         worked\n"
    );
}
