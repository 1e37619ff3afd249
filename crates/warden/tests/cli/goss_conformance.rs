//! goss's own golden outputs, run through the real `warden validate` binary: for every
//! `out_<spec>.<code>.<format>` in the conformance corpus, the output with
//! `-o sort -o pretty`, sanitised as goss's tests sanitise it, must be byte-identical
//! and the exit code must be `<code>`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/goss/testdata")
}

/// goss's sanitiser: durations (`\d\.\d\d\ds`) removed, trailing spaces before newlines dropped.
fn sanitise(text: &str) -> String {
    let duration = regex::Regex::new(r"\d\.\d\d\ds").unwrap();
    let trailing = regex::Regex::new(r"(?m) +$").unwrap();
    trailing
        .replace_all(&duration.replace_all(text, ""), "")
        .into_owned()
}

#[test]
fn every_golden_output_matches_byte_for_byte() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut goldens: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("the goss conformance corpus is at ../shared/conformance/goss")
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("out_"))
        .collect();
    goldens.sort();
    for golden in goldens {
        let name = golden.file_name().unwrap().to_string_lossy().into_owned();
        let parts: Vec<&str> = name.trim_start_matches("out_").rsplitn(3, '.').collect();
        let (format, code, spec) = (parts[0], parts[1], parts[2]);
        let output = Command::new(env!("CARGO_BIN_EXE_warden"))
            .args([
                "validate",
                "--no-color",
                "-o",
                "sort",
                "-o",
                "pretty",
                "-f",
                format,
                "-g",
            ])
            .arg(corpus().join(format!("{spec}.yaml")))
            .output()
            .unwrap();
        let expected = sanitise(&std::fs::read_to_string(&golden).unwrap());
        let actual = sanitise(&String::from_utf8_lossy(&output.stdout));
        let actual_code = output.status.code().unwrap_or(-1).to_string();
        if actual != expected || actual_code != code {
            failures.push(format!(
                "{name}: exit {actual_code} (want {code})\n--- expected\n{expected}\n--- actual\n{actual}\n--- stderr\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        checked += 1;
    }
    assert_eq!(checked, 16, "the corpus holds 16 golden files");
    assert!(
        failures.is_empty(),
        "{} of {checked} goldens differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_xml_spec_passes_entirely() {
    let output = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["validate", "--no-color", "-f", "rspecish", "-g"])
        .arg(corpus().join("matching_xml.yaml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("Failed: 0"), "{stdout}");
}
