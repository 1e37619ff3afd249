//! One module per subcommand. Each turns parsed arguments into calls on the library
//! crates and returns the process exit code.

mod render;
mod validate;

use std::io::Read;
use std::path::Path;

use warden_gossfile::{Gossfile, GossfileError, LoadOptions, Source, SystemHost, vars};

use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit;

pub(crate) fn run(cli: Cli) -> u8 {
    match &cli.command {
        Command::Validate(args) => validate::run(&cli.global, args),
        Command::Render => render::run(&cli.global),
    }
}

/// The gossfile named by the global flags, with vars applied and includes merged.
/// Errors are printed; the caller exits with the returned code.
pub(crate) fn load_gossfile(global: &GlobalArgs) -> Result<(Source, Gossfile), u8> {
    let source = read_source(&global.gossfile)?;
    let loaded = template_vars(global).and_then(|vars| {
        let options = LoadOptions {
            vars,
            host: &SystemHost,
        };
        warden_gossfile::load(&source, &options)
    });
    let gossfile = loaded.map_err(|err| {
        exit::print_error(&err);
        exit::CONFIG
    })?;
    for warning in &gossfile.warnings {
        eprintln!("{warning}");
    }
    Ok((source, gossfile))
}

fn read_source(path: &Path) -> Result<Source, u8> {
    if path != Path::new("-") {
        return Ok(Source::Path(path.to_owned()));
    }
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|err| {
        exit::print_error(&format!("reading the gossfile from standard input: {err}"));
        exit::CONFIG
    })?;
    Ok(Source::Stdin(text))
}

fn template_vars(global: &GlobalArgs) -> Result<warden_value::Value, GossfileError> {
    let mut merged = warden_value::Value::Map(Default::default());
    for path in &global.vars {
        vars::deep_merge(&mut merged, vars::read_vars_file(path)?);
    }
    if let Some(inline) = &global.vars_inline {
        vars::apply_inline(&mut merged, vars::parse_inline(inline)?);
    }
    Ok(merged)
}
