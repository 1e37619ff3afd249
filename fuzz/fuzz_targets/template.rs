//! Go-template rendering must finish with Ok or an error for any template text.
#![no_main]

use libfuzzer_sys::fuzz_target;

struct NoHost;

impl warden_template::Host for NoHost {
    fn env(&self, _key: &str) -> Option<String> {
        None
    }
    fn env_vars(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    fn read_file(&self, _path: &str) -> std::io::Result<String> {
        Err(std::io::Error::other("no files while fuzzing"))
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let data = warden_value::parse("{Vars: {a: 1, list: [x, y], m: {k: v}}, Env: {HOME: /root}}", warden_value::Format::Yaml)
            .map(|n| n.to_value())
            .unwrap_or_default();
        let _ = warden_template::render("fuzz", text, &data, &NoHost);
    }
});
