//! What may be written at a cursor: keywords and property names from the schema, the
//! values of a fixed-choice property, or declared names. Works on any text, even text
//! that does not parse, by looking only at the tokens before the cursor.

use super::index::Index;
use crate::syntax::lexer::{self, Token, TokenKind};
use crate::syntax::schema::{self, ItemSpec, Shape};

/// One thing that may be written at the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub label: String,
    /// Short text beside the label: the kind of a name, or what a keyword is.
    pub detail: String,
    pub is_name: bool,
}

const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Where the cursor stands: inside which declarations, after which tokens.
pub struct Cursor<'t> {
    text: &'t str,
    /// The declarations whose `{` is open, innermost last (`None` for an unknown keyword).
    pub enclosing: Vec<Option<&'static ItemSpec>>,
    /// Tokens before the cursor, not counting a word being typed.
    pub before: Vec<Token>,
}

impl<'t> Cursor<'t> {
    /// The cursor at a byte offset of a text (clamped to a character boundary).
    pub fn new(text: &'t str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let mut tokens = lexer::lex(&text[..offset], usize::MAX).tokens;
        tokens.pop(); // Eof
        if tokens
            .last()
            .is_some_and(|t| t.kind == TokenKind::Word && t.end as usize == offset)
        {
            tokens.pop();
        }
        let mut enclosing = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            match token.kind {
                TokenKind::LBrace => {
                    let word = |back: usize| {
                        i.checked_sub(back)
                            .map(|j| tokens[j])
                            .filter(|t| t.kind == TokenKind::Word)
                            .map(|t| &text[t.start as usize..t.end as usize])
                    };
                    let spec = match (word(2), word(1)) {
                        (Some("defaults"), Some(kind)) => schema::item(kind),
                        (Some(keyword), Some(_)) => schema::item(keyword),
                        _ => None,
                    };
                    enclosing.push(spec);
                }
                TokenKind::RBrace => {
                    enclosing.pop();
                }
                _ => {}
            }
        }
        Cursor {
            text,
            enclosing,
            before: tokens,
        }
    }

    /// The text of the token `back` places before the cursor (1 = the last one).
    fn word(&self, back: usize) -> Option<&'t str> {
        let token = self
            .before
            .len()
            .checked_sub(back)
            .map(|i| self.before[i])?;
        (token.kind == TokenKind::Word)
            .then(|| &self.text[token.start as usize..token.end as usize])
    }

    fn kind(&self, back: usize) -> Option<TokenKind> {
        let i = self.before.len().checked_sub(back)?;
        Some(self.before[i].kind)
    }

    /// The innermost declaration the cursor is in: `None` at the top of the file,
    /// `Some(None)` inside an unknown one.
    pub fn spec(&self) -> Option<Option<&'static ItemSpec>> {
        self.enclosing.last().copied()
    }
}

/// Everything that may be written at the cursor.
pub fn candidates(text: &str, offset: usize, index: &Index) -> Vec<Candidate> {
    let cursor = Cursor::new(text, offset);
    let keywords = |words: &[&str], detail: &str| -> Vec<Candidate> {
        words
            .iter()
            .map(|w| Candidate {
                label: (*w).to_string(),
                detail: detail.to_string(),
                is_name: false,
            })
            .collect()
    };
    let Some(spec) = cursor.spec() else {
        return match cursor.word(1) {
            Some("defaults") if cursor.kind(1) == Some(TokenKind::Word) => {
                keywords(schema::DEFAULTS_KINDS, "kind of declaration")
            }
            // After `KEYWORD`, a new name is written: nothing to offer.
            Some(word) if schema::item(word).is_some() => Vec::new(),
            _ => keywords(
                &schema::top_level_keywords().collect::<Vec<_>>(),
                "declaration",
            ),
        };
    };
    let Some(spec) = spec else {
        return names(index);
    };
    let properties = || {
        let mut list = Vec::new();
        for property in spec.properties {
            list.push(Candidate {
                label: property.key.to_string(),
                detail: format!("property of `{}`", spec.keyword),
                is_name: false,
            });
        }
        list.extend(keywords(spec.children, "declaration"));
        list
    };
    if cursor.kind(1) == Some(TokenKind::Comma) {
        return names(index);
    }
    if spec.keyword == "scenario" {
        if cursor.kind(1) == Some(TokenKind::Clock) && cursor.word(3) == Some("at") {
            return keywords(schema::EVENT_ACTIONS, "event");
        }
        match cursor.word(1) {
            Some("fail") => {
                let mut list = names(index);
                list.extend(keywords(&["disk"], "a server's local disk"));
                return list;
            }
            Some("corrupt" | "fail-verify" | "of") => return names(index),
            Some("disk") if cursor.word(2) == Some("fail") => return keywords(&["of"], ""),
            _ => {}
        }
    }
    let Some(property) = cursor.word(1).and_then(|w| spec.property(w)) else {
        return properties();
    };
    match property.shape {
        Shape::Name | Shape::Names | Shape::Offsite | Shape::Failover | Shape::Expect => {
            names(index)
        }
        Shape::Choice(values) => keywords(values, &format!("value of `{}`", property.key)),
        Shape::Verify => keywords(schema::VERIFY_KINDS, "verification"),
        Shape::Rollback => keywords(schema::ROLLBACK_KINDS, "rollback"),
        Shape::Tested => keywords(&["every", "never"], ""),
        Shape::Window | Shape::Time | Shape::Event => keywords(DAYS, "day"),
        Shape::Schedule => keywords(&["every"], ""),
        Shape::RandomOver => keywords(&["over"], ""),
        Shape::Capacity => keywords(&["cpu", "memory", "disk"], ""),
        Shape::Flag => properties(),
        _ => Vec::new(),
    }
}

/// Every declared name, once, with its kind.
fn names(index: &Index) -> Vec<Candidate> {
    let mut seen = std::collections::BTreeSet::new();
    index
        .declarations
        .iter()
        .filter(|d| seen.insert(d.name.as_str()))
        .map(|d| Candidate {
            label: d.name.clone(),
            detail: d.kind.to_string(),
            is_name: true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "site main { kind office }\nserver db1 { site main }\nservice db { on db1  criticality ";

    fn labels(text: &str, offset: usize) -> Vec<String> {
        let loaded = crate::load::load_text("p.dr", text);
        let index = Index::new(&loaded.files);
        candidates(text, offset, &index)
            .into_iter()
            .map(|c| c.label)
            .collect()
    }

    #[test]
    fn choice_values_after_a_choice_property() {
        assert_eq!(
            labels(TEXT, TEXT.len()),
            ["critical", "high", "medium", "low"]
        );
    }

    #[test]
    fn names_after_a_reference_property() {
        let text = "site main { kind office }\nserver db1 { site ma";
        let found = labels(text, text.len());
        assert!(found.contains(&"main".to_string()), "{found:?}");
        assert!(!found.contains(&"kind".to_string()), "{found:?}");
    }

    #[test]
    fn property_names_inside_a_block_and_keywords_outside() {
        let text = "service db { on x  ";
        let found = labels(text, text.len());
        assert!(found.contains(&"restore-rate".to_string()), "{found:?}");
        let found = labels("", 0);
        assert!(found.contains(&"service".to_string()), "{found:?}");
        let text = "rollout r { ";
        assert!(labels(text, text.len()).contains(&"stage".to_string()));
    }

    #[test]
    fn any_offset_of_any_text_is_fine() {
        let text = "s\u{e9}rvice { on , } } { \"unterminated";
        for offset in 0..=text.len() + 2 {
            let _ = labels(text, offset);
        }
    }
}
