//! The `/projects` functions: projects and their knowledge.

crate::routes::route_modules!(
    chats,
    create,
    delete,
    get,
    knowledge_create,
    knowledge_delete,
    knowledge_get,
    knowledge_list,
    knowledge_toggle,
    knowledge_update,
    list,
    update,
    usage
);
