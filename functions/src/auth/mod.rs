//! The `/auth` functions.

pub mod google;
pub mod login;
pub mod logout;
pub mod logout_all;
pub mod me_delete;
pub mod me_get;
pub mod me_update;
pub mod password_change;
pub mod password_reset;
pub mod password_reset_confirm;
pub mod register;
pub mod resend_verification;
pub mod sessions_delete;
pub mod sessions_list;
pub mod verify_email;
