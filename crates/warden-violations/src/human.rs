//! Violations for people: a table for listings and a detail view with each process's
//! ancestry as a tree. Every string that came from the watched machine is shown with
//! control characters escaped, so a crafted argument cannot drive the terminal.

use std::fmt::Write;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::model::{ActionKind, ActionOutcome, Entity};
use crate::violation::{BaselineEntry, MAX_PROCESS_RECORDS, ProcessViolation, Violation};

/// One row per violation, columns aligned, with a header.
pub fn table(violations: &[Violation]) -> String {
    let header = [
        "ID",
        "STATE",
        "SEVERITY",
        "POLICY",
        "ENTITY",
        "COUNT",
        "LAST OCCURRED",
    ];
    let rows: Vec<[String; 7]> = violations
        .iter()
        .map(|v| {
            [
                v.id.clone(),
                v.state.to_string(),
                v.policy.severity.to_string(),
                printable(&v.policy.name),
                entity_summary(&v.entity),
                v.count.to_string(),
                timestamp(v.last_occurred),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    out
}

/// Every field of one violation, then its processes newest first.
pub fn detail(v: &Violation) -> String {
    let mut out = String::new();
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(out, "{:<11}{value}", format!("{name}:"));
    };
    field("Violation", &v.id);
    field(
        "Policy",
        &format!(
            "{} ({})",
            printable(&v.policy.name),
            printable(&v.policy.id)
        ),
    );
    field("Severity", v.policy.severity.as_str());
    field("Mode", v.policy.mode.as_str());
    field("State", v.state.as_str());
    field("Entity", &entity_detail(&v.entity));
    field("Host", &printable(&v.hostname));
    field("First", &timestamp(v.first_occurred));
    field("Last", &timestamp(v.last_occurred));
    let kept = if v.count > v.processes.len() as u64 {
        format!(
            "{} (the latest {} processes are kept)",
            v.count, MAX_PROCESS_RECORDS
        )
    } else {
        v.count.to_string()
    };
    field("Count", &kept);
    if let Some(resolution) = &v.resolution {
        let note = resolution
            .note
            .as_deref()
            .map(|n| format!(": {}", printable(n)))
            .unwrap_or_default();
        field(
            "Resolved",
            &format!(
                "{} by {}{note}",
                timestamp(resolution.time),
                printable(&resolution.by)
            ),
        );
    }
    for (i, process) in v.processes.iter().enumerate() {
        out.push('\n');
        process_detail(&mut out, i + 1, v.processes.len(), process);
    }
    out
}

/// What a baseline entry stops, in a sentence.
pub fn baseline_entry(entry: &BaselineEntry) -> String {
    format!(
        "policy {} no longer alerts on {} in {} {}",
        printable(&entry.policy_id),
        printable(&entry.exepath),
        entry.scope.kind(),
        printable(entry.scope.name())
    )
}

fn process_detail(out: &mut String, n: usize, of: usize, p: &ProcessViolation) {
    let record = &p.process;
    let _ = writeln!(out, "Process {n} of {of}, {}", timestamp(record.time));
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(out, "  {:<9}{value}", format!("{name}:"));
    };
    field("Rule", &printable(&p.rule));
    field("Output", &printable(&p.output));
    let outcome = match &p.action.outcome {
        ActionOutcome::NotAttempted => "not attempted".to_owned(),
        ActionOutcome::Succeeded => "succeeded".to_owned(),
        ActionOutcome::Failed { reason } => format!("failed: {}", printable(reason)),
    };
    let kind = match p.action.kind {
        ActionKind::None => "none",
        ActionKind::Deny => "deny",
        ActionKind::Kill => "kill",
        ActionKind::KillContainer => "kill-container",
    };
    field("Action", &format!("{kind} ({outcome})"));
    let login = record
        .loginuid
        .map_or_else(|| "unset".to_owned(), |uid| uid.to_string());
    field(
        "User",
        &format!("uid {} gid {} login uid {login}", record.uid, record.gid),
    );
    field("Args", &shell_words(&record.args));
    field("Cwd", &printable(&record.cwd));
    let tty = if record.tty == 0 {
        "none".to_owned()
    } else {
        record.tty.to_string()
    };
    field("TTY", &tty);
    out.push_str("  Tree:\n");
    // Ancestors are stored parent first; the tree reads from the oldest down.
    let mut depth = 0;
    for ancestor in record.ancestors.iter().rev() {
        tree_line(
            out,
            depth,
            &format!(
                "{} (pid {}, uid {})",
                printable(&ancestor.exepath),
                ancestor.pid,
                ancestor.uid
            ),
        );
        depth += 1;
    }
    tree_line(
        out,
        depth,
        &format!(
            "{} (pid {}, uid {})  <- this process",
            printable(&record.exepath),
            record.pid,
            record.uid
        ),
    );
}

fn tree_line(out: &mut String, depth: usize, text: &str) {
    out.push_str("    ");
    if depth > 0 {
        out.push_str(&"   ".repeat(depth - 1));
        out.push_str("└─ ");
    }
    out.push_str(text);
    out.push('\n');
}

fn entity_summary(entity: &Entity) -> String {
    match entity {
        Entity::Host { hostname } => format!("host {}", printable(hostname)),
        Entity::Container { id, name, .. } => {
            let short: String = id.chars().take(12).collect();
            match name {
                Some(name) => format!("container {} ({})", printable(name), printable(&short)),
                None => format!("container {}", printable(&short)),
            }
        }
    }
}

fn entity_detail(entity: &Entity) -> String {
    match entity {
        Entity::Host { hostname } => format!("host {}", printable(hostname)),
        Entity::Container {
            id,
            name,
            image,
            runtime,
        } => {
            let mut text = format!("container {}", printable(id));
            if let Some(name) = name {
                let _ = write!(text, ", name {}", printable(name));
            }
            if let Some(image) = image {
                let _ = write!(text, ", image {}", printable(image));
            }
            let _ = write!(text, ", runtime {}", printable(runtime));
            text
        }
    }
}

/// RFC 3339 in UTC to the second.
pub fn timestamp(ns: u64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
        .ok()
        .and_then(|t| t.replace_nanosecond(0).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{ns} ns"))
}

/// Arguments as a shell would need them typed: quoted where they hold anything but
/// plain characters.
fn shell_words(args: &[String]) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    args.iter()
        .map(|arg| {
            if !arg.is_empty() && arg.chars().all(plain) {
                arg.clone()
            } else {
                format!("'{}'", printable(&arg.replace('\'', r"'\''")))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Control characters as Rust escapes (`\u{1b}`, `\n`); everything else as it is.
fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_only_when_needed() {
        let args = ["-c", "echo 'hi' $HOME", "", "a=b"].map(str::to_owned);
        assert_eq!(shell_words(&args), r#"-c 'echo '\''hi'\'' $HOME' '' a=b"#);
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(printable("ok\x1b[2Jgone\n"), r"ok\u{1b}[2Jgone\n");
        assert_eq!(printable("plain é"), "plain é");
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        assert_eq!(timestamp(1_769_860_800_999_999_999), "2026-01-31T12:00:00Z");
    }
}
