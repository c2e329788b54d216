//! Just enough of the Chrome DevTools Protocol to drive headless Chromium as a person would:
//! over `--remote-debugging-pipe` (file descriptors 3 and 4, NUL-separated JSON), so it needs
//! no WebSocket client and no driver binary. Every wait is on a condition with a deadline.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::oneshot;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// How long any one step may take before the test fails saying what it waited for.
pub const DEADLINE: Duration = Duration::from_secs(15);

pub struct Browser {
    stdin: tokio::sync::Mutex<ChildStdin>,
    pending: Pending,
    next: AtomicU64,
    _child: Child,
}

impl Browser {
    /// Starts headless Chromium with a fresh profile in `profile`.
    pub async fn launch(chromium: &str, profile: &Path) -> Browser {
        // The shell hands our pipes to Chromium as fds 3 (commands in) and 4 (answers out).
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#)
            .arg(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-pipe",
                "--window-size=375,812",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("Chromium starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let pending: Pending = Arc::default();
        let answers = pending.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout);
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).await.unwrap_or(0) > 0 {
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(message) = serde_json::from_slice::<Value>(&buf) {
                    if let Some(id) = message["id"].as_u64() {
                        if let Some(tx) = answers.lock().unwrap().remove(&id) {
                            let _ = tx.send(message);
                        }
                    }
                }
                buf.clear();
            }
        });
        Browser {
            stdin: tokio::sync::Mutex::new(stdin),
            pending,
            next: AtomicU64::new(1),
            _child: child,
        }
    }

    /// One command; its `result`, or the protocol's error as text.
    pub async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        {
            let mut stdin = self.stdin.lock().await;
            stdin.write_all(&bytes).await.map_err(|e| e.to_string())?;
            stdin.flush().await.map_err(|e| e.to_string())?;
        }
        // Longer than any wait in the page, so that the page's own message is what is seen.
        let patience = DEADLINE * 2;
        let answer = tokio::time::timeout(patience, rx)
            .await
            .map_err(|_| format!("{method}: no answer from Chromium within {patience:?}"))?
            .map_err(|_| "Chromium went away".to_owned())?;
        match answer.get("error") {
            Some(error) => Err(format!("{method}: {error}")),
            None => Ok(answer["result"].clone()),
        }
    }

    /// A new tab showing `url`.
    pub async fn open(&self, url: &str) -> Tab<'_> {
        self.open_with(url, None).await
    }

    /// A new tab showing `url`, with `script` run in every page it loads before the page's
    /// own scripts (to watch what a page asks of the browser, such as its media handlers).
    pub async fn open_with(&self, url: &str, script: Option<&str>) -> Tab<'_> {
        let target = self
            .call(None, "Target.createTarget", json!({"url": "about:blank"}))
            .await
            .unwrap();
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            )
            .await
            .unwrap();
        let tab = Tab {
            browser: self,
            session: attached["sessionId"].as_str().unwrap().to_owned(),
        };
        if let Some(source) = script {
            tab.send("Page.enable", json!({})).await;
            tab.send(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": source }),
            )
            .await;
        }
        tab.send("Page.navigate", json!({"url": url})).await;
        tab
    }
}

pub struct Tab<'a> {
    browser: &'a Browser,
    session: String,
}

impl Tab<'_> {
    pub async fn send(&self, method: &str, params: Value) -> Value {
        self.browser
            .call(Some(&self.session), method, params)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Evaluates `expression` in the page (awaiting a promise); its value, or the page's error.
    pub async fn eval(&self, expression: &str) -> Result<Value, String> {
        let params = json!({"expression": expression, "awaitPromise": true, "returnByValue": true});
        let result = self
            .browser
            .call(Some(&self.session), "Runtime.evaluate", params)
            .await?;
        if let Some(details) = result.get("exceptionDetails") {
            let text = details["exception"]["description"]
                .as_str()
                .or(details["text"].as_str());
            return Err(text.unwrap_or("the page threw").to_owned());
        }
        Ok(result["result"]["value"].clone())
    }

    /// Waits until the JavaScript `condition` holds, rechecking on every change to the page;
    /// fails after [`DEADLINE`] naming `what` it waited for. Survives page loads.
    pub async fn wait(&self, what: &str, condition: &str) {
        let ms = DEADLINE.as_millis();
        let waiter = format!(
            "new Promise((resolve, reject) => {{
                const check = () => {{ try {{ return !!({condition}); }} catch (e) {{ return false; }} }};
                if (check()) return resolve(true);
                const seen = new MutationObserver(() => {{ if (check()) {{ seen.disconnect(); clearTimeout(late); resolve(true); }} }});
                seen.observe(document, {{ subtree: true, childList: true, characterData: true, attributes: true }});
                const late = setTimeout(() => {{ seen.disconnect(); reject(new Error('timed out')); }}, {ms});
            }})"
        );
        let start = Instant::now();
        loop {
            match self.eval(&waiter).await {
                Ok(_) => return,
                // A page being replaced (navigation, reload) has no context to evaluate in yet.
                Err(e) if start.elapsed() < DEADLINE && !e.contains("timed out") => continue,
                // The page's text on one line: CI shows the end of a failed run's output, and
                // the step that failed must be in it.
                Err(e) => panic!(
                    "waiting for {what}: {e}\npage: {}",
                    self.text().await.replace('\n', " | ")
                ),
            }
        }
    }

    /// When `MEDLEY_SCREENSHOTS` names a folder, saves the page there at phone and desktop
    /// widths as `{name}-375.png` and `{name}-1280.png`.
    pub async fn screenshot(&self, name: &str) {
        let Ok(folder) = std::env::var("MEDLEY_SCREENSHOTS") else {
            return;
        };
        let own = self
            .eval("JSON.stringify([innerWidth, innerHeight])")
            .await
            .unwrap();
        std::fs::create_dir_all(&folder).unwrap();
        for width in [375, 1280] {
            let metrics = json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500});
            self.send("Emulation.setDeviceMetricsOverride", metrics)
                .await;
            let shot = self
                .send(
                    "Page.captureScreenshot",
                    json!({"format": "png", "captureBeyondViewport": true}),
                )
                .await;
            let png = base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                shot["data"].as_str().unwrap(),
            )
            .unwrap();
            let path = Path::new(&folder).join(format!("{name}-{width}.png"));
            std::fs::write(&path, png).unwrap();
            eprintln!("screenshot: {}", path.display());
        }
        self.send("Emulation.clearDeviceMetricsOverride", json!({}))
            .await;
        self.back_to_size(own.as_str().unwrap()).await;
    }

    /// Waits, frame by frame, until the page is `own` size again (`[innerWidth, innerHeight]`
    /// as JSON) after an emulated one, and one frame more: until then, where an element is
    /// measured to be is not where a click lands.
    pub async fn back_to_size(&self, own: &str) {
        let own = serde_json::to_string(own).unwrap();
        self.eval(&format!(
            "new Promise(done => {{ const back = () => JSON.stringify([innerWidth, innerHeight]) === {own}; \
             const frame = () => requestAnimationFrame(back() ? () => done(true) : frame); frame(); }})"
        ))
        .await
        .expect("the page back at its own size");
    }

    /// The page's visible text, for failure messages.
    pub async fn text(&self) -> String {
        self.eval("document.body ? document.body.innerText : ''")
            .await
            .unwrap_or_default()
            .to_string()
    }

    /// Clicks the middle of the element `selector` names, with the mouse, once it is there.
    pub async fn click(&self, selector: &str) {
        let js = serde_json::to_string(selector).unwrap();
        self.wait(&format!("{selector} to be clickable"), &format!("(() => {{ const e = document.querySelector({js}); return e && !e.disabled && e.getClientRects().length; }})()")).await;
        // The element's middle, once nothing else is there: a layout that moves under the
        // pointer (a spinner appearing beside a button) would send the click elsewhere.
        let start = Instant::now();
        let rect = loop {
            let rect = self
                .eval(&format!("(() => {{ const e = document.querySelector({js}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); const x = r.x + r.width / 2, y = r.y + r.height / 2; return e.contains(document.elementFromPoint(x, y)) ? [x, y] : null; }})()"))
                .await
                .unwrap();
            if !rect.is_null() {
                break rect;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{selector} is covered by something else"
            );
            tokio::task::yield_now().await;
        };
        for kind in ["mousePressed", "mouseReleased"] {
            self.send("Input.dispatchMouseEvent", json!({"type": kind, "x": rect[0], "y": rect[1], "button": "left", "clickCount": 1})).await;
        }
    }

    /// Types `text` into the field `selector` names, as a keyboard would.
    /// What was in it is selected first, so the text replaces it.
    pub async fn type_into(&self, selector: &str, text: &str) {
        self.click(selector).await;
        self.eval("document.activeElement.select && document.activeElement.select()")
            .await
            .unwrap();
        self.send("Input.insertText", json!({"text": text})).await;
    }

    /// Moves the keyboard focus to `selector` and presses Enter there.
    pub async fn press_enter_on(&self, selector: &str) {
        let js = serde_json::to_string(selector).unwrap();
        self.wait(
            &format!("{selector} to be there"),
            &format!("document.querySelector({js})"),
        )
        .await;
        self.eval(&format!("document.querySelector({js}).focus()"))
            .await
            .unwrap();
        for kind in ["keyDown", "keyUp"] {
            let text = if kind == "keyDown" { "\r" } else { "" };
            self.send(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": text}),
            )
            .await;
        }
    }

    /// Presses `key` (a DOM key name: " ", "ArrowRight"…) wherever the focus is now, with
    /// Shift held when `shift`.
    pub async fn press(&self, key: &str, shift: bool) {
        let (code, vk, text) = match key {
            " " => ("Space", 32, " "),
            "ArrowLeft" => ("ArrowLeft", 37, ""),
            "ArrowUp" => ("ArrowUp", 38, ""),
            "ArrowRight" => ("ArrowRight", 39, ""),
            "ArrowDown" => ("ArrowDown", 40, ""),
            other => panic!("no key code for {other:?}"),
        };
        let modifiers = if shift { 8 } else { 0 };
        for kind in ["keyDown", "keyUp"] {
            let text = if kind == "keyDown" { text } else { "" };
            self.send(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": vk, "text": text, "modifiers": modifiers}),
            )
            .await;
        }
    }

    /// Types `text` key by key where the focus is now (digits and letters), as a keyboard
    /// does: for fields that take no pasted text, such as a date's day, month and year.
    pub async fn keys(&self, text: &str) {
        for c in text.chars() {
            let (code, vk) = match c {
                '0'..='9' => (format!("Digit{c}"), c as u32),
                'a'..='z' | 'A'..='Z' => (
                    format!("Key{}", c.to_ascii_uppercase()),
                    c.to_ascii_uppercase() as u32,
                ),
                other => panic!("no key code for {other:?}"),
            };
            let key = c.to_string();
            self.send(
                "Input.dispatchKeyEvent",
                json!({"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk, "text": key}),
            )
            .await;
            self.send(
                "Input.dispatchKeyEvent",
                json!({"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk}),
            )
            .await;
        }
    }

    /// Types `value`, a date `yyyy-mm-dd` or a date and time `yyyy-mm-ddThh:mm`, into the
    /// date (or date and time) field `selector` names: focused as Tab would, then each part
    /// typed in the order the browser's language shows them (AM or PM too where it has them).
    pub async fn type_date(&self, selector: &str, value: &str) {
        let js = serde_json::to_string(selector).unwrap();
        self.wait(
            &format!("{selector} to be there"),
            &format!("document.querySelector({js})?.getClientRects().length"),
        )
        .await;
        let (date, time) = value.split_once('T').unwrap_or((value, ""));
        let options = if time.is_empty() {
            "{}"
        } else {
            "{year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric'}"
        };
        let order = self
            .eval(&format!(
                "(() => {{ document.querySelector({js}).focus(); \
                 return new Intl.DateTimeFormat(navigator.language, {options}).formatToParts(new Date(2020, 0, 15, 13, 30)) \
                 .map(p => p.type).filter(t => ['day', 'month', 'year', 'hour', 'minute', 'dayPeriod'].includes(t)); }})()"
            ))
            .await
            .unwrap();
        let (year, rest) = date.split_once('-').unwrap();
        let (month, day) = rest.split_once('-').unwrap();
        let (hour, minute) = time.split_once(':').unwrap_or(("", ""));
        let h24: u32 = hour.parse().unwrap_or(0);
        let twelve = order.as_array().unwrap().contains(&json!("dayPeriod"));
        let hour = if twelve {
            format!("{:02}", (h24 + 11) % 12 + 1)
        } else {
            hour.to_owned()
        };
        let parts = order.as_array().unwrap();
        for (i, part) in parts.iter().enumerate() {
            // A year may have six digits: after four, only an arrow moves on.
            if i > 0 && parts[i - 1] == "year" {
                self.press("ArrowRight", false).await;
            }
            let typed = match part.as_str().unwrap() {
                "year" => year,
                "month" => month,
                "day" => day,
                "hour" => &hour,
                "minute" => minute,
                _ if h24 < 12 => "A",
                _ => "P",
            };
            self.keys(typed).await;
        }
    }

    /// Drags the element `from` names onto the element `to` names with the mouse: pressed in
    /// the middle of one, moved there in steps, released in the middle of the other. (These
    /// are pointer events; headless Chromium starts no HTML drag and drop from them.)
    pub async fn drag(&self, from: &str, to: &str) {
        self.drag_while(from, to, async {}).await;
    }

    /// [`Tab::drag`], with `midway` done while the pointer is held halfway.
    pub async fn drag_while(
        &self,
        from: &str,
        to: &str,
        midway: impl std::future::Future<Output = ()>,
    ) {
        let mut points = Vec::new();
        for selector in [from, to] {
            let js = serde_json::to_string(selector).unwrap();
            self.wait(
                &format!("{selector} to be there"),
                &format!("document.querySelector({js})?.getClientRects().length"),
            )
            .await;
            if selector == from {
                self.eval(&format!(
                    "document.querySelector({js}).scrollIntoView({{block: 'center'}})"
                ))
                .await
                .unwrap();
            }
            let at = self
                .eval(&format!("(() => {{ const r = document.querySelector({js}).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"))
                .await
                .unwrap();
            points.push((at[0].as_f64().unwrap(), at[1].as_f64().unwrap()));
        }
        let ((x0, y0), (x1, y1)) = (points[0], points[1]);
        let mouse = |kind: &str, x: f64, y: f64| json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1});
        self.send("Input.dispatchMouseEvent", mouse("mousePressed", x0, y0))
            .await;
        let mut midway = Some(midway);
        for step in 1..=5 {
            let f = f64::from(step) / 5.0;
            let (x, y) = (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
            self.send("Input.dispatchMouseEvent", mouse("mouseMoved", x, y))
                .await;
            if step == 2 {
                midway.take().expect("once").await;
            }
        }
        self.send("Input.dispatchMouseEvent", mouse("mouseReleased", x1, y1))
            .await;
    }

    /// Clicks the element `selector` names at `fraction` of its width (a slider's position).
    pub async fn click_at(&self, selector: &str, fraction: f64) {
        let js = serde_json::to_string(selector).unwrap();
        self.wait(
            &format!("{selector} to be there"),
            &format!("document.querySelector({js})?.getClientRects().length"),
        )
        .await;
        let rect = self
            .eval(&format!("(() => {{ const e = document.querySelector({js}); const r = e.getBoundingClientRect(); return [r.x + r.width * {fraction}, r.y + r.height / 2]; }})()"))
            .await
            .unwrap();
        for kind in ["mousePressed", "mouseReleased"] {
            self.send("Input.dispatchMouseEvent", json!({"type": kind, "x": rect[0], "y": rect[1], "button": "left", "clickCount": 1})).await;
        }
    }

    /// Chooses the option labelled `label` in the select `selector` names, as picking it from
    /// the list does (focus, then `input` and `change`).
    pub async fn choose(&self, selector: &str, label: &str) {
        let (s, l) = (
            serde_json::to_string(selector).unwrap(),
            serde_json::to_string(label).unwrap(),
        );
        self.wait(
            &format!("{selector} offering {label:?}"),
            &format!("[...(document.querySelector({s})?.options || [])].some(o => o.text === {l})"),
        )
        .await;
        self.eval(&format!(
            "(() => {{ const e = document.querySelector({s}); e.focus(); \
             e.selectedIndex = [...e.options].findIndex(o => o.text === {l}); \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); \
             e.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"
        ))
        .await
        .unwrap();
    }

    /// Puts the file at `path` in the file input `selector` names, as choosing it does.
    pub async fn upload(&self, selector: &str, path: &Path) {
        let js = serde_json::to_string(selector).unwrap();
        self.wait(
            &format!("{selector} to be there"),
            &format!("document.querySelector({js})"),
        )
        .await;
        let found = self
            .send(
                "Runtime.evaluate",
                json!({"expression": format!("document.querySelector({js})")}),
            )
            .await;
        let object = found["result"]["objectId"].as_str().unwrap().to_owned();
        self.send(
            "DOM.setFileInputFiles",
            json!({"files": [path.to_str().unwrap()], "objectId": object}),
        )
        .await;
    }

    /// Waits until the element `selector` names shows `text`.
    pub async fn see(&self, selector: &str, text: &str) {
        let (s, t) = (
            serde_json::to_string(selector).unwrap(),
            serde_json::to_string(text).unwrap(),
        );
        self.wait(
            &format!("{selector} showing {text:?}"),
            &format!("[...document.querySelectorAll({s})].some(e => e.innerText.includes({t}))"),
        )
        .await;
    }
}
