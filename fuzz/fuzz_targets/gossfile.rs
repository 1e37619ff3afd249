//! The gossfile loader must return Ok or a positioned error for any text: never panic,
//! never hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::ffi::OsString;
use std::path::Path;

use warden_gossfile::{Files, LoadOptions, Source, load_with};

/// Templates see a fixed environment and no files, so runs are reproducible.
struct NoHost;

impl warden_template::Host for NoHost {
    fn env(&self, key: &str) -> Option<String> {
        (key == "OS").then(|| "debian".to_owned())
    }
    fn env_vars(&self) -> Vec<(String, String)> {
        vec![("OS".to_owned(), "debian".to_owned())]
    }
    fn read_file(&self, _path: &str) -> std::io::Result<String> {
        Err(std::io::Error::other("no files while fuzzing"))
    }
}

/// No files at all: include patterns must not walk the real filesystem while fuzzing.
struct NoFiles;

impl Files for NoFiles {
    fn read_to_string(&self, _path: &Path) -> std::io::Result<String> {
        Err(std::io::ErrorKind::NotFound.into())
    }
    fn read_dir(&self, _dir: &Path) -> std::io::Result<Vec<OsString>> {
        Err(std::io::ErrorKind::NotFound.into())
    }
    fn exists(&self, _path: &Path) -> bool {
        false
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let vars = warden_value::parse("{a: 1, list: [x, y], m: {k: v}}", warden_value::Format::Yaml)
            .map(|n| n.to_value())
            .unwrap_or_default();
        let options = LoadOptions { vars, host: &NoHost };
        let _ = load_with(&Source::Stdin(text.to_owned()), &options, &NoFiles);
    }
});
