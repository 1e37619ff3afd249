//! Output format names and `--format-options`.

use std::fmt;
use std::str::FromStr;

/// goss's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Documentation,
    Json,
    Junit,
    Nagios,
    Prometheus,
    Rspecish,
    Silent,
    Structured,
    Tap,
}

impl Format {
    /// Every format, in the sorted order goss lists them (`valid options: [...]`).
    pub const ALL: [Format; 9] = [
        Format::Documentation,
        Format::Json,
        Format::Junit,
        Format::Nagios,
        Format::Prometheus,
        Format::Rspecish,
        Format::Silent,
        Format::Structured,
        Format::Tap,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Documentation => "documentation",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Nagios => "nagios",
            Format::Prometheus => "prometheus",
            Format::Rspecish => "rspecish",
            Format::Silent => "silent",
            Format::Structured => "structured",
            Format::Tap => "tap",
        }
    }

    /// The format options this format honours (goss's `ValidOptions`).
    pub fn valid_options(self) -> &'static [FormatOption] {
        match self {
            Format::Documentation | Format::Junit | Format::Rspecish | Format::Tap => {
                &[FormatOption::Sort]
            }
            Format::Json | Format::Structured => &[FormatOption::Pretty, FormatOption::Sort],
            Format::Nagios => &[FormatOption::Perfdata, FormatOption::Verbose],
            Format::Prometheus => &[FormatOption::Verbose],
            Format::Silent => &[],
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name goss does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad output format: {0}")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// The options `--format-options` / `-o` can pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormatOption {
    Perfdata,
    Verbose,
    Pretty,
    Sort,
    /// Leave out "the raw value was" (not listed in goss's help).
    ExcludeRaw,
    /// junit only: include "the raw value was", which junit otherwise leaves out.
    IncludeRaw,
}

impl FormatOption {
    pub fn name(self) -> &'static str {
        match self {
            FormatOption::Perfdata => "perfdata",
            FormatOption::Verbose => "verbose",
            FormatOption::Pretty => "pretty",
            FormatOption::Sort => "sort",
            FormatOption::ExcludeRaw => "exclude_raw",
            FormatOption::IncludeRaw => "include_raw",
        }
    }

    fn from_name(s: &str) -> Option<FormatOption> {
        [
            FormatOption::Perfdata,
            FormatOption::Verbose,
            FormatOption::Pretty,
            FormatOption::Sort,
            FormatOption::ExcludeRaw,
            FormatOption::IncludeRaw,
        ]
        .into_iter()
        .find(|o| o.name() == s)
    }
}

/// The set of format options given; unknown names are ignored, as goss ignores them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormatOptions {
    options: Vec<FormatOption>,
}

impl FormatOptions {
    /// From the `-o` values (each may be given once per flag).
    pub fn parse<S: AsRef<str>>(values: &[S]) -> FormatOptions {
        FormatOptions {
            options: values
                .iter()
                .filter_map(|v| FormatOption::from_name(v.as_ref()))
                .collect(),
        }
    }

    pub fn with(mut self, option: FormatOption) -> FormatOptions {
        self.options.push(option);
        self
    }

    pub fn has(&self, option: FormatOption) -> bool {
        self.options.contains(&option)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_listed() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert_eq!(
            "xml".parse::<Format>().unwrap_err().to_string(),
            "bad output format: xml"
        );
    }

    #[test]
    fn unknown_options_are_ignored() {
        let opts = FormatOptions::parse(&["sort", "bogus", "pretty"]);
        assert!(opts.has(FormatOption::Sort) && opts.has(FormatOption::Pretty));
        assert!(!opts.has(FormatOption::Verbose));
    }
}
