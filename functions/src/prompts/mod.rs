//! The `/prompts` functions: saved system prompts.

crate::routes::route_modules!(create, delete, get, list, update);
