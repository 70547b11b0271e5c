//! The measurement program, run as a real process (see `harness::testing`).
//!
//! Its numbers are the machine's, so its snapshot, which the book shows as
//! the shape of its output, has them replaced, and two runs must agree once
//! they are. A quick run in a debug build measures nothing worth printing,
//! but it checks what must hold on any machine, from the JSON it writes:
//! every variant measured at every size it takes, in both placements (where
//! there are two CPUs), the levers and the forms of the message queue and
//! the seqpacket socket too; every message of every variant arrived whole
//! (the run fails otherwise); no safe form grossly slower than the raw calls
//! (a ratio past 1.5, in a second run too); a ratio marked † exactly where
//! its rounds disagree; every probe tied to the round it preceded; and the
//! timed loops of both processes allocated nothing, except where an
//! allocation per message is the API's (`ipc-channel`'s receive, the message
//! queue's `receive`). The numbers the book prints come from `--release`
//! runs, in `results/` (see the chapter).

use harness::program;
use harness::testing::{filter, transcript_of, Filters, Program, Running};
use serde_json::Value;

const MEASURE: Program = program!("measure");

harness::chapter_program!(
    measure,
    output_checked_by: super::a_quick_run_checks_every_mechanism,
    bad_arguments: ["--frob"],
    bad_inputs: [
        [""],
        ["extra"],
        ["--json"],
        ["--json", ""],
        ["--json", "{missing}/results.json"],
        ["--json", "{dir}"],
        ["--quick", "--write"],
        ["--quick", "extra"],
        ["peer"],
        ["peer", "nothing"],
        ["peer", "{xff}"]
    ],
    not_stressed: "a measurement: copies run at once, or killed, measure \
                   each other and nothing else"
);

/// The worst ratio of a safe form to the raw calls that a quick debug run
/// may show: a gross regression, not a measurement.
const GROSS: f64 = 1.5;

/// When the rounds of a ratio disagree (the program's `report::DISAGREE`).
const DISAGREE: f64 = 1.25;

/// The variants whose API allocates each message it receives.
const ALLOCATING: [&str; 2] = ["ipc-channel", "msg-receive"];

/// What varies from run to run and machine to machine: every number, the
/// machine, and the temporary file's path.
fn numbers() -> Filters {
    [
        // Lines whose words vary with the numbers, not only their numbers.
        (
            r"(?m)^(Rounds that began in a slow phase \(.*?\)): .*$",
            "$1: [the rounds].",
        ),
        (r"(?m)^(† Rounds disagree \(.*?\)): .*$", "$1: [the cells]."),
        (
            r"(?m)^Each cell's percentiles come from .*$",
            "Each cell's percentiles come from [n] to [n] round trips timed: \
             [how many lie above its p99.9, and its p99].",
        ),
        (
            r"(?m)^(\| [^|]* \| (?:rounds agree|rounds disagree|the control) \|).*$",
            "$1 [ratios] | [ratios] |",
        ),
        (
            r"(?m)^- (Round trips|Throughput): (.*?) in \d+ of the \d+ (cells whose rounds agree).*$",
            "- $1: $2 in [n] of the [n] $3[; not in: the cells].",
        ),
        (r"Measured on .*", "Measured on [machine]."),
        (r"/\S*/measure\.json", "measure.json"),
        (r"\d+(\.\d+)? (us|MB/s)", "[n] $2"),
        (r"×\d+\.\d\d†?", "×[r]"),
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

    // Every mechanism measured, at every size it takes, in both
    // placements where there are two CPUs: round trips and throughput.
    let placements: &[&str] = if two_cpus {
        &["cross", "same"]
    } else {
        &["same"]
    };
    let mut checked = 0;
    for &placement in placements {
        let mut variants = vec![
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
        ];
        if placement == "cross" {
            variants.push("spin-ring");
        }
        for variant in variants {
            let expected: &[u64] =
                if variant.starts_with("msg") || variant.starts_with("mq") {
                    &[64, 4096] // msgmax and msgsize_max, 8192 by default
                } else {
                    &[64, 4096, 65536]
                };
            let what = format!("{variant} {placement}");
            let found = measured(cells, variant, placement);
            let sizes: Vec<u64> = found.iter().map(|c| size(c)).collect();
            assert_eq!(sizes, expected, "{what}:\n{first}");
            for cell in found {
                assert!(round_trips(cell) > 0, "{what}: no round trip");
                let moved = cell["throughput_bytes_per_s"].as_f64();
                if variant == "futex-ping-pong" {
                    assert!(moved.is_none(), "{what}: it carries no data");
                } else {
                    assert!(moved > Some(0.0), "{what}: no throughput");
                }
                checked += 1;
            }
        }
        // The levers: one-way throughput only, at their size, with its
        // ratio to the default.
        for (lever, at) in [
            ("pipe-capacity", 65536),
            ("stream-sndbuf", 65536),
            ("pipe-batch", 64),
        ] {
            let found = measured(cells, lever, placement);
            let what = format!("{lever} {placement}");
            assert_eq!(found.len(), 1, "{what}:\n{first}");
            assert_eq!(size(found[0]), at, "{what}");
            assert!(found[0]["latency_ns"].is_null(), "{what}: round trips");
            assert!(
                found[0]["ratio_throughput"].as_f64() > Some(0.0),
                "{what}"
            );
            checked += 1;
        }
    }
    assert!(
        cells
            .iter()
            .all(|c| placements.contains(&c["placement"].as_str().unwrap())),
        "a cell in no placement"
    );
    assert_eq!(
        cells.iter().any(|c| c["variant"] == "spin-ring"),
        two_cpus,
        "the spinning ring runs across cores only"
    );
    assert_eq!(checked, cells.len(), "cells nobody expected:\n{first}");

    // The forms of the message queue and of the seqpacket socket, on one
    // core, each with its ratio to the raw calls of the same rounds.
    for (forms, ways, sizes) in [
        (
            "msg_forms",
            &["msg-raw", "msg", "msg-send", "msg-receive"][..],
            &[64, 4096, 8192][..],
        ),
        (
            "socket_forms",
            &["seqpacket-raw", "seqpacket", "seqpacket-send"][..],
            &[64, 4096, 65536][..],
        ),
    ] {
        let table = results[forms].as_array().expect(forms);
        for (i, way) in ways.iter().enumerate() {
            let found = measured(table, way, "same");
            let got: Vec<u64> = found.iter().map(|c| size(c)).collect();
            assert_eq!(got, sizes, "{forms} {way}:\n{first}");
            for cell in found {
                assert!(round_trips(cell) > 0, "{forms} {way}: no round trip");
                let ratio = cell["ratio_latency"].as_f64();
                assert_eq!(ratio.is_some(), i > 0, "{forms} {way}: its ratio");
            }
        }
        assert_eq!(table.len(), ways.len() * sizes.len(), "{forms}");
    }

    // Every probe says which round of which block it preceded: one per
    // round, where there are two CPUs.
    let probes = results["probes"].as_array().expect("probes");
    let rounds = results["plan"]["rounds"].as_u64().unwrap();
    let expected = if two_cpus {
        placements.len() as u64 * 3 * rounds
    } else {
        0
    };
    assert_eq!(probes.len() as u64, expected, "probes");
    for probe in probes {
        let round = probe["round"].as_u64().unwrap();
        assert!((1..=rounds).contains(&round), "{probe}");
        assert!(placements.contains(&probe["placement"].as_str().unwrap()));
        assert!([64, 4096, 65536].contains(&size(probe)), "{probe}");
    }

    // No safe form grossly slower than the raw calls. Throughput across
    // cores is left out: there, the control's own per-round ratios (the raw
    // calls against themselves) disagree by more than any bound. A
    // debug build on a busy machine can still draw one bad measurement, so a
    // ratio past the bound is measured again, in a second run: a regression
    // is gross in both, a bad draw in one.
    let gross = gross_ratios(&results);
    assert!(gross.ratios >= 40, "only {} ratios", gross.ratios);

    // A ratio is marked † in the tables exactly where its rounds disagree:
    // the largest per-round ratio more than DISAGREE times the smallest.
    let mut disagree = 0;
    let shown_placement = placements[0];
    for (table, cell) in ["cells", "msg_forms", "socket_forms"]
        .into_iter()
        .flat_map(|t| {
            results[t].as_array().unwrap().iter().map(move |c| (t, c))
        })
    {
        for which in ["latency", "throughput"] {
            let Some(rounds) = cell[format!("ratio_{which}_rounds")].as_array()
            else {
                continue;
            };
            let rounds: Vec<f64> =
                rounds.iter().map(|r| r.as_f64().unwrap()).collect();
            let low = rounds.iter().copied().fold(f64::INFINITY, f64::min);
            let high = rounds.iter().copied().fold(0.0, f64::max);
            let disagrees = high > DISAGREE * low;
            if table == "cells" {
                assert_eq!(
                    cell[format!("ratio_{which}_rounds_disagree")].as_bool(),
                    Some(disagrees),
                    "{cell}"
                );
            }
            // A lever's ratio is shown for the first placement only.
            let lever = ["pipe-capacity", "stream-sndbuf", "pipe-batch"]
                .contains(&cell["variant"].as_str().unwrap());
            if disagrees && !(lever && cell["placement"] != shown_placement) {
                disagree += 1;
            }
        }
    }
    assert_eq!(
        first.matches("† |").count(),
        disagree,
        "the ratios marked †:\n{first}"
    );

    // Nothing allocated per message, but where the API allocates; and
    // there the count is seen.
    let forms = ["msg_forms", "socket_forms"]
        .into_iter()
        .flat_map(|forms| results[forms].as_array().unwrap());
    for cell in cells.iter().chain(forms) {
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
    let gross_again = gross_ratios(&again);
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

fn gross_ratios(results: &Value) -> Gross {
    let mut gross = Gross {
        cells: Vec::new(),
        ratios: 0,
    };
    let cells = results["cells"].as_array().expect("cells");
    let forms = ["msg_forms", "socket_forms"]
        .into_iter()
        .flat_map(|forms| results[forms].as_array().expect("forms"));
    for cell in cells.iter().chain(forms) {
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

/// The cells of `variant` at `placement`, in the JSON's order (by size).
fn measured<'a>(
    cells: &'a [Value],
    variant: &str,
    placement: &str,
) -> Vec<&'a Value> {
    cells
        .iter()
        .filter(|c| c["variant"] == variant && c["placement"] == placement)
        .collect()
}

fn size(cell: &Value) -> u64 {
    cell["size"].as_u64().unwrap()
}

/// The round trips timed in a cell.
fn round_trips(cell: &Value) -> u64 {
    cell["latency_ns"]["samples"].as_u64().unwrap_or(0)
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
