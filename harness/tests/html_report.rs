//! `--report html=FILE`, rendered by a real browser: Debian's headless Chromium opens the page a
//! real run wrote (no network), and the test fails on any console error, exception or blocked
//! script, checks the filters and the flow of a vulnerable case, and keeps a screenshot.

use std::ffi::OsStr;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Headless Chromium as the driver starts it (no sandbox: CI runs as root).
fn chromium() -> Browser {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "Chromium is missing; run scripts/setup --test"
    );
    let options = LaunchOptions::default_builder()
        .path(Some(CHROMIUM.into()))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1280, 1600)))
        .idle_browser_timeout(Duration::from_secs(120))
        .args(
            [
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ]
            .iter()
            .map(OsStr::new)
            .collect(),
        )
        .build()
        .unwrap();
    Browser::new(options).expect("launch Chromium")
}

/// Every console message of level error or warning, exception and log entry the tab reports.
fn complaints(tab: &Tab) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store = seen.clone();
    tab.enable_log().unwrap().enable_runtime().unwrap();
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let complaint = match event {
            Event::LogEntryAdded(e) => Some(format!(
                "log {:?}: {}",
                e.params.entry.level, e.params.entry.text
            )),
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {}", e.params.exception_details.text))
            }
            Event::RuntimeConsoleAPICalled(e) => Some(format!("console.{:?}", e.params.Type)),
            _ => None,
        };
        store.lock().unwrap().extend(complaint);
    }))
    .unwrap();
    seen
}

fn number(tab: &Tab, js: &str) -> u64 {
    tab.evaluate(js, false)
        .unwrap()
        .value
        .and_then(|v| v.as_u64())
        .unwrap_or_else(|| panic!("{js} gave no number"))
}

#[test]
fn a_real_runs_report_renders_in_chromium_without_errors_and_its_filters_work() {
    let dir = tempfile::tempdir().unwrap();
    let (html, json) = (dir.path().join("report.html"), dir.path().join("r.json"));
    let out = Command::new(env!("CARGO_BIN_EXE_saml-harness"))
        .args([
            "conformance",
            "--reference-sp",
            "--flaw",
            "signature-wrapping",
            "--only",
            "xsw",
            "--quiet",
        ])
        .arg("--report")
        .arg(format!("html={}", html.display()))
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let cases = report["cases"].as_array().unwrap();
    let count = |verdict: &str| cases.iter().filter(|c| c["verdict"] == verdict).count() as u64;
    let (vulnerable, total) = (count("vulnerable"), cases.len() as u64);
    assert!(vulnerable >= 3, "{report}");

    let browser = chromium();
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(30));
    let seen = complaints(&tab);
    tab.navigate_to(&format!("file://{}", html.display()))
        .unwrap()
        .wait_until_navigated()
        .unwrap();

    // Opened on what did not pass: the script ran (it is what hides the passes).
    assert_eq!(
        number(
            &tab,
            "document.querySelectorAll('.case:not([hidden])').length"
        ),
        total - count("pass") - count("not-applicable")
    );
    assert_eq!(
        tab.evaluate("document.getElementById('shown').textContent", false)
            .unwrap()
            .value
            .unwrap(),
        serde_json::json!((total - count("pass") - count("not-applicable")).to_string())
    );
    // Every verdict ticked: all cases; then a text search narrows to one check.
    number(
        &tab,
        "document.querySelectorAll('input[name=verdict]').forEach(b => { b.checked = true; b.dispatchEvent(new Event('input')); }); 0",
    );
    assert_eq!(
        number(
            &tab,
            "document.querySelectorAll('.case:not([hidden])').length"
        ),
        total
    );
    number(
        &tab,
        "const t = document.getElementById('text'); t.value = 'xsw/3'; t.dispatchEvent(new Event('input')); 0",
    );
    assert_eq!(
        number(
            &tab,
            "document.querySelectorAll('.case:not([hidden])').length"
        ),
        1
    );
    // A vulnerable case shows its flow ending signed in as the forged identity, and what the
    // forgery added to the IdP's signed response.
    let flow = tab
        .evaluate(
            "const c = document.querySelector('.case:not([hidden])'); c.open = true; c.querySelector('ol.flow').innerText",
            false,
        )
        .unwrap()
        .value
        .unwrap();
    let flow = flow.as_str().unwrap();
    assert!(
        flow.contains("AuthnRequest") && flow.contains("signed in as admin@contoso.com"),
        "{flow}"
    );
    assert!(
        number(
            &tab,
            "document.querySelector('.case:not([hidden]) pre .add') ? 1 : 0"
        ) == 1,
        "no added lines in the diff"
    );
    assert_eq!(
        number(&tab, "performance.getEntriesByType('resource').length"),
        0,
        "the page fetched something"
    );

    let png = tab
        .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
        .unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    std::fs::write(&shot, &png).unwrap();
    eprintln!("screenshot: {}", shot.display());

    let complaints = seen.lock().unwrap().clone();
    assert!(complaints.is_empty(), "the page complained: {complaints:?}");

    // The listener does catch a page's errors (so its silence above means something).
    tab.navigate_to("data:text/html,<script>not_defined()</script>")
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        seen.lock().unwrap().iter().any(|c| c.contains("exception")),
        "{:?}",
        seen.lock().unwrap()
    );
}
