//! Why the directory refuses a user command.

use serde::{Deserialize, Serialize};

use crate::error_code::{Coded, ErrorCode};
use crate::ids::UserId;

/// Longest cost center code, in characters.
pub const MAX_COST_CENTER_LEN: usize = 64;

/// A refused user command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum UserError {
    /// The subject is already in the directory.
    #[error("this user is already in the directory")]
    AlreadyExists,
    /// The subject is not in the directory.
    #[error("user not found in the directory")]
    NotFound,
    /// The subject is empty or too long.
    #[error("a user needs a subject of 1 to 255 characters")]
    InvalidSubject,
    /// No roles.
    #[error("a user needs at least one role")]
    NoRoles,
    /// A user cannot be their own manager.
    #[error("a user cannot be their own manager")]
    SelfManaged,
    /// The manager is not in this directory.
    #[error("the manager {0} is not in this tenant's directory")]
    UnknownManager(UserId),
    /// The cost center is empty or too long.
    #[error("a cost center is 1 to {MAX_COST_CENTER_LEN} characters")]
    InvalidCostCenter,
    /// Deactivation needs a reason.
    #[error("say why the user is deactivated")]
    ReasonRequired,
    /// The user is deactivated.
    #[error("this user was deactivated")]
    Deactivated,
    /// Only a deactivated user can be reactivated.
    #[error("this user is not deactivated")]
    NotDeactivated,
    /// The change would leave the tenant without an admin.
    #[error("{0} is this tenant's last admin: make another user admin first")]
    LastAdmin(UserId),
    /// Not a usable e-mail address.
    #[error("'{0}' is not an e-mail address")]
    NotAnEmailAddress(String),
    /// The user's personal data was erased: none is recorded for them again.
    #[error("this user's personal data was erased; no e-mail address can be recorded for them")]
    PersonalDataErased,
}

impl Coded for UserError {
    fn code(&self) -> ErrorCode {
        use UserError as E;
        match self {
            E::NotFound | E::UnknownManager(_) => ErrorCode::NotFound,
            E::AlreadyExists
            | E::Deactivated
            | E::NotDeactivated
            | E::LastAdmin(_)
            | E::PersonalDataErased => ErrorCode::Conflict,
            E::NotAnEmailAddress(_)
            | E::InvalidSubject
            | E::NoRoles
            | E::SelfManaged
            | E::InvalidCostCenter
            | E::ReasonRequired => ErrorCode::Validation,
        }
    }
}
