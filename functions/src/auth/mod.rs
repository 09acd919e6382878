//! The `/auth` functions.

pub mod login;
pub mod logout;
pub mod logout_all;
pub mod me_get;
pub mod me_update;
pub mod register;
pub mod resend_verification;
pub mod verify_email;
