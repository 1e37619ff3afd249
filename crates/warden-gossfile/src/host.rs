//! What templates may read from the machine: the process environment and files.

/// The real environment and filesystem, as `goss` templates see them.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemHost;

impl warden_template::Host for SystemHost {
    fn env(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }

    fn env_vars(&self) -> Vec<(String, String)> {
        std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect()
    }

    fn read_file(&self, path: &str) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}
