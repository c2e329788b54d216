//! The web app driven in headless Chromium as a person uses it, one file per feature.
//!
//! Runs when `MEDLEY_TEST_CHROMIUM` names a Chromium binary (CI sets it, and
//! `MEDLEY_REQUIRE_BROWSER=1` so that a missing browser fails rather than skips). Every page a
//! test visits is checked with axe-core (`MEDLEY_TEST_AXE` names `axe.min.js`; required with
//! `MEDLEY_REQUIRE_BROWSER=1`) in light and dark, and photographed at phone and desktop widths
//! into `MEDLEY_SCREENSHOTS` when that is set.

mod admin;
mod basics;
mod composite;
mod history;
mod player;
mod spotify;
mod syncjobs;
mod tokens;

use serde_json::json;

use crate::cdp::Tab;

fn required() -> bool {
    std::env::var("MEDLEY_REQUIRE_BROWSER").as_deref() == Ok("1")
}

pub fn chromium() -> Option<String> {
    match std::env::var("MEDLEY_TEST_CHROMIUM") {
        Ok(path) if !path.is_empty() => Some(path),
        _ => {
            assert!(
                !required(),
                "MEDLEY_REQUIRE_BROWSER=1 but MEDLEY_TEST_CHROMIUM does not name a Chromium binary"
            );
            eprintln!(
                "skipped: set MEDLEY_TEST_CHROMIUM=/usr/bin/chromium to run the browser test"
            );
            None
        }
    }
}

/// axe-core's script, when `MEDLEY_TEST_AXE` names it.
fn axe_source() -> Option<String> {
    match std::env::var("MEDLEY_TEST_AXE") {
        Ok(path) if !path.is_empty() => Some(
            std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("MEDLEY_TEST_AXE={path} cannot be read: {e}")),
        ),
        _ => {
            assert!(
                !required(),
                "MEDLEY_REQUIRE_BROWSER=1 but MEDLEY_TEST_AXE does not name axe.min.js \
                 (npm install axe-core)"
            );
            None
        }
    }
}

/// Checks the page as it is now with axe-core, in light and in dark: no serious or critical
/// violation. Then takes its screenshots.
pub async fn looks_right(tab: &Tab<'_>, name: &str) {
    if let Some(axe) = axe_source() {
        if tab.eval("typeof axe").await.unwrap() != json!("object") {
            tab.eval(&axe).await.expect("axe-core loads");
        }
        for scheme in ["light", "dark"] {
            let media = json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]});
            tab.send("Emulation.setEmulatedMedia", media).await;
            let found = tab
                .eval(
                    "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations \
                     .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                     .map(v => `${v.impact} ${v.id}: ${v.help}; at ${v.nodes.slice(0, 4) \
                     .map(n => n.target.join(' ')).join(', ')}`))",
                )
                .await
                .expect("axe runs");
            assert_eq!(
                found,
                json!([]),
                "accessibility of the {name} page ({scheme})"
            );
        }
        tab.send("Emulation.setEmulatedMedia", json!({"features": []}))
            .await;
    }
    tab.screenshot(name).await;
}
