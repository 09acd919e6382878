//! The `/auth` functions.

crate::routes::route_modules!(
    google,
    login,
    logout,
    logout_all,
    me_delete,
    me_get,
    me_update,
    password_change,
    password_reset,
    password_reset_confirm,
    register,
    resend_verification,
    sessions_delete,
    sessions_list,
    verify_email
);
