//! The Python reference tools (the MCP SDK, Prometheus' parser), in the
//! virtualenv `scripts/python-tools` installs once into the tools cache.

use std::process::Stdio;
use std::sync::OnceLock;

use tokio::io::AsyncWriteExt;

/// The virtualenv's python, installed on first use.
pub fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/python-tools");
        let output = std::process::Command::new(script)
            .arg("python")
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "scripts/python-tools python failed"
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    })
}

/// Runs `tests/<script>` with `args` and `env`, feeds it `stdin`, and returns the
/// JSON its last line of output holds (the test fails with its output if not).
pub async fn run(
    script: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: &str,
) -> serde_json::Value {
    let path = format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = tokio::process::Command::new(python())
        .arg(path)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        child.wait_with_output(),
    )
    .await
    .unwrap_or_else(|_| panic!("{script} did not finish"))
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|_| panic!("{script} failed:\n{stdout}\n{stderr}"))
}
