//! The shared-memory chapter's program, run as a real process: see
//! `harness::testing`.

/// SHMLBA is the page size on x86-64 (4096, which the book shows); a machine
/// with larger pages prints its own, shown as 4096 here.
fn lower_boundary() -> harness::testing::Filters {
    let label = "SHMLBA(shared memory low boundary):";
    match apue_ipc::shm::lower_boundary().expect("page size") {
        4096 => Vec::new(),
        other => vec![(
            format!("{}{other}\\b", regex_escape(label)),
            format!("{label}4096"),
        )],
    }
}

fn regex_escape(text: &str) -> String {
    text.replace('(', "\\(").replace(')', "\\)")
}

harness::chapter_program!(shm, args: [], filters: lower_boundary());
