//! The tokenizer of Go's `text/template/parse/lex.go`, pulled one item at a time.
//!
//! It follows Go's state machine closely because trim markers, comments and error
//! messages (`unclosed action`, `bad number syntax: "3k"`) must match byte for byte.
//! Every position is a byte offset into the source; line numbers are derived from
//! positions so they can never drift.

use crate::text::{go_quote, is_go_print};

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";
/// A trim marker is a `-` plus one space character next to a delimiter.
const TRIM_MARKER_LEN: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemType {
    Error,
    Bool,
    /// Printable ASCII character inside an action; a grab bag for `,` and friends.
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords: Go prints these as `<word>` in error messages.
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            ItemType::Block
                | ItemType::Break
                | ItemType::Continue
                | ItemType::Dot
                | ItemType::Define
                | ItemType::Else
                | ItemType::End
                | ItemType::If
                | ItemType::Nil
                | ItemType::Range
                | ItemType::Template
                | ItemType::With
        )
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) typ: ItemType,
    /// Byte offset of the item's first byte.
    pub(crate) pos: usize,
    pub(crate) val: String,
}

impl std::fmt::Display for Item {
    /// As Go's `item.String`, used in "unexpected X in Y" messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error => f.write_str(&self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let head: String = self.val.chars().take(10).collect();
                write!(f, "{}...", go_quote(&head, false))
            }
            _ => f.write_str(&go_quote(&self.val, false)),
        }
    }
}

#[derive(Clone, Copy)]
enum State {
    Text,
    InsideAction,
}

pub(crate) struct Lexer<'s> {
    input: &'s str,
    pos: usize,
    start: usize,
    paren_depth: i32,
    inside_action: bool,
    /// After an error the lexer only yields EOF, as Go's does.
    failed: bool,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(char::from(b[1]))
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(char::from(b[0])) && b[1] == b'-'
}

/// Go's `%#U`: `U+0023 '#'`, or just `U+0001` for unprintable runes.
pub(crate) fn sharp_u(c: char) -> String {
    if is_go_print(c) {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

impl<'s> Lexer<'s> {
    pub(crate) fn new(input: &'s str) -> Self {
        Lexer {
            input,
            pos: 0,
            start: 0,
            paren_depth: 0,
            inside_action: false,
            failed: false,
        }
    }

    fn rest(&self) -> &'s str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn rest_at(&self, pos: usize) -> &'s str {
        self.input.get(pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.pos += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn item(&mut self, typ: ItemType) -> Item {
        let val = self
            .input
            .get(self.start..self.pos)
            .unwrap_or("")
            .to_owned();
        let item = Item {
            typ,
            pos: self.start,
            val,
        };
        self.start = self.pos;
        item
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn error(&mut self, message: String) -> Item {
        let item = Item {
            typ: ItemType::Error,
            pos: self.start,
            val: message,
        };
        self.failed = true;
        item
    }

    pub(crate) fn next_item(&mut self) -> Item {
        if self.failed {
            return Item {
                typ: ItemType::Eof,
                pos: self.input.len(),
                val: String::new(),
            };
        }
        let mut state = if self.inside_action {
            State::InsideAction
        } else {
            State::Text
        };
        loop {
            let step = match state {
                State::Text => self.lex_text(),
                State::InsideAction => self.lex_inside_action(),
            };
            match step {
                Step::Emit(item) => return item,
                Step::Goto(next) => state = next,
            }
        }
    }

    fn lex_text(&mut self) -> Step {
        if let Some(x) = self.rest().find(LEFT_DELIM) {
            if x > 0 {
                self.pos += x;
                let delim_end = self.pos + LEFT_DELIM.len();
                let trim = if has_left_trim_marker(self.rest_at(delim_end)) {
                    let text = self.input.get(self.start..self.pos).unwrap_or("");
                    text.len() - text.trim_end_matches(is_space).len()
                } else {
                    0
                };
                self.pos -= trim;
                let item = self.item(ItemType::Text);
                self.pos += trim;
                self.ignore();
                if !item.val.is_empty() {
                    return Step::Emit(item);
                }
            }
            return self.lex_left_delim();
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            return Step::Emit(self.item(ItemType::Text));
        }
        Step::Emit(self.item(ItemType::Eof))
    }

    fn lex_left_delim(&mut self) -> Step {
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { TRIM_MARKER_LEN } else { 0 };
        if self
            .rest_at(self.pos + after_marker)
            .starts_with(LEFT_COMMENT)
        {
            self.pos += after_marker;
            self.ignore();
            return self.lex_comment();
        }
        let item = self.item(ItemType::LeftDelim);
        self.inside_action = true;
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        Step::Emit(item)
    }

    fn lex_comment(&mut self) -> Step {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest().find(RIGHT_COMMENT) else {
            return Step::Emit(self.error("unclosed comment".into()));
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return Step::Emit(self.error("comment ends before closing delimiter".into()));
        }
        if trim {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            self.pos += leading_space_len(self.rest());
        }
        self.ignore();
        Step::Goto(State::Text)
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest)
            && self
                .rest_at(self.pos + TRIM_MARKER_LEN)
                .starts_with(RIGHT_DELIM)
        {
            return (true, true);
        }
        (rest.starts_with(RIGHT_DELIM), false)
    }

    fn lex_right_delim(&mut self) -> Step {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        let item = self.item(ItemType::RightDelim);
        if trim {
            self.pos += leading_space_len(self.rest());
            self.ignore();
        }
        self.inside_action = false;
        Step::Emit(item)
    }

    fn lex_inside_action(&mut self) -> Step {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return self.lex_right_delim();
            }
            return Step::Emit(self.error("unclosed left paren".into()));
        }
        let Some(c) = self.next_char() else {
            return Step::Emit(self.error("unclosed action".into()));
        };
        let item = match c {
            c if is_space(c) => {
                self.pos -= c.len_utf8();
                return self.lex_space();
            }
            '=' => self.item(ItemType::Assign),
            ':' => {
                if self.next_char() != Some('=') {
                    return Step::Emit(self.error("expected :=".into()));
                }
                self.item(ItemType::Declare)
            }
            '|' => self.item(ItemType::Pipe),
            '"' => return self.lex_quote(),
            '`' => return self.lex_raw_quote(),
            '$' => return self.lex_variable(),
            '\'' => return self.lex_char(),
            '.' if !self.peek().is_some_and(|d| d.is_ascii_digit())
                && self.pos < self.input.len() =>
            {
                return self.lex_field_or_variable(ItemType::Field);
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.pos -= 1;
                return self.lex_number();
            }
            c if is_alphanumeric(c) => {
                self.pos -= c.len_utf8();
                return self.lex_identifier();
            }
            '(' => {
                self.paren_depth += 1;
                self.item(ItemType::LeftParen)
            }
            ')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return Step::Emit(self.error("unexpected right paren".into()));
                }
                self.item(ItemType::RightParen)
            }
            c if c.is_ascii() && is_go_print(c) => self.item(ItemType::Char),
            c => {
                return Step::Emit(
                    self.error(format!("unrecognized character in action: {}", sharp_u(c))),
                );
            }
        };
        Step::Emit(item)
    }

    fn lex_space(&mut self) -> Step {
        let mut spaces = 0;
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
            spaces += 1;
        }
        // A space may belong to a trim-marked closing delimiter (" -}}").
        let before = self.pos - 1;
        if has_right_trim_marker(self.rest_at(before))
            && self
                .rest_at(before + TRIM_MARKER_LEN)
                .starts_with(RIGHT_DELIM)
        {
            self.pos = before;
            if spaces == 1 {
                return self.lex_right_delim();
            }
        }
        Step::Emit(self.item(ItemType::Space))
    }

    fn lex_identifier(&mut self) -> Step {
        while self.peek().is_some_and(is_alphanumeric) {
            self.next_char();
        }
        if !self.at_terminator() {
            return self.bad_character();
        }
        let word = self.input.get(self.start..self.pos).unwrap_or("");
        let typ = match keyword(word) {
            Some(k) => k,
            None if word.starts_with('.') => ItemType::Field,
            None if word == "true" || word == "false" => ItemType::Bool,
            None => ItemType::Identifier,
        };
        Step::Emit(self.item(typ))
    }

    fn bad_character(&mut self) -> Step {
        let message = match self.peek() {
            Some(c) => format!("bad character {}", sharp_u(c)),
            None => "bad character U+FFFFFFFF".to_owned(),
        };
        Step::Emit(self.error(message))
    }

    fn lex_variable(&mut self) -> Step {
        if self.at_terminator() {
            return Step::Emit(self.item(ItemType::Variable));
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Step {
        if self.at_terminator() {
            let typ = if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            };
            return Step::Emit(self.item(typ));
        }
        while self.peek().is_some_and(is_alphanumeric) {
            self.next_char();
        }
        if !self.at_terminator() {
            return self.bad_character();
        }
        Step::Emit(self.item(typ))
    }

    /// Whether the next character may follow an identifier (`.X.Y` splits in two).
    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            Some(_) => self.rest().starts_with(RIGHT_DELIM),
        }
    }

    fn lex_char(&mut self) -> Step {
        loop {
            match self.next_char() {
                Some('\\') => match self.next_char() {
                    Some(c) if c != '\n' => {}
                    _ => return Step::Emit(self.error("unterminated character constant".into())),
                },
                None | Some('\n') => {
                    return Step::Emit(self.error("unterminated character constant".into()));
                }
                Some('\'') => break,
                Some(_) => {}
            }
        }
        Step::Emit(self.item(ItemType::CharConstant))
    }

    fn lex_number(&mut self) -> Step {
        if !self.scan_number() {
            return self.bad_number();
        }
        if matches!(self.peek(), Some('+' | '-')) {
            // A complex constant such as 1+2i: no spaces, must end in 'i'.
            if !self.scan_number() || !self.input.get(..self.pos).is_some_and(|s| s.ends_with('i'))
            {
                return self.bad_number();
            }
            return Step::Emit(self.item(ItemType::Complex));
        }
        Step::Emit(self.item(ItemType::Number))
    }

    fn bad_number(&mut self) -> Step {
        let text = self.input.get(self.start..self.pos).unwrap_or("");
        let message = format!("bad number syntax: {}", go_quote(text, false));
        Step::Emit(self.error(message))
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.next_char();
            return false;
        }
        true
    }

    fn lex_quote(&mut self) -> Step {
        loop {
            match self.next_char() {
                Some('\\') => match self.next_char() {
                    Some(c) if c != '\n' => {}
                    _ => return Step::Emit(self.error("unterminated quoted string".into())),
                },
                None | Some('\n') => {
                    return Step::Emit(self.error("unterminated quoted string".into()));
                }
                Some('"') => break,
                Some(_) => {}
            }
        }
        Step::Emit(self.item(ItemType::String))
    }

    fn lex_raw_quote(&mut self) -> Step {
        loop {
            match self.next_char() {
                None => return Step::Emit(self.error("unterminated raw quoted string".into())),
                Some('`') => break,
                Some(_) => {}
            }
        }
        Step::Emit(self.item(ItemType::RawString))
    }
}

enum Step {
    Emit(Item),
    Goto(State),
}

fn leading_space_len(s: &str) -> usize {
    s.len() - s.trim_start_matches(is_space).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex_all(input: &str) -> Vec<(ItemType, String)> {
        let mut lexer = Lexer::new(input);
        let mut items = Vec::new();
        loop {
            let item = lexer.next_item();
            let done = matches!(item.typ, ItemType::Eof | ItemType::Error);
            items.push((item.typ, item.val));
            if done {
                return items;
            }
        }
    }

    #[test]
    fn numbers_lex_as_go_does() {
        let items = lex_all("{{1 02 0x14 -7.2i 1e3 +1.2e-4 1+2i 1_2 0x1.e_fp4}}");
        let numbers: Vec<_> = items
            .iter()
            .filter(|(t, _)| *t != ItemType::Space)
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            numbers,
            [
                "{{",
                "1",
                "02",
                "0x14",
                "-7.2i",
                "1e3",
                "+1.2e-4",
                "1+2i",
                "1_2",
                "0x1.e_fp4",
                "}}",
                ""
            ]
        );
    }

    #[test]
    fn trim_markers_are_removed_with_the_spaces() {
        let items = lex_all("hello- {{- 3 -}} -world");
        assert_eq!(
            items,
            vec![
                (ItemType::Text, "hello-".into()),
                (ItemType::LeftDelim, "{{".into()),
                (ItemType::Number, "3".into()),
                (ItemType::RightDelim, "}}".into()),
                (ItemType::Text, "-world".into()),
                (ItemType::Eof, String::new()),
            ]
        );
    }

    #[test]
    fn lexer_errors_match_go() {
        let cases = [
            ("#{{\x01}}", "unrecognized character in action: U+0001"),
            ("{{", "unclosed action"),
            ("{{\"\n\"}}", "unterminated quoted string"),
            ("{{`xx}}", "unterminated raw quoted string"),
            ("{{'\n}}", "unterminated character constant"),
            ("{{3k}}", "bad number syntax: \"3k\""),
            ("{{(3}}", "unclosed left paren"),
            ("{{3)}}", "unexpected right paren"),
            ("hello-{{/*/}}-world", "unclosed comment"),
            (
                "hello-{{/* */ }}-world",
                "comment ends before closing delimiter",
            ),
            ("{{a#}}", "bad character U+0023 '#'"),
        ];
        for (input, want) in cases {
            let items = lex_all(input);
            let last = items.last().unwrap();
            assert_eq!(
                (last.0, last.1.as_str()),
                (ItemType::Error, want),
                "{input:?}"
            );
        }
    }
}
