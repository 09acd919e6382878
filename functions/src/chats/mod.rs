//! The `/chats` functions: chats and their settings.

crate::routes::route_modules!(
    archive,
    create,
    delete,
    extract_memories,
    get,
    list,
    messages,
    pair_delete,
    pair_toggle,
    pair_update,
    system_prompt,
    unarchive,
    update,
    usage
);
