//! `--help` everywhere.

use super::*;

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["reprocess", "--help"],
        vec!["purge", "--help"],
        vec!["jobs", "--help"],
        vec!["jobs", "list", "--help"],
        vec!["directory", "project", "add", "--help"],
        vec!["token", "--help"],
        vec!["pipeline", "run", "--help"],
        vec!["faces", "run", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_media-cli"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

#[test]
fn output_piped_into_a_reader_that_stops_early_ends_quietly() {
    // `media-cli pipeline run … | head -1`: the reader goes away after one
    // line; the CLI must end there, not panic on the closed pipe.
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<std::path::PathBuf> = (0..30u8)
        .map(|i| {
            let p = dir.path().join(format!("{i}.jpg"));
            std::fs::write(&p, images::jpeg(64, 48, images::Fill::Gradient { seed: i })).unwrap();
            p
        })
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_media-cli"))
        .args(["pipeline", "run", "--out"])
        .arg(dir.path().join("out"))
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
