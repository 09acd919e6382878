//! The `/memories` and `/memory-tags` functions: the user's long-term memories and their tags.

crate::routes::route_modules!(context, create, delete, get, list, stats, tags_create, tags_delete, tags_list, update);
