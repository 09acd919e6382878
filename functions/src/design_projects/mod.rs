//! The `/design-projects` functions: design projects, their groups, their prototypes, and
//! generating a new prototype.

crate::routes::route_modules!(
    create,
    delete,
    generate,
    get,
    groups_create,
    groups_delete,
    groups_list,
    groups_update,
    list,
    prototypes,
    update
);
