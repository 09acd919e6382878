//! The `/import` functions: bringing in conversations exported from other assistants.

crate::routes::route_modules!(create, get);
