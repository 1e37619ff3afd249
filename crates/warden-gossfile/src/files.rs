//! How the loader reaches files, and include patterns with Go's `filepath.Glob` rules.
//!
//! goss resolves `gossfile` includes with `filepath.Glob`: wildcards never cross a `/`
//! (so `**` is just `*`), classes are `[a-z]` / `[^a-z]`, and `\` escapes. Matching is
//! done per path segment against directory listings, in sorted order, as Go does.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

/// The files a load may read. [`RealFiles`] is the machine's; tests and the fuzzer use
/// their own so that include patterns never wander the real filesystem.
pub trait Files {
    fn read_to_string(&self, path: &Path) -> io::Result<String>;
    /// The names in `dir`, or an error when it is not a readable directory.
    fn read_dir(&self, dir: &Path) -> io::Result<Vec<OsString>>;
    /// Whether `path` exists (without following a final symlink, as `os.Lstat`).
    fn exists(&self, path: &Path) -> bool;
}

/// The local filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFiles;

impl Files for RealFiles {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn read_dir(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        std::fs::read_dir(dir)?
            .map(|entry| entry.map(|e| e.file_name()))
            .collect()
    }

    fn exists(&self, path: &Path) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }
}

/// A malformed pattern (Go's `filepath.ErrBadPattern`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

impl std::fmt::Display for BadPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

/// `filepath.Glob`: the paths matching `pattern`, sorted within each directory level.
pub fn glob(files: &dyn Files, pattern: &Path) -> Result<Vec<PathBuf>, BadPattern> {
    let text = pattern.to_string_lossy();
    // Go checks the whole pattern for syntax first.
    match_segment(&text, "")?;
    if !has_meta(&text) {
        return Ok(if files.exists(pattern) {
            vec![pattern.to_owned()]
        } else {
            Vec::new()
        });
    }
    let (dir, file) = match text.rfind('/') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text.as_ref()),
    };
    let dir = match dir {
        "" => ".",
        "/" => "/",
        d => d.trim_end_matches('/'),
    };
    let dirs = if has_meta(dir) {
        if dir == text {
            return Err(BadPattern);
        }
        glob(files, Path::new(dir))?
    } else {
        vec![PathBuf::from(dir)]
    };
    let mut matches = Vec::new();
    for dir in dirs {
        // Unreadable directories are skipped, as Go ignores I/O errors here.
        let Ok(mut names) = files.read_dir(&dir) else {
            continue;
        };
        names.sort();
        for name in names {
            if match_segment(file, &name.to_string_lossy())? {
                matches.push(if dir == Path::new(".") && !text.starts_with("./") {
                    PathBuf::from(&name)
                } else {
                    dir.join(&name)
                });
            }
        }
    }
    Ok(matches)
}

fn has_meta(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '\\'])
}

/// `filepath.Match`, ported from Go: `*` and `?` never match `/`.
fn match_segment(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let mut pattern = pattern.as_slice();
    let mut name = name.as_slice();
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing star matches the rest unless it holds a separator.
            return Ok(!name.contains(&'/'));
        }
        // A last chunk must use up the name, or the star may still do better.
        let (after, result) = match_chunk(chunk, name);
        if let Some(after) = after
            && (after.is_empty() || !pattern.is_empty())
        {
            name = after;
            continue;
        }
        result?;
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != '/' {
                let (after, result) = match_chunk(chunk, &name[i + 1..]);
                if let Some(after) = after {
                    if pattern.is_empty() && !after.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = after;
                    continue 'pattern;
                }
                result?;
                i += 1;
            }
        }
        // Go checks that the rest of the pattern is well formed before saying no.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, &[]).1?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Leading stars, then the pattern up to the next unescaped star outside a class.
fn scan_chunk(mut pattern: &[char]) -> (bool, &[char], &[char]) {
    let mut star = false;
    while pattern.first() == Some(&'*') {
        pattern = &pattern[1..];
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            '\\' if i + 1 < pattern.len() => i += 1,
            '[' => in_range = true,
            ']' => in_range = false,
            '*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Matches a star-free `chunk` at the start of `name`: the rest of the name when it
/// matched, and whether the chunk is well formed.
fn match_chunk<'n>(
    mut chunk: &[char],
    mut name: &'n [char],
) -> (Option<&'n [char]>, Result<(), BadPattern>) {
    // Once the match has failed, the chunk is still read to check its syntax.
    let mut failed = false;
    while let Some(&first) = chunk.first() {
        if !failed && name.is_empty() {
            failed = true;
        }
        match first {
            '[' => {
                let mut c = None;
                if !failed {
                    c = Some(name[0]);
                    name = &name[1..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if chunk.first() == Some(&']') && ranges > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let lo = match class_char(chunk) {
                        Ok((lo, rest)) => {
                            chunk = rest;
                            lo
                        }
                        Err(e) => return (None, Err(e)),
                    };
                    let mut hi = lo;
                    if chunk.first() == Some(&'-') {
                        match class_char(&chunk[1..]) {
                            Ok((h, rest)) => {
                                hi = h;
                                chunk = rest;
                            }
                            Err(e) => return (None, Err(e)),
                        }
                    }
                    if c.is_some_and(|c| lo <= c && c <= hi) {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed {
                    if name[0] == '/' {
                        failed = true;
                    }
                    name = &name[1..];
                }
                chunk = &chunk[1..];
            }
            literal => {
                let expected = if literal == '\\' {
                    chunk = &chunk[1..];
                    match chunk.first() {
                        Some(&c) => c,
                        None => return (None, Err(BadPattern)),
                    }
                } else {
                    literal
                };
                if !failed {
                    if name[0] != expected {
                        failed = true;
                    }
                    name = &name[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    (if failed { None } else { Some(name) }, Ok(()))
}

/// One character of a `[...]` class, unescaping `\`; the class must go on after it.
fn class_char(chunk: &[char]) -> Result<(char, &[char]), BadPattern> {
    let (c, rest) = match chunk {
        [] | ['-' | ']', ..] => return Err(BadPattern),
        ['\\', c, rest @ ..] => (*c, rest),
        ['\\'] => return Err(BadPattern),
        [c, rest @ ..] => (*c, rest),
    };
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((c, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Go's `filepath.Match` table (match_test.go).
    #[test]
    fn match_follows_go() {
        let cases: &[(&str, &str, Result<bool, BadPattern>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(BadPattern)),
            ("[-]", "-", Err(BadPattern)),
            ("[x-]", "x", Err(BadPattern)),
            ("[x-]", "-", Err(BadPattern)),
            ("[x-]", "z", Err(BadPattern)),
            ("[-x]", "x", Err(BadPattern)),
            ("[-x]", "-", Err(BadPattern)),
            ("[-x]", "a", Err(BadPattern)),
            ("\\", "a", Err(BadPattern)),
            ("[a-b-c]", "a", Err(BadPattern)),
            ("[", "a", Err(BadPattern)),
            ("[^", "a", Err(BadPattern)),
            ("[^bc", "a", Err(BadPattern)),
            ("a[", "a", Err(BadPattern)),
            ("a[", "ab", Err(BadPattern)),
            ("a[", "x", Err(BadPattern)),
            ("a/b[", "x", Err(BadPattern)),
            ("*x", "xxx", Ok(true)),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(
                match_segment(pattern, name),
                *expected,
                "Match({pattern:?}, {name:?})"
            );
        }
    }

    /// Files held in memory: path -> contents; directories are implied.
    struct Memory(BTreeMap<&'static str, &'static str>);

    impl Files for Memory {
        fn read_to_string(&self, path: &Path) -> io::Result<String> {
            self.0
                .get(path.to_str().unwrap_or(""))
                .map(|s| (*s).to_owned())
                .ok_or(io::ErrorKind::NotFound.into())
        }
        fn read_dir(&self, dir: &Path) -> io::Result<Vec<OsString>> {
            let prefix = format!("{}/", dir.display());
            let mut names: Vec<OsString> = self
                .0
                .keys()
                .filter_map(|p| p.strip_prefix(&prefix))
                .map(|rest| OsString::from(rest.split('/').next().unwrap_or(rest)))
                .collect();
            names.dedup();
            if names.is_empty() {
                Err(io::ErrorKind::NotFound.into())
            } else {
                Ok(names)
            }
        }
        fn exists(&self, path: &Path) -> bool {
            let p = path.to_str().unwrap_or("");
            self.0
                .keys()
                .any(|k| *k == p || k.starts_with(&format!("{p}/")))
        }
    }

    #[test]
    fn double_star_is_one_segment_like_go() {
        let files = Memory(BTreeMap::from([
            ("/gd/a.yaml", ""),
            ("/gd/sub/b.yaml", ""),
            ("/gd/sub/deeper/c.yaml", ""),
        ]));
        assert_eq!(
            glob(&files, Path::new("/gd/**/*.yaml")).unwrap(),
            [PathBuf::from("/gd/sub/b.yaml")]
        );
        assert_eq!(
            glob(&files, Path::new("/gd/*")).unwrap(),
            [PathBuf::from("/gd/a.yaml"), PathBuf::from("/gd/sub")]
        );
        assert_eq!(
            glob(&files, Path::new("/gd/a.yaml")).unwrap(),
            [PathBuf::from("/gd/a.yaml")]
        );
        assert!(glob(&files, Path::new("/gd/none.yaml")).unwrap().is_empty());
        assert_eq!(glob(&files, Path::new("/gd/[")), Err(BadPattern));
    }
}
