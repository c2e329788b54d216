//! The web app driven in headless Chromium as a person uses it, one file per feature.
//!
//! Runs when `MEDLEY_TEST_CHROMIUM` names a Chromium binary (CI sets it, and
//! `MEDLEY_REQUIRE_BROWSER=1` so that a missing browser fails rather than skips). Every page a
//! test visits is checked with axe-core (`MEDLEY_TEST_AXE` names `axe.min.js`; required with
//! `MEDLEY_REQUIRE_BROWSER=1`) in light and dark, checked to fit a 375 px phone,
//! and photographed at phone and desktop widths into `MEDLEY_SCREENSHOTS` when that is set.

mod account;
mod admin;
mod basics;
mod composite;
mod composite_options;
mod controls;
mod feedback;
mod follow;
mod history;
mod live;
mod live_host;
mod media_keys;
mod player;
mod playlist;
mod spotify;
mod syncjobs;
mod tokens;

use serde_json::json;

use crate::cdp::{Browser, Tab};

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

/// At 375 px wide (a small phone) nothing sticks out sideways: the page never scrolls
/// horizontally. Names the widest elements when it does.
async fn fits_a_phone(tab: &Tab<'_>, name: &str) {
    let own = tab
        .eval("JSON.stringify([innerWidth, innerHeight])")
        .await
        .unwrap();
    let metrics = json!({"width": 375, "height": 800, "deviceScaleFactor": 1, "mobile": true});
    tab.send("Emulation.setDeviceMetricsOverride", metrics)
        .await;
    let wide = tab
        .eval(
            "(() => { const w = document.documentElement.clientWidth; \
             if (document.documentElement.scrollWidth <= w) return []; \
             return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1) \
             .slice(-4).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className}`); })()",
        )
        .await
        .expect("the page's width is measured");
    tab.send("Emulation.clearDeviceMetricsOverride", json!({}))
        .await;
    tab.back_to_size(own.as_str().unwrap()).await;
    assert_eq!(wide, json!([]), "the {name} page is wider than 375 px");
}

/// Checks the page as it is now with axe-core, in light and in dark: no serious or critical
/// violation; checks that it fits 375 px. Then takes its screenshots.
pub async fn looks_right(tab: &Tab<'_>, name: &str) {
    if let Some(axe) = axe_source() {
        if tab.eval("typeof axe").await.unwrap() != json!("object") {
            tab.eval(&axe).await.expect("axe-core loads");
        }
        for scheme in ["light", "dark"] {
            // Reduced motion: a toast fading in would be judged at half its opacity.
            let media = json!({"features": [
                {"name": "prefers-color-scheme", "value": scheme},
                {"name": "prefers-reduced-motion", "value": "reduce"},
            ]});
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
    fits_a_phone(tab, name).await;
    tab.screenshot(name).await;
}

/// Opens the sign-in page of the server at `base` in a new tab, signs `who` in and waits for
/// the page `next`.
pub async fn open_signed_in<'a>(
    browser: &'a Browser,
    base: &str,
    who: &str,
    next: &str,
) -> Tab<'a> {
    open_signed_in_with(browser, base, who, next, None).await
}

/// [`open_signed_in`], with `script` run in every page before the page's own scripts.
pub async fn open_signed_in_with<'a>(
    browser: &'a Browser,
    base: &str,
    who: &str,
    next: &str,
    script: Option<&str>,
) -> Tab<'a> {
    let tab = browser
        .open_with(&format!("{base}/sign-in?next={next}"), script)
        .await;
    sign_in(&tab, who, next).await;
    tab
}

/// Signs `who` in on the sign-in page the tab shows (password `<who>-password`, as
/// `TestApp::user` makes it) and waits for the page `next` it was sent on to.
pub async fn sign_in(tab: &Tab<'_>, who: &str, next: &str) {
    tab.type_into("#username", who).await;
    tab.type_into("#password", &format!("{who}-password")).await;
    tab.click("button[type=submit]").await;
    tab.wait(
        &format!("{next} after signing in"),
        &format!(
            "location.pathname === {}",
            serde_json::to_string(next).unwrap()
        ),
    )
    .await;
}
