//! The FIFO chapter's program, run as a real process: see `harness::testing`.
//! The client and server are checked in `session.rs`.

harness::chapter_program!(fifo);

/// The FIFO goes in a private directory that is gone when the program exits.
#[test]
fn fifo_leaves_no_file_behind() {
    harness::testing::assert_leaves_no_file(harness::program!("fifo"), &[]);
}
