//! Building a student's file as the test binary of its exercise.
//!
//! Cargo builds the exercise's reference solution (`cargo test --no-run --example
//! NAME`), which also builds, or finds fresh, everything it depends on; its JSON
//! messages say where each library is. The student's file is then compiled by
//! `rustc` alone, against those same libraries, with the `--extern` names that the
//! chapter's package gives them (`cargo metadata`): the student's code sees exactly
//! what the reference solution sees, and nothing is built twice.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::catalog::Exercise;

/// What compiling one exercise's file needs: its package's crates and edition.
#[derive(Clone, Debug)]
pub struct Recipe {
    /// The chapter's package, `chapter-msg`.
    pub package: String,
    /// The package's edition, which the file is compiled with.
    pub edition: String,
    /// The package's folder, for `CARGO_MANIFEST_DIR`.
    pub manifest_dir: PathBuf,
    /// The workspace's root: rustc runs there, so that messages name files
    /// inside it as `my-exercises/NAME.rs`.
    pub root: PathBuf,
    /// `--extern NAME=PATH` for each dependency and dev-dependency.
    pub externs: Vec<(String, PathBuf)>,
    /// Where the dependencies' own dependencies are (`-L dependency=`).
    pub deps_dir: PathBuf,
}

/// Builds what `exercises` depend on with one cargo command and returns, for each
/// exercise by name, how to compile a file of it.
pub fn prepare(
    root: &Path,
    exercises: &[&Exercise],
) -> Result<BTreeMap<String, Recipe>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let metadata = Command::new(&cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !metadata.status.success() {
        return Err(format!("cargo metadata ended with {}", metadata.status));
    }
    let metadata: Value = serde_json::from_slice(&metadata.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;

    // The chapter packages involved, by folder.
    let mut packages: BTreeMap<PathBuf, (String, String, String)> =
        BTreeMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let manifest =
            PathBuf::from(package["manifest_path"].as_str().unwrap_or(""));
        if let Some(dir) = manifest.parent() {
            packages.insert(
                dir.to_path_buf(),
                (
                    package["name"].as_str().unwrap_or("").to_string(),
                    package["id"].as_str().unwrap_or("").to_string(),
                    package["edition"].as_str().unwrap_or("2021").to_string(),
                ),
            );
        }
    }
    let mut build = Command::new(&cargo);
    build
        .args(["test", "--no-run", "--quiet"])
        .arg("--message-format=json-render-diagnostics")
        .current_dir(root)
        .stderr(Stdio::inherit());
    let mut chosen = BTreeMap::new();
    for exercise in exercises {
        let dir = exercise.chapter_dir();
        let (name, id, edition) = packages.get(dir).ok_or_else(|| {
            format!("{} is not a package of the workspace", dir.display())
        })?;
        if !chosen.values().any(|(n, _, _): &(String, _, _)| n == name) {
            build.args(["--package", name]);
        }
        build.args(["--example", &exercise.name]);
        chosen.insert(
            exercise.name.clone(),
            (name.clone(), id.clone(), edition.clone()),
        );
    }
    let output = build
        .output()
        .map_err(|e| format!("cannot run cargo test --no-run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo could not build the exercises' reference solutions and their \
             dependencies ({}): see its messages above",
            output.status
        ));
    }

    // Where cargo put each library.
    let mut libraries: BTreeMap<String, PathBuf> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let kinds: Vec<&str> = message["target"]["kind"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !kinds
            .iter()
            .any(|k| k.contains("lib") || *k == "proc-macro")
        {
            continue;
        }
        let library = message["filenames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find(|f| f.ends_with(".rlib") || f.ends_with(".so"));
        if let (Some(id), Some(library)) =
            (message["package_id"].as_str(), library)
        {
            libraries.insert(id.to_string(), PathBuf::from(library));
        }
    }

    let nodes = metadata["resolve"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut recipes = BTreeMap::new();
    for exercise in exercises {
        let (package, id, edition) = &chosen[&exercise.name];
        let node = nodes
            .iter()
            .find(|node| node["id"].as_str() == Some(id))
            .ok_or_else(|| {
                format!("cargo metadata does not resolve {package}")
            })?;
        let mut externs = Vec::new();
        for dependency in node["deps"].as_array().into_iter().flatten() {
            let normal_or_dev = dependency["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|kind| kind["kind"].is_null() || kind["kind"] == "dev");
            if !normal_or_dev {
                continue;
            }
            let crate_name = dependency["name"].as_str().unwrap_or("");
            let pkg = dependency["pkg"].as_str().unwrap_or("");
            let library = libraries.get(pkg).ok_or_else(|| {
                format!("cargo built no library for {crate_name} ({pkg})")
            })?;
            externs.push((crate_name.to_string(), library.clone()));
        }
        let deps_dir = externs
            .first()
            .and_then(|(_, path)| path.parent())
            .map(Path::to_path_buf)
            .ok_or_else(|| format!("{package} has no dependencies"))?;
        recipes.insert(
            exercise.name.clone(),
            Recipe {
                package: package.clone(),
                edition: edition.clone(),
                manifest_dir: exercise.chapter_dir().to_path_buf(),
                root: root.to_path_buf(),
                externs,
                deps_dir,
            },
        );
    }
    Ok(recipes)
}

/// What a file is built as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// The program: the file's `main` (`exercise run`).
    Program,
    /// Its tests, run by libtest (`rustc --test`).
    LibTest,
    /// Its tests, run by the file's own `main` under `cfg(test)` (`--cfg test`
    /// without `--test`): an exercise built with `harness = false`, as cargo
    /// builds it.
    OwnMain,
}

impl Build {
    /// How the tests of `exercise` are built.
    pub fn tests_of(exercise: &Exercise) -> Build {
        if exercise.libtest {
            Build::LibTest
        } else {
            Build::OwnMain
        }
    }
}

/// The outcome of compiling one file.
pub struct Compiled {
    /// Whether rustc produced the binary.
    pub success: bool,
    /// What rustc printed (errors, warnings), colored if our output is a terminal.
    pub messages: String,
    /// How long it took.
    pub took: Duration,
}

/// Compiles `source` into `binary`: its tests or its program, as `build`
/// says. With `shown_as`, messages and panics name that file instead of
/// `source` (a copy of it with other tests at the end).
pub fn compile(
    recipe: &Recipe,
    crate_name: &str,
    source: &Path,
    shown_as: Option<&Path>,
    binary: &Path,
    build: Build,
) -> Result<Compiled, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut command = Command::new(rustc);
    let relative = |path: &'_ Path| -> PathBuf {
        path.strip_prefix(&recipe.root)
            .unwrap_or(path)
            .to_path_buf()
    };
    command
        .current_dir(&recipe.root)
        .args(["--crate-name", crate_name, "--edition", &recipe.edition])
        .arg(relative(source))
        .arg("-o")
        .arg(binary)
        .args(["-C", "debuginfo=0"])
        // A starter's parameters and imports are unused until the student uses
        // them: warnings about it would only be noise.
        .args(["-A", "unused"])
        .arg(format!("-Ldependency={}", recipe.deps_dir.display()))
        .env("CARGO_MANIFEST_DIR", &recipe.manifest_dir)
        .env("CARGO_PKG_NAME", &recipe.package)
        .env("CARGO_CRATE_NAME", crate_name);
    match build {
        Build::Program => {}
        Build::LibTest => {
            command.arg("--test");
        }
        Build::OwnMain => {
            command.args(["--cfg", "test"]);
        }
    }
    if let Some(shown_as) = shown_as {
        command.arg(format!(
            "--remap-path-prefix={}={}",
            relative(source).display(),
            relative(shown_as).display()
        ));
    }
    if std::io::stdout().is_terminal() {
        command.arg("--color=always");
    }
    for (name, path) in &recipe.externs {
        command
            .arg("--extern")
            .arg(format!("{name}={}", path.display()));
    }
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    Ok(Compiled {
        success: output.status.success(),
        messages: String::from_utf8_lossy(&output.stderr).into_owned(),
        took: started.elapsed(),
    })
}
