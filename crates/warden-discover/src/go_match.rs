//! Go's `filepath.Match`, which goss applies to `--exclude-attr` patterns.
//!
//! `*` matches any run of characters but `/`, `?` one character but `/`,
//! `[...]` a class (`^` negates, `a-z` ranges, `\` escapes), and `\` escapes
//! the next character. goss treats a malformed pattern as matching nothing.

/// Whether `name` matches the shell pattern `pattern`.
pub(crate) fn go_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    matches(&pattern, &name)
}

fn matches(pattern: &[char], name: &[char]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return name.is_empty();
    };
    match first {
        '*' => {
            // Try every split of the name that keeps `/` out of the star.
            let limit = name.iter().position(|&c| c == '/').unwrap_or(name.len());
            (0..=limit).any(|skip| matches(rest, &name[skip..]))
        }
        '?' => match name.split_first() {
            Some((&c, name_rest)) if c != '/' => matches(rest, name_rest),
            _ => false,
        },
        '[' => match name.split_first() {
            Some((&c, name_rest)) => match match_class(rest, c) {
                Some((true, after_class)) => matches(after_class, name_rest),
                _ => false,
            },
            None => false,
        },
        '\\' => match (rest.split_first(), name.split_first()) {
            (Some((&escaped, pattern_rest)), Some((&c, name_rest))) => {
                escaped == c && matches(pattern_rest, name_rest)
            }
            _ => false,
        },
        literal => match name.split_first() {
            Some((&c, name_rest)) => c == literal && matches(rest, name_rest),
            None => false,
        },
    }
}

/// Matches `c` against the class whose text (after `[`) starts `class`.
/// Returns whether it matched and the pattern after the closing `]`, or `None`
/// for a malformed class.
fn match_class(class: &[char], c: char) -> Option<(bool, &[char])> {
    let (negated, mut rest) = match class.split_first() {
        Some(('^', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut matched = false;
    let mut ranges = 0;
    loop {
        if let Some((']', after)) = rest.split_first()
            && ranges > 0
        {
            return Some((matched != negated, after));
        }
        let (low, after_low) = class_char(rest)?;
        let (high, after_range) = match after_low.split_first() {
            Some(('-', after_dash)) => class_char(after_dash)?,
            _ => (low, after_low),
        };
        if low <= c && c <= high {
            matched = true;
        }
        ranges += 1;
        rest = after_range;
    }
}

/// One (possibly escaped) class character; `-`, `]` and the end are malformed here.
fn class_char(class: &[char]) -> Option<(char, &[char])> {
    match class.split_first()? {
        ('-' | ']', _) => None,
        ('\\', rest) => rest.split_first().map(|(&c, rest)| (c, rest)),
        (&c, rest) => Some((c, rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::go_match;

    #[test]
    fn stars_and_question_marks() {
        assert!(go_match("*", "mode"));
        assert!(go_match("*", ""));
        assert!(go_match("linked-*", "linked-to"));
        assert!(go_match("*-opts", "vfs-opts"));
        assert!(go_match("m?de", "mode"));
        assert!(!go_match("m?de", "mde"));
        assert!(!go_match("own", "owner"));
        assert!(!go_match("*", "a/b"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(go_match("[gu]id", "gid"));
        assert!(go_match("[a-z]id", "uid"));
        assert!(!go_match("[^gu]id", "gid"));
        assert!(go_match("[^gu]id", "pid"));
        assert!(go_match("\\*", "*"));
        assert!(!go_match("\\*", "x"));
    }

    #[test]
    fn malformed_patterns_match_nothing() {
        assert!(!go_match("[", "["));
        assert!(!go_match("[]", "x"));
        assert!(!go_match("[a-", "a"));
        assert!(!go_match("mode\\", "mode"));
    }
}
