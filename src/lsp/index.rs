//! Every name of a plan where it is written: each declaration and each reference to it,
//! built from the syntax trees of all loaded files. Knows nothing of the LSP.

use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Item, Value};

/// One place a name is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub name: String,
    pub span: Span,
    /// The kind of what it declares (`service`, `stage`, ...), or `None` for a reference.
    pub declares: Option<&'static str>,
}

/// A declaration with what hovers show.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    pub name: String,
    pub kind: &'static str,
    pub span: Span,
    pub description: Option<String>,
}

/// The names of one compiled plan.
#[derive(Debug, Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
    pub declarations: Vec<Declaration>,
}

impl Index {
    pub fn new(files: &[(FileId, ast::File)]) -> Self {
        let mut index = Index::default();
        for (_, file) in files {
            for item in &file.items {
                index.item(item);
            }
        }
        index
    }

    fn item(&mut self, item: &Item) {
        let kind = crate::syntax::schema::item(&item.keyword.text).map(|spec| spec.keyword);
        if let (Some(kind), Some(name)) = (kind, &item.name) {
            self.occurrences.push(Occurrence {
                name: name.text.to_string(),
                span: name.span,
                declares: Some(kind),
            });
            let description = item.properties.iter().find_map(|p| match &p.value {
                Value::Str(s) if p.key() == "description" => Some(s.value.clone()),
                _ => None,
            });
            self.declarations.push(Declaration {
                name: name.text.to_string(),
                kind,
                span: name.span,
                description,
            });
        }
        for property in &item.properties {
            self.value(&property.value);
        }
        for child in &item.children {
            self.item(child);
        }
    }

    fn reference(&mut self, ident: &ast::Ident) {
        if !ident.text.is_empty() {
            self.occurrences.push(Occurrence {
                name: ident.text.to_string(),
                span: ident.span,
                declares: None,
            });
        }
    }

    /// The names a value refers to; keywords from fixed sets (`Word`) are not names.
    fn value(&mut self, value: &Value) {
        match value {
            Value::Name(ident) => self.reference(ident),
            Value::Names(idents) => idents.iter().for_each(|i| self.reference(i)),
            Value::Offsite(offsite) => self.reference(&offsite.site),
            Value::Failover(failover) => self.reference(&failover.target),
            Value::Expect(expect) => self.reference(&expect.service),
            Value::Event(event) => self.reference(&event.target),
            _ => {}
        }
    }

    /// The name written at a byte offset of a file (the end of a name counts, so that a
    /// cursor right after it finds it).
    pub fn at(&self, file: FileId, offset: u32) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .find(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
    }

    /// The declarations of a name (more than one only in a plan with duplicates).
    pub fn declarations_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Declaration> {
        self.declarations.iter().filter(move |d| d.name == name)
    }

    /// Every place a name is written, declarations included.
    pub fn occurrences_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| o.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_and_references_of_every_kind() {
        let text = "
            site main { kind office }
            server db1 { site main }
            service db { on db1  failover db1 after 5m  description \"the database\" }
            backup nightly { of db  to main  offsite main every 7d }
            scenario s { at sat 02:00 fail disk of db1  expect db rto 4h }
            rollout r { stage one { roles ops  change c { on db } } }";
        let loaded = crate::load::load_text("p.dr", text);
        let index = Index::new(&loaded.files);
        let count = |name: &str| index.occurrences_of(name).count();
        assert_eq!(count("main"), 4);
        assert_eq!(count("db1"), 4);
        assert_eq!(count("db"), 4);
        let db: Vec<_> = index.declarations_of("db").collect();
        assert_eq!(db.len(), 1);
        assert_eq!(db[0].kind, "service");
        assert_eq!(db[0].description.as_deref(), Some("the database"));
        assert_eq!(index.declarations_of("c").next().unwrap().kind, "change");
        assert_eq!(index.declarations_of("one").next().unwrap().kind, "stage");
        // `kind office` is a keyword, not a name.
        assert_eq!(count("office"), 0);
        let at = text.find("of db1").unwrap() as u32 + 3;
        assert_eq!(index.at(FileId(0), at + 3).unwrap().name, "db1");
    }
}
