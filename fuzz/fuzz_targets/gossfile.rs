//! The gossfile loader must return Ok or a positioned error for any text: never panic,
//! never hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warden_gossfile::{LoadOptions, Source, load};

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

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let vars = warden_value::parse("{a: 1, list: [x, y], m: {k: v}}", warden_value::Format::Yaml)
            .map(|n| n.to_value())
            .unwrap_or_default();
        let options = LoadOptions { vars, host: &NoHost };
        let _ = load(&Source::Stdin(text.to_owned()), &options);
    }
});
