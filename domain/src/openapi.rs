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
