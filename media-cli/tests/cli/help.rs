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
