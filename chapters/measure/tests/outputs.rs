//! The measurement program, run as a real process (see `harness::testing`).
//!
//! Its numbers are the machine's, so its snapshot, which the book shows as
//! the shape of its output, has them replaced, and two runs must agree once
//! they are. A quick run in a debug build measures nothing worth printing,
//! but it checks what must hold on any machine, from the JSON it writes:
//! every message of every variant arrived whole (the run fails otherwise),
//! no safe form is grossly slower than the raw calls (a ratio past 1.5), and
//! the timed loops of both processes allocated nothing, except where an
//! allocation per message is the API's (`ipc-channel`'s receive, the
//! message queue's `receive`). The numbers the book prints come from
//! `--release` runs, in `results/` (see the chapter).

use harness::program;
use harness::testing::{filter, transcript_of, Filters, Program, Running};
use serde_json::Value;

const MEASURE: Program = program!("measure");

harness::chapter_program!(
    measure,
    output_checked_by: super::a_quick_run_checks_every_mechanism,
    bad_arguments: ["--frob"],
    not_stressed: "a measurement: copies run at once, or killed, measure \
                   each other and nothing else"
);

/// The worst ratio of a safe form to the raw calls that a quick debug run
/// may show: a gross regression, not a measurement.
const GROSS: f64 = 1.5;

/// The variants whose API allocates each message it receives.
const ALLOCATING: [&str; 2] = ["ipc-channel", "msg-receive"];

/// What varies from run to run and machine to machine: every number, the
/// machine, and the temporary file's path.
fn numbers() -> Filters {
    [
        (r"Measured on .*", "Measured on [machine]."),
        (r"/\S*/measure\.json", "measure.json"),
        (r"\d+(\.\d+)? (us|MB/s)", "[n] $2"),
        (r"×\d+\.\d\d", "×[r]"),
        (r"CPUs \d+ and \d+", "CPUs [n] and [n]"),
        (r"CPU \d+\)", "CPU [n])"),
        (r"\d+ (seconds|probes|rounds|ms|round trips)", "[n] $1"),
        (r", \d+ here", ", [n] here"),
        (r"\d+\.\d\d per message", "[n] per message"),
        (r"\d+ of these \d+", "[n] of these [n]"),
    ]
    .map(|(pattern, replacement)| {
        (pattern.to_string(), replacement.to_string())
    })
    .into()
}

/// Runs `--quick --json FILE` and returns the transcript and the JSON.
fn quick_run(dir: &std::path::Path, name: &str) -> (String, Value) {
    let path = dir.join(name).join("measure.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let path = path.to_str().unwrap().to_string();
    let args = ["--quick", "--json", path.as_str()];
    let output = Running::start(MEASURE, &args, None).finish();
    let transcript = transcript_of(MEASURE.name, &args, &output);
    assert!(output.status.success(), "{transcript}");
    let json = std::fs::read_to_string(&path).expect("the JSON file");
    (transcript, serde_json::from_str(&json).expect("valid JSON"))
}

#[test]
fn a_quick_run_checks_every_mechanism() {
    let dir = tempfile::tempdir().unwrap();
    let (first, results) = quick_run(dir.path(), "first");
    let cells = results["cells"].as_array().expect("cells");
    let two_cpus = results["cpus"]["other"].is_number();

    // Every mechanism measured, at every size it takes.
    for variant in [
        "pipe",
        "pipe-raw",
        "pipe-raw-again",
        "fifo",
        "fifo-raw",
        "stream",
        "stream-raw",
        "seqpacket",
        "seqpacket-raw",
        "msg",
        "msg-raw",
        "shm",
        "shm-raw",
        "mq",
        "mq-raw",
        "pthread",
        "pthread-raw",
        "futex-ring",
        "futex-ping-pong",
        "ipc-channel",
        "interprocess",
    ] {
        let measured: Vec<u64> = cells
            .iter()
            .filter(|c| c["variant"] == variant && c["placement"] == "same")
            .map(|c| c["size"].as_u64().unwrap())
            .collect();
        let expected: &[u64] =
            if variant.starts_with("msg") || variant.starts_with("mq") {
                &[64, 4096] // msgmax and msgsize_max, 8192 by default
            } else {
                &[64, 4096, 65536]
            };
        assert_eq!(measured, expected, "{variant}:\n{first}");
    }
    assert_eq!(
        cells.iter().any(|c| c["variant"] == "spin-ring"),
        two_cpus,
        "the spinning ring runs across cores only"
    );

    // No safe form grossly slower than the raw calls. Throughput across
    // cores is left out: there, the control (the raw calls against
    // themselves) shows that a ratio is the machine's wake-up lottery. A
    // debug build on a busy machine can still draw one bad measurement, so a
    // ratio past the bound is measured again, in a second run: a regression
    // is gross in both, a bad draw in one.
    let gross = gross_ratios(cells);
    assert!(gross.ratios >= 40, "only {} ratios", gross.ratios);

    // Nothing allocated per message, but where the API allocates; and
    // there the count is seen.
    for cell in cells.iter().chain(results["msg_forms"].as_array().unwrap()) {
        let variant = cell["variant"].as_str().unwrap();
        let allocations = cell["allocations"].as_u64().unwrap();
        let messages = cell["messages"].as_u64().unwrap();
        assert!(messages > 0, "{variant}: no message");
        if ALLOCATING.contains(&variant) {
            assert!(
                allocations >= messages / 2,
                "{variant}: {allocations} allocations for {messages} messages"
            );
        } else {
            assert_eq!(
                allocations, 0,
                "{variant} {} {}: allocations",
                cell["placement"], cell["size"]
            );
        }
    }

    let shape = filter(first.clone(), &numbers());
    MEASURE.assert_snapshot("measure", &shape);
    let (second, again) = quick_run(dir.path(), "second");
    assert_eq!(
        filter(second.clone(), &numbers()),
        shape,
        "two runs differ beyond their numbers"
    );
    let gross_again = gross_ratios(again["cells"].as_array().expect("cells"));
    let in_both: Vec<String> = gross
        .cells
        .iter()
        .filter_map(|(what, r)| {
            let (_, r_again) =
                gross_again.cells.iter().find(|(again, _)| again == what)?;
            Some(format!("{what}: ×{r:.2}, then ×{r_again:.2}"))
        })
        .collect();
    assert!(
        in_both.is_empty(),
        "grossly slower than the raw calls in two runs: {in_both:?}\n\
         {first}\n{second}"
    );
}

/// The cells of a run whose safe form is grossly slower than its raw calls
/// (past [`GROSS`]), with their ratios, and how many ratios were looked at.
struct Gross {
    cells: Vec<(String, f64)>,
    ratios: usize,
}

fn gross_ratios(cells: &[Value]) -> Gross {
    let mut gross = Gross {
        cells: Vec::new(),
        ratios: 0,
    };
    for cell in cells {
        if cell["baseline"].is_null() || cell["variant"] == "pipe-raw-again" {
            continue;
        }
        let what = format!(
            "{} {} {}",
            cell["variant"], cell["placement"], cell["size"]
        );
        if let Some(r) = cell["ratio_latency"].as_f64() {
            if r >= GROSS {
                gross.cells.push((format!("round trips of {what}"), r));
            }
            gross.ratios += 1;
        }
        if cell["placement"] == "same" {
            if let Some(r) = cell["ratio_throughput"].as_f64() {
                if r <= 1.0 / GROSS {
                    gross.cells.push((format!("throughput of {what}"), r));
                }
                gross.ratios += 1;
            }
        }
    }
    gross
}

/// `--write` keeps what the book shows: a quick run's numbers may not
/// replace a full run's.
#[test]
fn write_refuses_a_quick_run() {
    let transcript = MEASURE.transcript(&["--quick", "--write"]);
    assert!(transcript.contains("[exit status: 2]"), "{transcript}");
    assert!(
        transcript.contains("--write keeps a full run's numbers"),
        "{transcript}"
    );
}

/// A peer is this program started again; by hand, without its control
/// channel, it says what is wrong.
#[test]
fn a_peer_needs_its_parent() {
    let transcript = MEASURE.transcript(&["peer", "pipe-raw"]);
    assert!(
        transcript.contains("unknown mechanism 'pipe-raw'"),
        "{transcript}"
    );
    assert!(transcript.contains("[exit status: 2]"), "{transcript}");
    let transcript = MEASURE.transcript(&["peer", "pipe"]);
    assert!(transcript.contains("[exit status: 1]"), "{transcript}");
}
