//! OpenAPI schemas of enums written as text ([`TextEnum`]): a string with the accepted values,
//! read from the same list serde and the store use, so the document cannot drift from them.
//!
//! Enums of this crate get a named schema with [`text_schema!`]; fields of another crate's
//! enums use `#[schema(schema_with = text::<T>)]`.

use medley_domain::text::TextEnum;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Object;

/// A string schema listing the values of `T`.
pub fn text<T: TextEnum>() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(T::ALL.iter().map(|v| v.as_str())))
        .build()
}

/// Implements `utoipa::ToSchema` for text enums of this crate (see the [module](self)).
macro_rules! text_schema {
    ($($t:ty),+ $(,)?) => {$(
        impl utoipa::PartialSchema for $t {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::text_enums::text::<$t>().into()
            }
        }

        impl utoipa::ToSchema for $t {}
    )+};
}

pub(crate) use text_schema;
