//! Choosing the policies of a run: tags, then environment, as INTERCEPT filters them.

use crate::model::{Policy, PolicyFile};

/// The environment variables `--env-detection` reads, in INTERCEPT's order; the first
/// non-empty one names the environment.
pub const ENVIRONMENT_VARIABLES: [&str; 21] = [
    "ENV",
    "ENVIRONMENT",
    "NODE_ENV",
    "RAILS_ENV",
    "RACK_ENV",
    "DJANGO_ENV",
    "DJANGO_SETTINGS_MODULE",
    "FLASK_ENV",
    "APP_ENV",
    "SYMFONY_ENV",
    "SPRING_PROFILES_ACTIVE",
    "ASPNETCORE_ENVIRONMENT",
    "GO_ENV",
    "GIN_MODE",
    "MIX_ENV",
    "REACT_APP_ENV",
    "VUE_APP_ENV",
    "NG_ENV",
    "RUST_ENV",
    "PLACK_ENV",
    "KOTLIN_ENV",
];

/// Which policies run, and in which environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `-e`: the environment named on the command line.
    pub environment: Option<String>,
    /// `--env-detection`: without `environment`, read it from [`ENVIRONMENT_VARIABLES`].
    pub env_detection: bool,
    /// Keep policies with at least one of these tags (case-insensitive).
    pub tags_any: Vec<String>,
    /// Keep policies with every one of these tags (case-insensitive).
    pub tags_all: Vec<String>,
}

impl Selection {
    /// The environment of the run: `environment` if given, else the detected one with
    /// `env_detection`, else none (no environment filter; rules for `all` apply).
    pub fn resolved_environment(&self) -> Option<String> {
        self.resolved_environment_with(|name| std::env::var(name).ok())
    }

    /// [`Selection::resolved_environment`] with the environment read through `lookup`.
    pub fn resolved_environment_with(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Option<String> {
        match self.environment.as_deref().map(str::trim) {
            Some(named) if !named.is_empty() => Some(named.to_owned()),
            _ if self.env_detection => detect_environment(lookup),
            _ => None,
        }
    }
}

/// The first non-empty variable of [`ENVIRONMENT_VARIABLES`].
pub fn detect_environment(lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    ENVIRONMENT_VARIABLES
        .iter()
        .filter_map(|name| lookup(name))
        .find(|value| !value.is_empty())
}

impl PolicyFile {
    /// The policies `selection` keeps, in file order: `Config.Flags.tags` as an implicit
    /// tags-any filter, then `tags_any`, then `tags_all`, then the environment.
    pub fn select(&self, selection: &Selection) -> Vec<&Policy> {
        self.select_in(selection, selection.resolved_environment().as_deref())
    }

    /// [`PolicyFile::select`] with the environment already resolved.
    pub fn select_in(&self, selection: &Selection, environment: Option<&str>) -> Vec<&Policy> {
        let config_tags = clean(&self.config.flags.tags);
        let tags_any = clean(&selection.tags_any);
        let tags_all = clean(&selection.tags_all);
        self.policies
            .iter()
            .filter(|p| config_tags.is_empty() || config_tags.iter().any(|t| p.has_tag(t)))
            .filter(|p| tags_any.is_empty() || tags_any.iter().any(|t| p.has_tag(t)))
            .filter(|p| tags_all.iter().all(|t| p.has_tag(t)))
            .filter(|p| environment.is_none_or(|env| p.applies_to(env)))
            .collect()
    }
}

/// Tags as `a, b` splits them: trimmed, empty ones dropped.
fn clean(tags: &[String]) -> Vec<&str> {
    tags.iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn detection_takes_the_first_non_empty_variable() {
        let env = lookup(&[("ENV", ""), ("RAILS_ENV", "staging"), ("APP_ENV", "prod")]);
        assert_eq!(detect_environment(&env).as_deref(), Some("staging"));
        assert_eq!(detect_environment(lookup(&[])), None);
        assert_eq!(
            detect_environment(lookup(&[("KOTLIN_ENV", "qa")])).as_deref(),
            Some("qa")
        );
    }

    #[test]
    fn a_named_environment_beats_detection() {
        let env = lookup(&[("ENV", "staging")]);
        let mut selection = Selection {
            environment: Some("production".into()),
            env_detection: true,
            ..Selection::default()
        };
        assert_eq!(
            selection.resolved_environment_with(&env).as_deref(),
            Some("production")
        );
        selection.environment = Some("  ".into());
        assert_eq!(
            selection.resolved_environment_with(&env).as_deref(),
            Some("staging")
        );
        selection.env_detection = false;
        assert_eq!(selection.resolved_environment_with(&env), None);
    }
}
