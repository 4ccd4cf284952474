//! The declarations of a plan as resolution reads them: sorted by kind for
//! collecting names, then handed out kind by kind for lowering, the indexed ones parsed
//! from their text there.

use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast::{self, Ident, Item};
use crate::syntax::{self, schema};
use compact_str::CompactString;
use rayon::prelude::*;
use std::sync::{Mutex, PoisonError};

/// The items of a plan sorted for lowering: plan-wide ones (`plan`, `allow`,
/// `defaults`), read throughout, and the named declarations by keyword, each lowered
/// once and then dropped.
///
/// Declarations stay where the parser put them and are listed by position: moving
/// them into lists per keyword copied every item while the whole tree was alive.
pub(super) struct Declarations<'s> {
    /// Each file's whole items; a declaration's is emptied once its kind is lowered.
    files: Vec<Vec<Item>>,
    /// Each file's indexed declarations, and its text to read them from.
    indexed: Vec<(FileId, &'s str, Vec<ast::Indexed>)>,
    /// Once the names are collected, where each indexed declaration starts and ends,
    /// per file: all that reading it needs (8 bytes where an entry is 32).
    extents: Vec<Vec<(u32, u32)>>,
    /// Per schema (by position in `schema::ITEMS`), where its declarations are, in
    /// source order.
    by_schema: Vec<Vec<Place>>,
    /// Every named declaration as (its schema's place in `schema::ITEMS`, position in
    /// its keyword's list), in source order: the order names are declared in, so "first
    /// declared here" means first in the text. Small: there is one per declaration.
    pub(super) source_order: Vec<(u8, u32)>,
}

/// Where a declaration is: (file, position) among the file's whole items or among its
/// indexed ones.
#[derive(Debug, Clone, Copy)]
enum Place {
    Whole(u32, u32),
    Indexed(u32, u32),
}

/// A declared name as written, and where.
pub(super) type Name<'d> = (&'d str, Span);

pub(super) fn name_of(item: &Item) -> Option<Name<'_>> {
    item.name
        .as_ref()
        .map(|name| (name.text.as_str(), name.span))
}

/// A named declaration as `collect` needs it: its name and nested declarations.
pub(super) struct Declared<'d> {
    pub(super) name: Option<Name<'d>>,
    pub(super) children: &'d [Item],
}

impl<'s> Declarations<'s> {
    pub(super) fn sort(
        files: Vec<(FileId, ast::File)>,
        sources: &'s SourceMap,
    ) -> (Vec<Item>, Self) {
        let mut settings = Vec::new();
        let mut declarations = Declarations {
            files: Vec::new(),
            indexed: Vec::new(),
            extents: Vec::new(),
            by_schema: vec![Vec::new(); schema::ITEMS.len()],
            source_order: Vec::new(),
        };
        for (file_index, (id, mut file)) in files.into_iter().enumerate() {
            let file_index = file_index as u32;
            // Whole items are moved out below: read the order of the entries first.
            let order: Vec<Option<u8>> = file
                .entries()
                .map(|entry| match entry {
                    ast::Entry::Whole(_) => None,
                    ast::Entry::Indexed(indexed) => Some(indexed.item),
                })
                .collect();
            let (mut whole, mut indexed) = (0u32, 0u32);
            for schema_index in order {
                let (spec, place) = match schema_index {
                    Some(schema_index) => {
                        let place = Place::Indexed(file_index, indexed);
                        indexed += 1;
                        (schema::ITEMS[schema_index as usize], place)
                    }
                    None => {
                        let item = &mut file.items[whole as usize];
                        let place = Place::Whole(file_index, whole);
                        whole += 1;
                        match item.keyword.text.as_str() {
                            "include" => continue,
                            "allow" | "plan" | "defaults" => {
                                settings.push(vacate(item));
                                continue;
                            }
                            // Unknown keywords were reported by the parser.
                            keyword => match schema::item(keyword) {
                                Some(spec) => (spec, place),
                                None => continue,
                            },
                        }
                    }
                };
                let position = schema::position(spec);
                let list = &mut declarations.by_schema[position as usize];
                declarations
                    .source_order
                    .push((position, list.len() as u32));
                list.push(place);
            }
            declarations.files.push(file.items);
            declarations
                .indexed
                .push((id, sources.file(id).text.as_str(), file.indexed));
        }
        (settings, declarations)
    }

    /// The `index`th declaration of the schema at `position` in `schema::ITEMS`.
    pub(super) fn get(&self, position: u8, index: u32) -> Declared<'_> {
        match self.by_schema[position as usize][index as usize] {
            Place::Whole(file, item) => {
                let item = &self.files[file as usize][item as usize];
                Declared {
                    name: name_of(item),
                    children: &item.children,
                }
            }
            Place::Indexed(file, item) => {
                let (_, text, list) = &self.indexed[file as usize];
                let entry = &list[item as usize];
                Declared {
                    name: Some((entry.name_text(text), entry.name)),
                    children: &[],
                }
            }
        }
    }

    /// The declarations of `keyword` kept whole (the kinds never indexed are all).
    pub(super) fn whole<'k>(&'k self, keyword: &str) -> impl Iterator<Item = &'k Item> + 'k {
        let places = schema::item(keyword).map_or(&[][..], |spec| {
            &self.by_schema[schema::position(spec) as usize]
        });
        places.iter().filter_map(|place| match *place {
            Place::Whole(file, item) => Some(&self.files[file as usize][item as usize]),
            Place::Indexed(..) => None,
        })
    }

    /// Drop what only collecting names needed: the names and order of the indexed
    /// declarations. Lowering reads each from where it is written.
    pub(super) fn forget_names(&mut self) {
        self.source_order = Vec::new();
        self.extents = self
            .indexed
            .iter_mut()
            .map(|(_, _, list)| {
                let list = std::mem::take(list);
                list.iter().map(|e| (e.span.start, e.span.end)).collect()
            })
            .collect();
    }

    /// Lower every declaration with `lower`, which takes them kind by kind from the
    /// `Lowering` it is given. `Err` with the files that hold an indexed declaration
    /// that did not read as sound: they are to be parsed whole, and the plan resolved
    /// again.
    pub(super) fn lower<T>(
        self,
        lower: impl FnOnce(&mut Lowering<'_>) -> T,
    ) -> Result<T, Vec<FileId>> {
        let Declarations {
            mut files,
            indexed,
            extents,
            by_schema,
            ..
        } = self;
        let mut lowering = Lowering {
            files: &mut files,
            indexed: &indexed,
            extents: &extents,
            by_schema,
            unsound: Mutex::new(Vec::new()),
        };
        let lowered = lower(&mut lowering);
        let mut unsound = lowering
            .unsound
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if unsound.is_empty() {
            return Ok(lowered);
        }
        unsound.sort_unstable();
        unsound.dedup();
        Err(unsound
            .into_iter()
            .map(|file| indexed[file as usize].0)
            .collect())
    }
}

/// The declarations as `build` lowers them, kind by kind.
pub(super) struct Lowering<'d> {
    files: &'d mut Vec<Vec<Item>>,
    indexed: &'d [(FileId, &'d str, Vec<ast::Indexed>)],
    extents: &'d [Vec<(u32, u32)>],
    /// Each schema's places, by position in `schema::ITEMS`, dropped once lowered.
    by_schema: Vec<Vec<Place>>,
    /// The files (by place in load order) with an indexed declaration that did not
    /// read as sound.
    unsound: Mutex<Vec<u32>>,
}

/// Declarations a thread lowers at least, in a row: fewer are not worth handing over.
const LOWERED_PER_THREAD: usize = 256;

impl<'d> Lowering<'d> {
    /// Lower the declarations of one keyword with `lower`, given each with its position
    /// among them, into a vector in source order. They are spread over every core, each
    /// thread with its own `state`; indexed declarations are parsed where lowered, so
    /// each is parsed, lowered and freed by one thread. Whole ones are freed after the
    /// kind is lowered, so the syntax tree shrinks while the model grows.
    pub(super) fn lower_each<S, T: Send>(
        &mut self,
        keyword: &str,
        state: impl Fn() -> S + Sync + Send,
        lower: impl Fn(&mut S, u32, &Item) -> T + Sync + Send,
    ) -> Vec<T> {
        let places = schema::item(keyword)
            .map(|spec| std::mem::take(&mut self.by_schema[schema::position(spec) as usize]))
            .unwrap_or_default();
        let mut lowered = Vec::new();
        let (files, indexed, extents) = (&*self.files, self.indexed, self.extents);
        let unsound = &self.unsound;
        places
            .par_iter()
            .enumerate()
            .with_min_len(LOWERED_PER_THREAD)
            .map_init(state, |state, (position, &place)| {
                let position = position as u32;
                match place {
                    Place::Whole(file, item) => {
                        lower(state, position, &files[file as usize][item as usize])
                    }
                    Place::Indexed(file, item) => {
                        let (id, text, _) = &indexed[file as usize];
                        let (start, end) = extents[file as usize][item as usize];
                        let span = Span::new(*id, start as usize, end as usize);
                        match syntax::read_indexed(text, *id, span) {
                            Some(item) => lower(state, position, &item),
                            None => {
                                // Resolution starts again with the file parsed whole:
                                // what is lowered meanwhile is thrown away.
                                unsound
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .push(file);
                                lower(state, position, &unread(keyword, span))
                            }
                        }
                    }
                }
            })
            // Written in place, in a vector of the exact size.
            .collect_into_vec(&mut lowered);
        for place in places {
            if let Place::Whole(file, item) = place {
                vacate(&mut self.files[file as usize][item as usize]);
            }
        }
        lowered
    }
}

/// A stand-in for a declaration that did not read as sound: a nameless `keyword`.
fn unread(keyword: &str, span: Span) -> Item {
    Item {
        keyword: Ident {
            text: CompactString::new(keyword),
            span,
        },
        name: None,
        properties: Box::default(),
        children: Box::default(),
        value: None,
        span,
    }
}

/// Move an item out of the syntax tree, leaving an empty one that owns no memory.
fn vacate(item: &mut Item) -> Item {
    let empty = Item {
        keyword: Ident {
            text: CompactString::const_new(""),
            span: Span::default(),
        },
        name: None,
        properties: Box::default(),
        children: Box::default(),
        value: None,
        span: Span::default(),
    };
    std::mem::replace(item, empty)
}
