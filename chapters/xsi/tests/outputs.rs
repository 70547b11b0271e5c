//! The XSI chapter's programs, run as real processes: see `harness::testing`.

harness::chapter_program!(ipc_limits, args: [], filters: vec![(
    // A limit somebody tuned on this machine: the book shows Linux's default.
    r"= \d+ \(Linux default: (\d+)\)".to_string(),
    "= $1".to_string(),
)]);
harness::chapter_program!(ipcrm_mine, args: ["demo"], filters: vec![
    (r"id=\d+".to_string(), "id=[id]".to_string()),
    (r"owner=\d+ \(you\)".to_string(), "owner=[uid] (you)".to_string()),
]);
