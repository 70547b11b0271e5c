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
)], bad_inputs: [[""], ["{xff}"], ["-"], ["{huge}"]]);
harness::chapter_program!(ipcrm_mine, args: ["demo"], filters: vec![
    (r"id=\d+".to_string(), "id=[id]".to_string()),
    (r"owner=\d+ \(you\)".to_string(), "owner=[uid] (you)".to_string()),
    (r"creator=\d+ \(you\)".to_string(), "creator=[uid] (you)".to_string()),
], bad_inputs: [
    [""],
    ["{xff}"],
    ["-"],
    ["{huge}"],
    ["msg={huge}"],
    ["--remove", "msg=abc"],
    ["msg=-1"],
    ["queue=1"],
    ["key=0"],
    ["key=0xnothex"],
    ["demo", "extra"],
    ["--remove", "demo"],
    ["msg=2147483647"],
    ["--remove", "shm=2147483647"],
    ["--remove", "key=0x7ffffff1"]
]);

fn ipcrm_mine(args: &[String]) -> Output {
    // harness::testing::BIN_DIR may point at another build of it.
    Command::new(harness::program!("ipcrm_mine").exe())
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

/// Defect 12 of issue 10: the tool removes an object you created and gave to
/// another user, as the kernel lets you (its `ipcrm_mine demo` could not).
#[test]
fn an_object_you_created_and_gave_away_is_yours() {
    let given = Object::new(Kind::SharedMemory).unwrap();
    let me = geteuid().as_raw();
    let other = me + 1;
    given.id().set_owner(other, other).unwrap();
    let output = ipcrm_mine(&["--remove".to_string(), selector(&given)]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    let line = format!(
        "{} key=0x00000000 owner={other} creator={me} (you) mode=600: removed",
        given.id()
    );
    assert!(text.contains(&line), "{text}");
    assert!(!given.id().is_listed().unwrap(), "{} survived", given.id());
    given.keep(); // removed by the tool
}

/// An object you neither own nor created is listed and never touched, even by
/// root. Creating one takes a second user: as root, `setpriv` runs util-linux's
/// `ipcmk` as uid 65534; as anyone else the test has nothing to run and says so.
#[test]
fn another_users_object_is_left_alone_even_when_named() {
    if !geteuid().is_root() {
        eprintln!("skipped: creating another user's object needs root");
        return;
    }
    let made = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .args(["ipcmk", "--queue", "--mode", "0600"])
        .output()
        .expect("setpriv and ipcmk run");
    assert!(made.status.success(), "{made:?}");
    // "Message queue id: 7"
    let id: i32 = stdout(&made)
        .trim()
        .rsplit(' ')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("ipcmk printed {made:?}"));
    // Root may remove anything: this handle removes the queue however the
    // test ends.
    let theirs =
        Object::adopt(apue_ipc::xsi::Id::from_raw(Kind::MessageQueue, id));
    let output = ipcrm_mine(&["--remove".to_string(), selector(&theirs)]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = stdout(&output);
    // ipcmk picks a random key
    let line = format!("{} key=", theirs.id());
    assert!(text.contains(&line), "{text}");
    assert!(
        text.contains(" owner=65534 mode=600: not yours, left alone"),
        "{text}"
    );
    assert!(
        theirs.id().is_listed().unwrap(),
        "another user's object was removed"
    );
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
    // A dry run removes nothing, so it does not say "could not be removed".
    let output = ipcrm_mine(std::slice::from_ref(&selector));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "ipcrm_mine: 1 of the requested objects do not exist or are not yours\n"
    );
}

#[test]
fn demo_is_only_allowed_alone() {
    let output = ipcrm_mine(&["--remove".to_string(), "demo".to_string()]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
