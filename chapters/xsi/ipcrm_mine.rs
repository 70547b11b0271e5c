//! ipcrm_mine: lists, and on request removes, the System V IPC objects you own
//! or created.
//!
//! Demonstrates the cleanup script of the article done safely: it reads
//! /proc/sysvipc/{msg,sem,shm} instead of parsing `ipcs`, lists by default (a
//! dry run), removes only with `--remove`, only objects that the calling user
//! owns or created (all of them, or those named by `msg=ID`, `sem=ID`, `shm=ID`
//! or `key=KEY`), checks that an identifier still names the same object just
//! before removing it, reports every removal and failure, and exits with 1 if
//! anything failed. The creator counts because the kernel lets the creator of
//! an object remove it after giving it to another user; an object you neither
//! own nor created is never touched.
//!
//! `ipcrm_mine demo` runs it on objects it creates itself (three of yours and
//! one given to another user), so its output does not depend on what else is on
//! the machine.
//!
//! Run it with `cargo run --bin ipcrm_mine -- demo`. Expected output
//! (identifiers and your uid vary):
//!
//!     Created msg id=5, sem id=3, shm id=7, and msg id=6, given to uid 65534.
//!
//!     $ ipcrm_mine
//!     msg id=5 key=0x00000000 owner=0 (you) mode=600: would remove
//!     ...
//!     msg id=6 key=0x00000000 owner=65534 creator=0 (you) mode=600: would remove

use std::process::ExitCode;

use apue_ipc::cleanup::{self, Outcome, Plan, Selection, Selector, Verdict};
use apue_ipc::xsi::{Entry, Kind, Object};
use harness::cli::{self, Args, Failure};
use nix::unistd::geteuid;

const HELP: &str = "\
Usage: ipcrm_mine [--remove] [SELECTOR...]
       ipcrm_mine demo

Lists the System V IPC objects (message queues, semaphore sets, shared memory
segments) that you own or created, and removes them if --remove is given. An
object you created counts as yours even after you gave it to another user, as
the kernel lets its creator remove it. Objects you neither own nor created are
listed and never touched, even when you are root.

  SELECTOR     msg=ID, sem=ID, shm=ID or key=KEY (decimal or 0x hex): only these
               objects; without selectors, every object you own or created
  --remove     remove them; without it, nothing is removed (a dry run)
  demo         create four objects, one given to another user, and run the tool
               on them: first as a dry run, then with --remove
  --           end of the options
  -h, --help   print this help and exit

Exit status: 0 if everything asked for was done; 1 if a removal failed or a
selected object does not exist or is not yours; 2 on a usage error.
";

fn main() -> ExitCode {
    cli::run("ipcrm_mine", HELP, |mut args| {
        let remove = args.take_flag("--remove");
        let mut selectors = Vec::new();
        while let Some(arg) = args.next_arg()? {
            if arg == "demo" && selectors.is_empty() && !remove {
                return demo(args);
            }
            selectors.push(Selector::parse(&arg).map_err(Failure::Usage)?);
        }
        let selection = if selectors.is_empty() {
            Selection::AllMine
        } else {
            Selection::Only(selectors)
        };
        let plan =
            cleanup::plan(&cleanup::scan()?, &selection, geteuid().as_raw());
        run(&plan, remove)
    })
}

// ANCHOR: run
/// Lists the plan (dry run) or carries it out, and fails if anything asked for
/// was not done.
fn run(plan: &Plan, remove: bool) -> Result<(), Failure> {
    let me = geteuid().as_raw();
    let mut failures = plan.unmatched.len();
    for selector in &plan.unmatched {
        println!("{selector}: no such object");
    }
    if !remove {
        for (entry, verdict) in &plan.objects {
            let what = match verdict {
                Verdict::Remove => "would remove",
                Verdict::NotYours => "not yours, left alone",
            };
            println!("{}: {what}", describe(entry, me));
        }
        let left = plan.objects.len() - plan.to_remove();
        println!(
            "{} to remove, {left} left alone: nothing removed without --remove",
            plan.to_remove()
        );
    } else {
        let (mut removed, mut left) = (0, 0);
        for (entry, outcome) in cleanup::execute(plan, me) {
            match outcome {
                Outcome::Removed => {
                    removed += 1;
                    println!("{}: removed", describe(&entry, me));
                }
                Outcome::NotYours => {
                    left += 1;
                    println!("{}: not yours, left alone", describe(&entry, me));
                }
                Outcome::Failed(err) => {
                    failures += 1;
                    println!("{}: FAILED: {err}", describe(&entry, me));
                }
            }
        }
        println!("{removed} removed, {left} left alone, {failures} failed");
    }
    if plan.named_others {
        failures += 1;
    }
    if failures > 0 {
        let message = if remove {
            format!("{failures} of the requested objects could not be removed")
        } else {
            format!(
                "{failures} of the requested objects do not exist or are not \
                 yours"
            )
        };
        return Err(Failure::Runtime(message.into()));
    }
    Ok(())
}
// ANCHOR_END: run

fn describe(entry: &Entry, me: u32) -> String {
    let you = |uid: u32| if uid == me { " (you)" } else { "" };
    let mut text = format!(
        "{} key={} owner={}{}",
        entry.id,
        entry.key,
        entry.uid,
        you(entry.uid)
    );
    if entry.cuid != entry.uid {
        // Given away: the creator can still remove it.
        text.push_str(&format!(" creator={}{}", entry.cuid, you(entry.cuid)));
    }
    text.push_str(&format!(" mode={:o}", entry.mode));
    text
}

// ANCHOR: demo
fn demo(args: Args) -> Result<(), Failure> {
    args.finish()?;
    let me = geteuid().as_raw();
    let someone_else = if me == 65534 { 65533 } else { 65534 };
    let mine = [
        Object::new(Kind::MessageQueue)?,
        Object::new(Kind::SemaphoreSet)?,
        Object::new(Kind::SharedMemory)?,
    ];
    // The creator of an object may give it to any user, and remove it later all
    // the same: the tool counts it as yours.
    let given = Object::new(Kind::MessageQueue)?;
    given.id().set_owner(someone_else, someone_else)?;
    let created: Vec<_> = mine.iter().chain([&given]).map(Object::id).collect();
    println!(
        "Created {}, {}, {}, and {}, given to uid {someone_else}.",
        created[0], created[1], created[2], created[3]
    );

    // The tool's own code path, on a scan narrowed to the objects created
    // above, in the order they were created: other objects on the machine are
    // none of the demo's business.
    let scan = cleanup::scan()?;
    let entries: Vec<Entry> = created
        .iter()
        .filter_map(|id| scan.iter().find(|entry| entry.id == *id).copied())
        .collect();
    let plan = cleanup::plan(&entries, &Selection::AllMine, me);
    println!("\n$ ipcrm_mine");
    run(&plan, false)?;
    println!("\n$ ipcrm_mine --remove");
    run(&plan, true)?;

    // The tool removed all four: nothing is left for the handles to remove.
    for object in mine.into_iter().chain([given]) {
        object.keep();
    }
    Ok(())
}
// ANCHOR_END: demo
