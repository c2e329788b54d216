//! Running a third-party Python client in a test: which interpreter, whether the client's
//! library is there, and whether its absence is a failure.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// The interpreter: `MEDLEY_PYTHON`, default `python3`.
pub fn python() -> String {
    std::env::var("MEDLEY_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

/// Whether the environment variable `var` is set to something other than empty or `0`.
pub fn required(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Whether `python -c "import <module>"` succeeds; the error text when it does not.
pub async fn importable(python: &str, module: &str) -> Result<(), String> {
    let out = Command::new(python)
        .args(["-c", &format!("import {module}")])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(Duration::from_secs(30), out).await {
        Err(_) => Err(format!(
            "`{python} -c \"import {module}\"` did not finish in 30 s"
        )),
        Ok(Err(e)) => Err(format!("could not run `{python}`: {e}")),
        Ok(Ok(o)) if o.status.success() => Ok(()),
        // The last line of the traceback: `ModuleNotFoundError: No module named '…'`.
        Ok(Ok(o)) => Err(String::from_utf8_lossy(&o.stderr)
            .trim()
            .lines()
            .last()
            .unwrap_or("no output")
            .to_owned()),
    }
}
