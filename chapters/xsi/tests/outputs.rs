//! The XSI chapter's programs, run as real processes: the standard checks of
//! `harness::testing`, then the cleanup tool on objects each test creates for itself.
//!
//! Other tests run at the same time and own objects too, so no test here runs
//! `ipcrm_mine --remove` without selectors: that would remove their objects. Removal is
//! always scoped to identifiers or keys the test created; the unscoped form runs only as
//! the dry run, which must not remove anything.

use std::process::{Command, Output};

use apue_ipc::xsi::{Key, Kind, Object, Options};
use nix::unistd::geteuid;

harness::chapter_program!(ipc_limits, args: [], filters: vec![(
    // A limit somebody tuned on this machine: the book shows Linux's default.
    r"= \d+ \(Linux default: (\d+)\)".to_string(),
    "= $1".to_string(),
)]);
harness::chapter_program!(ipcrm_mine, args: ["demo"], filters: vec![
    (r"id=\d+".to_string(), "id=[id]".to_string()),
    (r"owner=\d+ \(you\)".to_string(), "owner=[uid] (you)".to_string()),
]);

fn ipcrm_mine(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ipcrm_mine"))
        .args(args)
        .output()
        .expect("ipcrm_mine runs")
}

fn selector(object: &Object) -> String {
    format!("{}={}", object.id().kind(), object.id().raw())
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_default_is_a_dry_run_that_lists_mine() {
    let objects: Vec<Object> =
        Kind::ALL.map(|k| Object::new(k).unwrap()).into();
    let output = ipcrm_mine(&[]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    for object in &objects {
        let line = format!(
            "{} key=0x00000000 owner={} (you) ",
            object.id(),
            geteuid()
        );
        assert!(text.contains(&line), "{line} not in:\n{text}");
        assert!(
            object.id().is_listed().unwrap(),
            "a dry run removed {}",
            object.id()
        );
    }
    assert!(text.contains("nothing removed without --remove"));
}

#[test]
fn remove_takes_exactly_the_named_objects() {
    let targets: Vec<Object> =
        Kind::ALL.map(|k| Object::new(k).unwrap()).into();
    let bystanders: Vec<Object> =
        Kind::ALL.map(|k| Object::new(k).unwrap()).into();
    let mut args = vec!["--remove".to_string()];
    args.extend(targets.iter().map(selector));
    let output = ipcrm_mine(&args);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.ends_with("3 removed, 0 left alone, 0 failed\n"),
        "{text}"
    );
    for target in &targets {
        assert!(text.contains(&format!("{} key=", target.id())), "{text}");
        assert!(
            !target.id().is_listed().unwrap(),
            "{} survived",
            target.id()
        );
    }
    for bystander in &bystanders {
        assert!(
            bystander.id().is_listed().unwrap(),
            "{} removed",
            bystander.id()
        );
    }
}

#[test]
fn remove_by_key() {
    let key = Key::unique_to_process(3);
    let queue =
        Object::open(Kind::MessageQueue, key, Options::new().exclusive(true))
            .unwrap();
    let output = ipcrm_mine(&["--remove".to_string(), format!("key={key}")]);
    assert!(output.status.success(), "{output:?}");
    assert!(!queue.id().is_listed().unwrap());
}

#[test]
fn another_users_object_is_left_alone_even_when_named() {
    let given = Object::new(Kind::SharedMemory).unwrap();
    let other = geteuid().as_raw() + 1;
    given.id().set_owner(other, other).unwrap();
    let output = ipcrm_mine(&["--remove".to_string(), selector(&given)]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = stdout(&output);
    let line = format!(
        "{} key=0x00000000 owner={other} mode=600: not yours, left alone",
        given.id()
    );
    assert!(text.contains(&line), "{text}");
    assert!(
        given.id().is_listed().unwrap(),
        "another user's object was removed"
    );
    drop(given); // its creator removes it
}

#[test]
fn a_missing_object_is_a_failure() {
    let gone = Object::new(Kind::MessageQueue).unwrap();
    let selector = selector(&gone);
    drop(gone);
    let output = ipcrm_mine(&["--remove".to_string(), selector.clone()]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stdout(&output).contains(&format!("{selector}: no such object")));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "ipcrm_mine: 1 of the requested objects could not be removed\n"
    );
}

#[test]
fn demo_is_only_allowed_alone() {
    let output = ipcrm_mine(&["--remove".to_string(), "demo".to_string()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
