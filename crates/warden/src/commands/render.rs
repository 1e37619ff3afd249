//! `warden render`: the merged, templated gossfile, as `goss render` prints it.

use warden_gossfile::{RenderFormat, Source};

use crate::cli::GlobalArgs;
use crate::commands::load_gossfile;
use crate::exit;

pub(crate) fn run(global: &GlobalArgs) -> u8 {
    let (source, gossfile) = match load_gossfile(global) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    // goss prints the document in the format of the file it read.
    let format = match &source {
        Source::Path(path) if path.extension().is_some_and(|e| e == "json") => RenderFormat::Json,
        Source::Stdin(text) if text.trim_start().starts_with('{') => RenderFormat::Json,
        _ => RenderFormat::Yaml,
    };
    print!("{}", warden_gossfile::render(&gossfile, format));
    exit::OK
}
