//! `cargo xtask browser`: the built book as a reader sees it, in headless Chromium.
//!
//! Chromium is driven over the DevTools protocol through a pipe
//! (`--remote-debugging-pipe`: commands go to its descriptor 3, answers come from 4,
//! each a JSON message ended by a NUL byte), so no port is opened and nothing but
//! Chromium needs installing. Every page of the book is loaded at a desktop width and
//! at a phone width, and:
//!
//! - renders its `<h1>`, its table of contents (which mdBook builds in JavaScript) and
//!   no directive text;
//! - shows no error in the browser's console, and no script throws;
//! - loads every image;
//! - has every code block highlighted;
//! - has no text wider than its column (a phone would scroll the whole text sideways);
//! - leaves a full-page screenshot in `target/browser/{desktop,phone}/PAGE.png`.
//!
//! Then: every link between pages, and every anchor, resolves in the rendered pages
//! (whose ids include those that scripts add); the search finds, for each page, the
//! word of its prose that the fewest other pages use; and the print version holds every
//! chapter in the order of the table of contents, and prints to
//! `target/browser/apue-ipc.pdf`.

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};

type Result<T, E = String> = std::result::Result<T, E>;

/// How long one call to Chromium, or one wait for an event, may take.
const CALL_LIMIT: Duration = Duration::from_secs(60);

/// How long the search may take to list its results.
const SEARCH_LIMIT: Duration = Duration::from_secs(10);

/// The two windows every page is looked at in: a laptop's, and a phone's (the CSS
/// viewport of a common 6.1-inch phone, with mobile emulation, so that the viewport
/// meta tag applies and mdBook folds the sidebar away).
const WINDOWS: [Window; 2] = [
    Window {
        name: "desktop",
        width: 1280,
        height: 800,
        mobile: false,
    },
    Window {
        name: "phone",
        width: 390,
        height: 844,
        mobile: true,
    },
];

struct Window {
    name: &'static str,
    width: u32,
    height: u32,
    mobile: bool,
}

/// What the checks read from a rendered page: see `PAGE_FACTS`.
struct Facts {
    /// The text of every `<h1>` of `<main>`, in order.
    h1s: Vec<String>,
    toc_items: u64,
    directive: bool,
    /// `(src, loaded)` for every image.
    images: Vec<(String, bool)>,
    /// `(class, highlighted, highlighted spans)` for every code block.
    code_blocks: Vec<(String, bool, u64)>,
    /// Every link, as the browser resolved it.
    links: Vec<String>,
    /// Every id of the page.
    ids: BTreeSet<String>,
    /// The width of the text column's content, and of the column: a larger content
    /// scrolls the whole text sideways.
    scroll_width: u64,
    inner_width: u64,
    /// Elements of the text that are wider than their box, and scroll within it.
    wide: Vec<String>,
    /// Elements that reach past the right edge of the text column.
    sticking_out: Vec<String>,
    /// The words of the prose (code blocks aside), lower case, six letters or more.
    words: Vec<String>,
}

/// The script that collects a page's facts, once its fonts are ready.
const PAGE_FACTS: &str = r#"(async () => {
  await document.fonts.ready;
  const main = document.querySelector('main');
  const prose = main ? main.cloneNode(true) : document.createElement('main');
  prose.querySelectorAll('pre').forEach(e => e.remove());
  const describe = e => e.tagName.toLowerCase() + ': ' +
    (e.innerText || e.getAttribute('src') || '').slice(0, 50).replace(/\s+/g, ' ');
  const wide = [];
  const sticking_out = [];
  if (main) {
    for (const e of main.querySelectorAll('.table-wrapper, blockquote, p, img')) {
      if (e.scrollWidth > e.clientWidth + 1 && !e.closest('pre')) {
        wide.push(e.scrollWidth + 'px in ' + e.clientWidth + 'px, ' + describe(e));
      }
    }
    const right = main.getBoundingClientRect().right + 1;
    for (const e of main.querySelectorAll('*')) {
      if (!e.closest('pre, .table-wrapper') && e.getBoundingClientRect().right > right) {
        sticking_out.push(describe(e));
      }
    }
  }
  return JSON.stringify({
    h1s: main ? [...main.querySelectorAll('h1')].map(h => h.innerText) : [],
    toc_items: document.querySelectorAll('.chapter-item').length,
    directive: document.body.innerText.includes('{{#'),
    images: [...document.images].map(i =>
      [i.currentSrc || i.getAttribute('src'), i.complete && i.naturalWidth > 0]),
    code_blocks: [...document.querySelectorAll('main pre code')].map(c =>
      [c.className, c.classList.contains('hljs'),
       c.querySelectorAll('[class*="hljs-"]').length]),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    scroll_width: main ? main.scrollWidth : document.documentElement.scrollWidth,
    inner_width: main ? main.clientWidth : window.innerWidth,
    wide,
    sticking_out: sticking_out.slice(0, 3),
    words: prose.innerText.toLowerCase().match(/[a-z]{6,}/g) || [],
  });
})()"#;

pub fn run(root: &Path) -> Result<()> {
    let html = root.join("target/book");
    let out = root.join("target/browser");
    let _ = fs::remove_dir_all(&out);
    for window in &WINDOWS {
        let dir = out.join(window.name);
        fs::create_dir_all(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let chapters = summary_pages(&root.join("book/SUMMARY.md"))?;
    let mut pages = vec!["index.html".to_string()];
    pages.extend(chapters.iter().cloned());

    let started = Instant::now();
    let mut browser = Browser::start(&out)?;
    let session = browser.new_page()?;
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut facts: BTreeMap<String, Facts> = BTreeMap::new();
    for window in &WINDOWS {
        browser.set_window(&session, window)?;
        for page in &pages {
            let at = format!("{page} ({})", window.name);
            let (page_facts, errors) =
                browser.visit(&session, &file_url(&html.join(page)), false)?;
            problems
                .extend(errors.iter().map(|e| format!("{at}: console: {e}")));
            problems.extend(
                check_page(&page_facts)
                    .into_iter()
                    .map(|p| format!("{at}: {p}")),
            );
            notes.extend(page_facts.wide.iter().map(|w| format!("{at}: {w}")));
            let png = browser.screenshot(&session)?;
            let stem = page.trim_end_matches(".html");
            let path = out.join(window.name).join(format!("{stem}.png"));
            fs::write(&path, png)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if !window.mobile {
                facts.insert(page.clone(), page_facts);
            }
        }
    }

    // The print version: every chapter, in order; and the PDF a reader would save.
    browser.set_window(&session, &WINDOWS[0])?;
    let (print, errors) =
        browser.visit(&session, &file_url(&html.join("print.html")), true)?;
    problems.extend(errors.iter().map(|e| format!("print.html: console: {e}")));
    problems.extend(check_print(&print, &chapters, &facts));
    let pdf = browser.print_to_pdf(&session)?;
    let pdf_path = out.join("apue-ipc.pdf");
    fs::write(&pdf_path, &pdf)
        .map_err(|e| format!("{}: {e}", pdf_path.display()))?;
    if !pdf.starts_with(b"%PDF") || pdf.len() < 100_000 {
        problems.push(format!(
            "print.html printed to a PDF of {} bytes, too small for the book",
            pdf.len()
        ));
    }
    facts.insert("print.html".to_string(), print);

    let links = check_links(&html, &facts, &mut problems);

    // index.html is the introduction a second time, which the search lists under
    // its own name.
    let terms = search_terms(&chapters, &facts);
    for (page, term) in &terms {
        let url =
            format!("{}?search={term}", file_url(&html.join("index.html")));
        let found = browser.search(&session, &url)?;
        if !found.iter().any(|href| href_page(href) == page) {
            problems.push(format!(
                "searching for \"{term}\", a word of {page}, does not list {page} \
                 (it lists {found:?})"
            ));
        }
    }
    browser.close();

    for note in &notes {
        println!("scrolls within its box: {note}");
    }
    let searched: Vec<String> = terms
        .iter()
        .map(|(page, term)| format!("{term} ({page})"))
        .collect();
    println!("searched for: {}", searched.join(", "));
    if !problems.is_empty() {
        return Err(format!(
            "in Chromium, {} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        ));
    }
    println!(
        "Chromium: {} pages at {} widths, with no console error, every image loaded, \
         every code block highlighted and no text wider than its column; {links} links \
         and anchors resolve; the search finds a word of each of {} pages; print.html \
         holds the {} chapters in order ({} KB of PDF); screenshots in {} ({:.0} s)",
        pages.len(),
        WINDOWS.len(),
        terms.len(),
        chapters.len(),
        pdf.len() / 1024,
        out.display(),
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}

/// The pages SUMMARY.md links to, in order, as `page.html`.
fn summary_pages(summary: &Path) -> Result<Vec<String>> {
    let text = fs::read_to_string(summary)
        .map_err(|e| format!("{}: {e}", summary.display()))?;
    Ok(text
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter_map(|target| target.strip_suffix(".md"))
        .map(|stem| format!("{stem}.html"))
        .collect())
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The file a link names: `pipe.html` for `file:///.../pipe.html?highlight=x#y`.
fn href_page(href: &str) -> &str {
    let path = href.split(['#', '?']).next().unwrap_or(href);
    path.rsplit('/').next().unwrap_or(path)
}

fn check_page(facts: &Facts) -> Vec<String> {
    let mut problems = Vec::new();
    if facts.h1s.is_empty() {
        problems.push("no <main> with an <h1> heading".to_string());
    }
    if facts.toc_items == 0 {
        problems.push("the table of contents did not render".to_string());
    }
    if facts.directive {
        problems.push("shows an unexpanded {{#...}} directive".to_string());
    }
    for (src, loaded) in &facts.images {
        if !loaded {
            problems.push(format!("the image {src} did not load"));
        }
    }
    for (class, highlighted, spans) in &facts.code_blocks {
        // highlight.js marks every block it has been through; a Rust listing always
        // has a keyword to colour (a quoted line of C may have none, and an output
        // block is plain text).
        let rust = class.split(' ').any(|c| c == "language-rust");
        if !highlighted || (rust && *spans == 0) {
            problems.push(format!("a code block ({class}) is not highlighted"));
        }
    }
    if facts.scroll_width > facts.inner_width {
        problems.push(format!(
            "the text is {} px wide in a column of {} px: the whole text scrolls \
             sideways (too wide: {})",
            facts.scroll_width,
            facts.inner_width,
            facts.sticking_out.join("; ")
        ));
    }
    problems
}

/// print.html has the `<h1>` of every page of the table of contents, in its order.
fn check_print(
    print: &Facts,
    chapters: &[String],
    facts: &BTreeMap<String, Facts>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut headings = print.h1s.iter();
    for page in chapters {
        let Some(h1) = facts.get(page).and_then(|f| f.h1s.first()) else {
            continue;
        };
        if !headings.any(|heading| heading == h1) {
            problems.push(format!(
                "print.html: the chapter \"{h1}\" ({page}) is missing or out of order"
            ));
            headings = print.h1s.iter();
        }
    }
    problems
}

/// Checks that every link from a page of the book to a file of the book names a file
/// that exists, and, with a fragment, an id of the page it names. Returns the number
/// of links checked.
fn check_links(
    html: &Path,
    facts: &BTreeMap<String, Facts>,
    problems: &mut Vec<String>,
) -> usize {
    let root = file_url(html);
    let mut checked = 0;
    let mut seen = BTreeSet::new();
    for (page, page_facts) in facts {
        for link in &page_facts.links {
            let Some(relative) = link.strip_prefix(&root) else {
                continue; // another site
            };
            if !seen.insert((page.clone(), link.clone())) {
                continue;
            }
            checked += 1;
            let relative = relative.trim_start_matches('/');
            let (path, fragment) = match relative.split_once('#') {
                Some((path, fragment)) => (path, fragment),
                None => (relative, ""),
            };
            let path = path.split('?').next().unwrap_or(path);
            let file = if path.is_empty() {
                html.join("index.html")
            } else {
                html.join(path)
            };
            let file = if file.is_dir() {
                file.join("index.html")
            } else {
                file
            };
            if !file.is_file() {
                problems.push(format!("{page}: the link {link} names no file"));
                continue;
            }
            if fragment.is_empty() {
                continue;
            }
            let target = file
                .strip_prefix(html)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            match facts.get(&target) {
                Some(target_facts) if !target_facts.ids.contains(fragment) => {
                    problems.push(format!(
                        "{page}: the link {link}: {target} has no id \"{fragment}\""
                    ));
                }
                _ => {}
            }
        }
    }
    checked
}

/// For each page, the word of its prose that the fewest pages use (the first such
/// word, in the page's order): something only a working search index finds there.
fn search_terms(
    pages: &[String],
    facts: &BTreeMap<String, Facts>,
) -> Vec<(String, String)> {
    let mut used_by: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for page in pages {
        if let Some(page_facts) = facts.get(page) {
            for word in &page_facts.words {
                used_by.entry(word).or_default().insert(page);
            }
        }
    }
    let mut terms = Vec::new();
    for page in pages {
        let Some(page_facts) = facts.get(page) else {
            continue;
        };
        let rarest = page_facts.words.iter().min_by_key(|word| {
            used_by.get(word.as_str()).map_or(usize::MAX, |p| p.len())
        });
        if let Some(word) = rarest {
            terms.push((page.clone(), word.clone()));
        }
    }
    terms
}

/// Headless Chromium, and the pipe to its DevTools protocol.
struct Browser {
    child: Child,
    commands: ChildStdin,
    messages: Receiver<Value>,
    /// Events that came while a call waited for its answer.
    events: Vec<Value>,
    next_id: u64,
    profile: PathBuf,
}

impl Browser {
    /// Starts Chromium with its protocol on descriptors 3 and 4: the shell that starts
    /// it moves the pipes it is given as standard input and output there, and `exec`s,
    /// so the process is Chromium's. Chromium's own messages go to
    /// `OUT/chromium.log`.
    fn start(out: &Path) -> Result<Browser> {
        let chromium =
            env::var_os("CHROMIUM").unwrap_or_else(|| "chromium".into());
        let profile = env::temp_dir()
            .join(format!("xtask-chromium-{}", std::process::id()));
        let log_path = out.join("chromium.log");
        let log = fs::File::create(&log_path)
            .map_err(|e| format!("{}: {e}", log_path.display()))?;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>&2"#)
            .arg(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run sh to start Chromium: {e}"))?;
        let commands = child.stdin.take().ok_or("no pipe to Chromium")?;
        let mut answers = child.stdout.take().ok_or("no pipe from Chromium")?;
        let (sender, messages) = mpsc::channel();
        thread::spawn(move || {
            let mut pending = Vec::new();
            let mut buffer = [0u8; 1 << 16];
            loop {
                let n = match answers.read(&mut buffer) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buffer[..n]);
                while let Some(end) = pending.iter().position(|&b| b == 0) {
                    let message: Vec<u8> = pending.drain(..=end).collect();
                    let Ok(value) = serde_json::from_slice(&message[..end])
                    else {
                        continue;
                    };
                    if sender.send(value).is_err() {
                        return;
                    }
                }
            }
        });
        let mut browser = Browser {
            child,
            commands,
            messages,
            events: Vec::new(),
            next_id: 0,
            profile,
        };
        browser.call(None, "Browser.getVersion", json!({})).map_err(|e| {
            format!(
                "{e}\nChromium did not start: is {} installed (or $CHROMIUM set)? \
                 See {}",
                Path::new(&chromium).display(),
                log_path.display()
            )
        })?;
        Ok(browser)
    }

    /// Sends one command and returns its result; events that come meanwhile are kept.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message =
            json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .map_err(|e| format!("{method}: cannot write to Chromium: {e}"))?;
        let deadline = Instant::now() + CALL_LIMIT;
        loop {
            let message = self.receive(deadline, method)?;
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method}: {error}"));
                }
                return Ok(message["result"].clone());
            }
            self.events.push(message);
        }
    }

    fn receive(
        &mut self,
        deadline: Instant,
        waiting_for: &str,
    ) -> Result<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(message) => Ok(message),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "Chromium did not answer {waiting_for} within {} s",
                CALL_LIMIT.as_secs()
            )),
            Err(RecvTimeoutError::Disconnected) => {
                Err(format!("Chromium ended while we waited for {waiting_for}"))
            }
        }
    }

    /// Waits for the event `method` of `session`, among those kept and those to come.
    fn wait_for_event(&mut self, session: &str, method: &str) -> Result<Value> {
        let matches = |event: &Value| {
            event["method"] == json!(method)
                && event["sessionId"] == json!(session)
        };
        if let Some(index) = self.events.iter().position(matches) {
            return Ok(self.events.remove(index));
        }
        let deadline = Instant::now() + CALL_LIMIT;
        loop {
            let message = self.receive(deadline, method)?;
            if matches(&message) {
                return Ok(message);
            }
            self.events.push(message);
        }
    }

    /// A new tab, attached: its session id.
    fn new_page(&mut self) -> Result<String> {
        let target = self.call(
            None,
            "Target.createTarget",
            json!({ "url": "about:blank" }),
        )?;
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        )?;
        let session = attached["sessionId"]
            .as_str()
            .ok_or("Target.attachToTarget gave no session")?
            .to_string();
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            self.call(Some(&session), domain, json!({}))?;
        }
        Ok(session)
    }

    fn set_window(&mut self, session: &str, window: &Window) -> Result<()> {
        self.call(
            Some(session),
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": window.width,
                "height": window.height,
                "deviceScaleFactor": 1,
                "mobile": window.mobile,
            }),
        )?;
        Ok(())
    }

    /// Loads `url`, waits for its load event, and returns its facts and the errors its
    /// console showed meanwhile. With `no_print`, the page's `window.print()` (which
    /// print.html calls once loaded) does nothing.
    fn visit(
        &mut self,
        session: &str,
        url: &str,
        no_print: bool,
    ) -> Result<(Facts, Vec<String>)> {
        self.events.clear();
        let mut script = None;
        if no_print {
            let added = self.call(
                Some(session),
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": "window.print = () => {};" }),
            )?;
            script = Some(added["identifier"].clone());
        }
        let navigated =
            self.call(Some(session), "Page.navigate", json!({ "url": url }))?;
        if let Some(error) = navigated.get("errorText") {
            return Err(format!("{url}: {error}"));
        }
        self.wait_for_event(session, "Page.loadEventFired")?;
        let facts = self.evaluate(session, PAGE_FACTS)?;
        if let Some(identifier) = script {
            self.call(
                Some(session),
                "Page.removeScriptToEvaluateOnNewDocument",
                json!({ "identifier": identifier }),
            )?;
        }
        let errors = self.console_errors(session);
        Ok((parse_facts(&facts)?, errors))
    }

    /// The errors the console of `session` showed since the events were last cleared:
    /// uncaught exceptions, `console.error`, and the browser's own errors (a resource
    /// that failed to load, for one).
    fn console_errors(&mut self, session: &str) -> Vec<String> {
        let mut errors = Vec::new();
        for event in self.events.drain(..) {
            if event["sessionId"] != json!(session) {
                continue;
            }
            let params = &event["params"];
            match event["method"].as_str() {
                Some("Runtime.exceptionThrown") => {
                    let details = &params["exceptionDetails"];
                    let text = details["exception"]["description"]
                        .as_str()
                        .or(details["text"].as_str())
                        .unwrap_or("an exception");
                    errors.push(text.to_string());
                }
                Some("Runtime.consoleAPICalled")
                    if matches!(
                        params["type"].as_str(),
                        Some("error" | "assert")
                    ) =>
                {
                    let text: Vec<String> = params["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|arg| {
                            arg["value"]
                                .as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| {
                                    arg["description"].to_string()
                                })
                        })
                        .collect();
                    errors.push(text.join(" "));
                }
                Some("Log.entryAdded")
                    if params["entry"]["level"] == json!("error") =>
                {
                    let entry = &params["entry"];
                    errors.push(format!(
                        "{} {}",
                        entry["text"].as_str().unwrap_or(""),
                        entry["url"].as_str().unwrap_or("")
                    ));
                }
                _ => {}
            }
        }
        errors
    }

    /// Runs `expression` in the page and returns its value, awaited if it is a promise.
    fn evaluate(&mut self, session: &str, expression: &str) -> Result<Value> {
        let result = self.call(
            Some(session),
            "Runtime.evaluate",
            json!({
                "expression": expression,
                "awaitPromise": true,
                "returnByValue": true,
            }),
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            return Err(format!("a script of the checks failed: {details}"));
        }
        Ok(result["result"]["value"].clone())
    }

    /// A PNG of the whole page, as tall as its content.
    fn screenshot(&mut self, session: &str) -> Result<Vec<u8>> {
        let shot = self.call(
            Some(session),
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true }),
        )?;
        decode_base64(shot["data"].as_str().unwrap_or(""))
    }

    fn print_to_pdf(&mut self, session: &str) -> Result<Vec<u8>> {
        let pdf = self.call(
            Some(session),
            "Page.printToPDF",
            json!({ "printBackground": true }),
        )?;
        decode_base64(pdf["data"].as_str().unwrap_or(""))
    }

    /// Opens `url` (the book with `?search=...`) and returns the links of the search
    /// results, once there are some, or none after `SEARCH_LIMIT`: the page itself
    /// says when they come (a `MutationObserver`), in a promise the call awaits.
    fn search(&mut self, session: &str, url: &str) -> Result<Vec<String>> {
        let (_, errors) = self.visit(session, url, false)?;
        if !errors.is_empty() {
            return Err(format!("{url}: console: {}", errors.join("; ")));
        }
        let results = format!(
            r#"new Promise(resolve => {{
                const links = () => [...document.querySelectorAll(
                    '#mdbook-searchresults a')].map(a => a.href);
                let observer, timer;
                const done = () => {{
                    observer.disconnect();
                    clearTimeout(timer);
                    resolve(JSON.stringify(links()));
                }};
                observer = new MutationObserver(() => {{
                    if (links().length) done();
                }});
                observer.observe(document.body, {{ childList: true, subtree: true }});
                timer = setTimeout(done, {limit});
                if (links().length) done();
            }})"#,
            limit = SEARCH_LIMIT.as_millis()
        );
        let found = self.evaluate(session, &results)?;
        Ok(serde_json::from_str(found.as_str().unwrap_or("[]"))
            .unwrap_or_default())
    }

    fn close(mut self) {
        let _ = self.call(None, "Browser.close", json!({}));
    }
}

impl Drop for Browser {
    /// Chromium is ours: it has 5 s to end after `Browser.close` (or after its
    /// protocol pipe closes), then it is killed by its pid; either way it is reaped
    /// before its profile is removed.
    fn drop(&mut self) {
        let pid = Pid::from_raw(self.child.id() as i32);
        let (ended, waited) = std::sync::mpsc::channel();
        thread::scope(|scope| {
            let child = &mut self.child;
            scope.spawn(move || {
                let _ = child.wait();
                let _ = ended.send(());
            });
            if waited.recv_timeout(Duration::from_secs(5)).is_err() {
                let _ = kill(pid, Signal::SIGKILL); // the waiting thread then returns
            }
        });
        let _ = fs::remove_dir_all(&self.profile);
    }
}

fn parse_facts(json: &Value) -> Result<Facts> {
    let value: Value = serde_json::from_str(json.as_str().unwrap_or(""))
        .map_err(|e| format!("the page's facts are not JSON: {e}"))?;
    let strings = |key: &str| -> Vec<String> {
        value[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    Ok(Facts {
        h1s: strings("h1s"),
        toc_items: value["toc_items"].as_u64().unwrap_or(0),
        directive: value["directive"].as_bool().unwrap_or(true),
        images: value["images"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                (
                    i[0].as_str().unwrap_or("").to_string(),
                    i[1].as_bool().unwrap_or(false),
                )
            })
            .collect(),
        code_blocks: value["code_blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c[0].as_str().unwrap_or("").to_string(),
                    c[1].as_bool().unwrap_or(false),
                    c[2].as_u64().unwrap_or(0),
                )
            })
            .collect(),
        links: strings("links"),
        ids: strings("ids").into_iter().collect(),
        scroll_width: value["scroll_width"].as_u64().unwrap_or(0),
        inner_width: value["inner_width"].as_u64().unwrap_or(0),
        wide: strings("wide"),
        sticking_out: strings("sticking_out"),
        words: strings("words"),
    })
}

/// Standard base64, as the protocol sends screenshots and PDFs.
fn decode_base64(text: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let mut bits = 0u32;
    let mut count = 0;
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return Err(format!("not base64: byte {c:#x}")),
        };
        bits = bits << 6 | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
        }
        bits &= (1 << count) - 1;
    }
    if bytes.is_empty() {
        return Err("Chromium sent no data".to_string());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8sIHdvcmxk").unwrap(), b"hello, world");
        assert!(decode_base64("a*b").is_err());
    }

    fn page(h1: &str, links: &[&str], ids: &[&str]) -> Facts {
        Facts {
            h1s: vec![h1.to_string()],
            toc_items: 1,
            directive: false,
            images: Vec::new(),
            code_blocks: Vec::new(),
            links: links.iter().map(|l| l.to_string()).collect(),
            ids: ids.iter().map(|i| i.to_string()).collect(),
            scroll_width: 0,
            inner_width: 0,
            wide: Vec::new(),
            sticking_out: Vec::new(),
            words: Vec::new(),
        }
    }

    #[test]
    fn a_link_to_a_missing_anchor_or_file_is_a_problem() {
        let html = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let root = file_url(&html);
        let mut facts = BTreeMap::new();
        facts.insert(
            "main.rs".to_string(),
            page(
                "A",
                &[
                    &format!("{root}/browser.rs#here"),
                    &format!("{root}/browser.rs#nowhere"),
                    &format!("{root}/missing.html"),
                    "https://example.org/#elsewhere",
                ],
                &[],
            ),
        );
        facts.insert("browser.rs".to_string(), page("B", &[], &["here"]));
        let mut problems = Vec::new();
        let checked = check_links(&html, &facts, &mut problems);
        assert_eq!(checked, 3);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("has no id \"nowhere\""),
            "{problems:?}"
        );
        assert!(problems[1].contains("names no file"), "{problems:?}");
    }

    #[test]
    fn print_must_hold_the_chapters_in_order() {
        let chapters = ["a.html".to_string(), "b.html".to_string()];
        let mut facts = BTreeMap::new();
        facts.insert("a.html".to_string(), page("A", &[], &[]));
        facts.insert("b.html".to_string(), page("B", &[], &[]));
        let mut print = page("A", &[], &[]);
        print.h1s = vec!["A".to_string(), "B".to_string()];
        assert!(check_print(&print, &chapters, &facts).is_empty());
        print.h1s = vec!["B".to_string(), "A".to_string()];
        assert_eq!(check_print(&print, &chapters, &facts).len(), 1);
    }

    #[test]
    fn names_the_page_of_a_link() {
        assert_eq!(href_page("file:///b/pipe.html?highlight=x#y"), "pipe.html");
        assert_eq!(href_page("file:///b/errata.html#names"), "errata.html");
    }
}
