//! The `/export` functions: an archive of everything the user has.

crate::routes::route_modules!(create, get);
