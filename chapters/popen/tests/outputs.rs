//! The popen chapter's program, run as a real process: see `harness::testing`.

harness::chapter_program!(popen);

/// `tmp.txt` goes in a private directory that is gone when the program exits.
#[test]
fn popen_leaves_no_file_behind() {
    harness::testing::assert_leaves_no_file(harness::program!("popen"), &[]);
}
