//! `warden validate`: check this machine against a gossfile, print the results in the
//! chosen goss format, and exit with goss's code. With `--retry-timeout`, re-run on a
//! fresh view of the system until everything passes or the time is up.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;

use time::OffsetDateTime;
use warden_gossfile::{Source, duration};
use warden_report::FormatOptions;

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::commands::{load_gossfile, output_format, package_manager, runtime};
use crate::exit;

pub(crate) fn run(global: &GlobalArgs, args: &ValidateArgs) -> u8 {
    let format = match output_format(&args.format) {
        Ok(format) => format,
        Err(code) => return code,
    };
    let format_options = FormatOptions::parse(&args.format_options);
    let package_manager = package_manager(global);

    let (source, gossfile) = match load_gossfile(global) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if gossfile.is_empty() {
        let name = match &source {
            Source::Path(path) => path.display().to_string(),
            Source::Stdin(_) => "-".to_owned(),
        };
        exit::print_error(&format!("found 0 tests, source: {name}"));
        return exit::CONFIG;
    }

    let color = args.color || (!args.no_color && std::io::stdout().is_terminal());
    let options = warden_validate::Options {
        max_concurrent: usize::from(args.max_concurrent),
        package_manager,
    };
    let resources: Arc<[_]> = gossfile.resources.into();
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };

    let started = Instant::now();
    let mut attempt = 1;
    loop {
        let run = runtime.block_on(warden_validate::validate(Arc::clone(&resources), &options));
        let rendered = warden_report::render(
            format,
            &format_options,
            &run.groups,
            OffsetDateTime::now_utc(),
            color,
        );
        let mut stdout = std::io::stdout().lock();
        // A closed stdout (`| head`) must not turn a result into a panic.
        let _ = stdout
            .write_all(rendered.text.as_bytes())
            .and_then(|()| stdout.flush());
        drop(stdout);
        let code = u8::try_from(rendered.exit_code).unwrap_or(exit::FAILED);
        if args.retry_timeout.is_zero() || code == exit::OK {
            return code;
        }
        let elapsed = started.elapsed();
        if elapsed + args.sleep > args.retry_timeout {
            exit::print_error(&format!(
                "timeout of {} reached before tests entered a passing state",
                duration::format(args.retry_timeout)
            ));
            return exit::RETRY_TIMEOUT;
        }
        eprintln!(
            "Retrying in {} (elapsed/timeout time: {:.3}s/{})\n\n",
            duration::format(args.sleep),
            elapsed.as_secs_f64(),
            duration::format(args.retry_timeout)
        );
        std::thread::sleep(args.sleep);
        attempt += 1;
        println!("Attempt #{attempt}:");
    }
}
