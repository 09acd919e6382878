//! UI prototypes: HTML/Tailwind pages Claude writes, kept as versions of variants of a
//! prototype. So far: reading the page out of the model's reply (`file_tag`) and the
//! signed preview URLs (`preview`); the routes, store and streams come with issue 14.

pub mod file_tag;
pub mod preview;
