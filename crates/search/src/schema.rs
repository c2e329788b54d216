//! The one schema every kind's index uses, and how a track, artist or album becomes a document.
//!
//! | field          | holds                                                     | indexed as            |
//! |----------------|-----------------------------------------------------------|-----------------------|
//! | `id`           | the object's id                                           | raw term, stored      |
//! | `name`         | the object's own name                                     | folded tokens + positions |
//! | `name_sq`      | the whole name squashed ("acdc")                          | one raw term          |
//! | `name_alt`     | neighbouring tokens glued, and the squash of 3+ tokens    | raw terms             |
//! | `related`      | names of related objects (a track's artists and album, an album's artists) | folded tokens |
//! | `related_alt`  | the same glued terms for each related name                | raw terms             |

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED, STRING,
};
use tantivy::TantivyDocument;

use crate::normalize::{self, ANALYZER};

/// Field handles of the schema built by [`Fields::schema`].
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub id: Field,
    pub name: Field,
    pub name_sq: Field,
    pub name_alt: Field,
    pub related: Field,
    pub related_alt: Field,
}

/// The text of one document, before it is turned into fields.
pub struct Entry<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub related: Vec<&'a str>,
}

impl Fields {
    /// Builds the schema and returns it with its field handles.
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let tokenized = |record: IndexRecordOption| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYZER)
                    .set_index_option(record),
            )
        };
        let raw = || {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let fields = Fields {
            id: b.add_text_field("id", STRING | STORED),
            name: b.add_text_field("name", tokenized(IndexRecordOption::WithFreqsAndPositions)),
            name_sq: b.add_text_field("name_sq", raw()),
            name_alt: b.add_text_field("name_alt", raw()),
            related: b.add_text_field("related", tokenized(IndexRecordOption::WithFreqs)),
            related_alt: b.add_text_field("related_alt", raw()),
        };
        (b.build(), fields)
    }

    /// The document for `entry`.
    pub fn document(&self, entry: &Entry<'_>) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.id, entry.id);

        let name = normalize::clean(entry.name);
        let tokens = normalize::tokens(&name);
        doc.add_text(self.name, &name);
        let squashed = normalize::squash(&tokens);
        if !squashed.is_empty() {
            doc.add_text(self.name_sq, &squashed);
        }
        for joined in normalize::joined_pairs(&tokens) {
            doc.add_text(self.name_alt, &joined);
        }

        for related in &entry.related {
            let related = normalize::clean(related);
            let tokens = normalize::tokens(&related);
            doc.add_text(self.related, &related);
            for joined in normalize::joined_pairs(&tokens) {
                doc.add_text(self.related_alt, &joined);
            }
        }
        doc
    }
}
