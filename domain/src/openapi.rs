//! Schema pieces for the OpenAPI document (with the `openapi` feature): the closed vocabularies
//! are written out by hand so the document lists exactly the ids on the wire.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// A string schema allowing exactly `values`.
pub fn string_enum(values: &[&str], description: &str) -> RefOr<Schema> {
    let description = description.trim();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description((!description.is_empty()).then(|| description.to_owned()))
        .into()
}

/// The areas an advocate or organisation serves: at most [`crate::error::limits::AREAS`] names,
/// each not blank and at most [`crate::error::limits::NAME`] characters (what
/// `rules::ticket_records::checked_areas` enforces).
pub fn area_list() -> Schema {
    use crate::error::limits;
    use utoipa::openapi::schema::ArrayBuilder;
    let name = ObjectBuilder::new().schema_type(Type::String).max_length(Some(limits::NAME)).pattern(Some(r"\S"));
    ArrayBuilder::new()
        .items(name)
        .max_items(Some(limits::AREAS))
        .description(Some(
            "Local authorities served (case, spacing and the words naming the kind of authority, such as \
             \"City Council\", are ignored when families search).",
        ))
        .into()
}
