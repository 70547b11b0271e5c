//! The message-queue chapter's program, run as a real process: see
//! `harness::testing`.

use harness::testing::tuned_limit;

harness::chapter_program!(
    msg,
    args: [],
    filters: tuned_limit("max bytes:", "msgmnb", 16384),
    bad_inputs: [[""], ["{xff}"], ["-"], ["{huge}"]]
);
