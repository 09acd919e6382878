//! The `/files` functions: uploads, their check, downloads.

crate::routes::route_modules!(complete, create, delete, get, validate);
