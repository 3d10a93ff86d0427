//! The [`User`] aggregate: one person (or system) in one tenant's directory,
//! known by their token subject: invited or enrolled, active or deactivated,
//! their roles, manager and cost center.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::user_error::{UserError, MAX_COST_CENTER_LEN};
use super::Role;
use crate::aggregate::{cqrs_aggregate, domain_event, Decide, TenantOwned};
use crate::email::is_email_address;
use crate::ids::{TenantId, UserId};

/// Where a user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// Not in the directory.
    #[default]
    Unknown,
    /// Invited by an admin; active from their first request.
    Invited,
    /// May act with their directory roles.
    Active,
    /// Refused, whatever token they bring, until reactivated.
    Deactivated,
}

/// A command to a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UserCommand {
    /// An admin invites a subject with roles (and optionally a manager and a
    /// cost center).
    Invite {
        /// The caller's tenant: it owns the new aggregate, and no other tenant's command
        /// finds it.
        tenant_id: TenantId,
        /// The token subject the user will sign in as.
        subject: UserId,
        /// The roles they will hold.
        roles: Vec<Role>,
        /// Their manager, if any (a member of the same directory).
        manager: Option<UserId>,
        /// Their cost center, if any.
        cost_center: Option<String>,
        /// Where Folio e-mails them (approvals waiting, decisions), if
        /// anywhere.
        email: Option<String>,
    },
    /// A subject seen for the first time in a tenant with open enrollment joins
    /// with the roles of their token.
    Enroll {
        /// The caller's tenant: it owns the new aggregate, and no other tenant's command
        /// finds it.
        tenant_id: TenantId,
        /// The subject (`sub`) of their tokens, their user id everywhere.
        subject: UserId,
        /// The roles the token carried.
        roles: Vec<Role>,
    },
    /// An invited user's first request.
    Activate,
    /// An admin stops the user from acting, at once.
    Deactivate {
        /// Why (kept for the auditors).
        reason: String,
    },
    /// An admin lets a deactivated user act again.
    Reactivate,
    /// An admin changes roles, manager, cost center or e-mail address
    /// (`None`: unchanged; `Some(None)`: removed).
    Update {
        /// New roles.
        roles: Option<Vec<Role>>,
        /// New manager.
        manager: Option<Option<UserId>>,
        /// New cost center.
        cost_center: Option<Option<String>>,
        /// New e-mail address.
        email: Option<Option<String>>,
    },
    /// An admin erases the user's personal data (their e-mail address): the
    /// store destroys its key, so no copy in the history opens again. The
    /// user stays in the directory, known by their subject.
    ErasePersonalData {
        /// Why (e.g. the data-subject request's reference).
        reason: String,
    },
}

/// An event of a user.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Serialize,
    Deserialize,
    JsonSchema,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
pub enum UserEvent {
    /// An admin invited the subject.
    UserInvited {
        /// The tenant that owns the aggregate from now on: any other tenant's command finds
        /// nothing.
        tenant_id: TenantId,
        /// The subject (`sub`) of their tokens, their user id everywhere.
        subject: UserId,
        /// Roles granted.
        roles: Vec<Role>,
        /// Their manager, if any.
        manager: Option<UserId>,
        /// Their cost center, if any.
        cost_center: Option<String>,
        /// Their e-mail address, if given (personal data: sealed in the store).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
    },
    /// The subject joined on first sight (open enrollment), already active.
    UserEnrolled {
        /// The tenant that owns the aggregate from now on: any other tenant's command finds
        /// nothing.
        tenant_id: TenantId,
        /// The subject (`sub`) of their tokens, their user id everywhere.
        subject: UserId,
        /// Roles their token carried.
        roles: Vec<Role>,
    },
    /// An invited user made their first request.
    UserActivated {},
    /// The user was deactivated.
    UserDeactivated {
        /// Why.
        reason: String,
    },
    /// A deactivated user was let back in.
    UserReactivated {},
    /// The user's roles were replaced.
    UserRolesAssigned {
        /// The roles now held.
        roles: Vec<Role>,
    },
    /// The user's manager changed.
    UserManagerSet {
        /// The manager now, if any.
        manager: Option<UserId>,
    },
    /// The user's cost center changed.
    UserCostCenterSet {
        /// The cost center now, if any.
        cost_center: Option<String>,
    },
    /// The user's e-mail address changed (personal data: sealed in the store).
    UserEmailSet {
        /// The address now, if any.
        email: Option<String>,
    },
    /// The user's personal data was erased: their e-mail address in every
    /// event reads as none from now on.
    UserPersonalDataErased {
        /// Why, in words kept with the record and shown in the history.
        reason: String,
    },
}

domain_event!(UserEvent);

/// A user in a tenant's directory.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct User {
    /// The tenant, once the user exists.
    pub tenant_id: Option<TenantId>,
    /// The subject (`sub`) of their tokens, their user id everywhere.
    pub subject: Option<UserId>,
    /// Where they stand.
    pub status: UserStatus,
    /// Roles held (normalized: once each, in [`Role::ALL`]'s order).
    pub roles: Vec<Role>,
    /// Their manager.
    pub manager: Option<UserId>,
    /// Their cost center.
    pub cost_center: Option<String>,
    /// Where Folio e-mails them.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether their personal data was erased.
    #[serde(default)]
    pub personal_data_erased: bool,
}

fn checked_roles(roles: &[Role]) -> Result<Vec<Role>, UserError> {
    let roles = Role::normalized(roles);
    if roles.is_empty() {
        return Err(UserError::NoRoles);
    }
    Ok(roles)
}

fn checked_cost_center(cost_center: Option<String>) -> Result<Option<String>, UserError> {
    let Some(code) = cost_center else {
        return Ok(None);
    };
    let code = code.trim().to_owned();
    if code.is_empty() || code.chars().count() > MAX_COST_CENTER_LEN {
        return Err(UserError::InvalidCostCenter);
    }
    Ok(Some(code))
}

fn checked_email(email: Option<String>) -> Result<Option<String>, UserError> {
    let Some(email) = email else {
        return Ok(None);
    };
    let email = email.trim().to_owned();
    if !is_email_address(&email) {
        return Err(UserError::NotAnEmailAddress(email));
    }
    Ok(Some(email))
}

fn check_manager(subject: &UserId, manager: &Option<UserId>) -> Result<(), UserError> {
    if manager.as_ref() == Some(subject) {
        return Err(UserError::SelfManaged);
    }
    Ok(())
}

fn checked_subject(subject: &UserId) -> Result<(), UserError> {
    let length = subject.0.chars().count();
    if subject.0.trim().is_empty() || length > 255 {
        return Err(UserError::InvalidSubject);
    }
    Ok(())
}

impl User {
    /// Folds one event into the state.
    pub fn fold(&mut self, event: UserEvent) {
        use UserEvent as E;
        match event {
            E::UserInvited {
                tenant_id,
                subject,
                roles,
                manager,
                cost_center,
                email,
            } => {
                *self = User {
                    tenant_id: Some(tenant_id),
                    subject: Some(subject),
                    status: UserStatus::Invited,
                    roles,
                    manager,
                    cost_center,
                    email,
                    personal_data_erased: false,
                }
            }
            E::UserEnrolled {
                tenant_id,
                subject,
                roles,
            } => {
                *self = User {
                    tenant_id: Some(tenant_id),
                    subject: Some(subject),
                    status: UserStatus::Active,
                    roles,
                    ..User::default()
                }
            }
            E::UserActivated {} | E::UserReactivated {} => self.status = UserStatus::Active,
            E::UserDeactivated { .. } => self.status = UserStatus::Deactivated,
            E::UserRolesAssigned { roles } => self.roles = roles,
            E::UserManagerSet { manager } => self.manager = manager,
            E::UserCostCenterSet { cost_center } => self.cost_center = cost_center,
            E::UserEmailSet { email } => self.email = email,
            E::UserPersonalDataErased { .. } => {
                self.email = None;
                self.personal_data_erased = true;
            }
        }
    }

    fn require_exists(&self) -> Result<(), UserError> {
        match self.status {
            UserStatus::Unknown => Err(UserError::NotFound),
            _ => Ok(()),
        }
    }

    fn update(
        &self,
        roles: Option<Vec<Role>>,
        manager: Option<Option<UserId>>,
        cost_center: Option<Option<String>>,
        email: Option<Option<String>>,
    ) -> Result<Vec<UserEvent>, UserError> {
        self.require_exists()?;
        let mut events = Vec::new();
        if let Some(roles) = roles {
            let roles = checked_roles(&roles)?;
            if roles != self.roles {
                events.push(UserEvent::UserRolesAssigned { roles });
            }
        }
        if let Some(manager) = manager {
            if let Some(subject) = &self.subject {
                check_manager(subject, &manager)?;
            }
            if manager != self.manager {
                events.push(UserEvent::UserManagerSet { manager });
            }
        }
        if let Some(cost_center) = cost_center {
            let cost_center = checked_cost_center(cost_center)?;
            if cost_center != self.cost_center {
                events.push(UserEvent::UserCostCenterSet { cost_center });
            }
        }
        if let Some(email) = email {
            let email = checked_email(email)?;
            if email.is_some() && self.personal_data_erased {
                return Err(UserError::PersonalDataErased);
            }
            if email != self.email {
                events.push(UserEvent::UserEmailSet { email });
            }
        }
        Ok(events)
    }
}

impl Decide for User {
    fn decide(&self, command: UserCommand) -> Result<Vec<UserEvent>, UserError> {
        use UserCommand as C;
        match command {
            C::Invite {
                tenant_id,
                subject,
                roles,
                manager,
                cost_center,
                email,
            } => {
                if self.status != UserStatus::Unknown {
                    return Err(UserError::AlreadyExists);
                }
                checked_subject(&subject)?;
                check_manager(&subject, &manager)?;
                Ok(vec![UserEvent::UserInvited {
                    tenant_id,
                    roles: checked_roles(&roles)?,
                    cost_center: checked_cost_center(cost_center)?,
                    email: checked_email(email)?,
                    subject,
                    manager,
                }])
            }
            C::Enroll {
                tenant_id,
                subject,
                roles,
            } => {
                if self.status != UserStatus::Unknown {
                    return Err(UserError::AlreadyExists);
                }
                checked_subject(&subject)?;
                Ok(vec![UserEvent::UserEnrolled {
                    tenant_id,
                    subject,
                    roles: checked_roles(&roles)?,
                }])
            }
            C::Activate => match self.status {
                UserStatus::Unknown => Err(UserError::NotFound),
                UserStatus::Invited => Ok(vec![UserEvent::UserActivated {}]),
                UserStatus::Active => Ok(vec![]),
                UserStatus::Deactivated => Err(UserError::Deactivated),
            },
            C::Deactivate { reason } => {
                self.require_exists()?;
                if self.status == UserStatus::Deactivated {
                    return Err(UserError::Deactivated);
                }
                let reason = reason.trim().to_owned();
                if reason.is_empty() {
                    return Err(UserError::ReasonRequired);
                }
                Ok(vec![UserEvent::UserDeactivated { reason }])
            }
            C::Reactivate => {
                self.require_exists()?;
                if self.status != UserStatus::Deactivated {
                    return Err(UserError::NotDeactivated);
                }
                Ok(vec![UserEvent::UserReactivated {}])
            }
            C::Update {
                roles,
                manager,
                cost_center,
                email,
            } => self.update(roles, manager, cost_center, email),
            C::ErasePersonalData { reason } => {
                self.require_exists()?;
                let reason = reason.trim().to_owned();
                if reason.is_empty() {
                    return Err(UserError::ReasonRequired);
                }
                if self.personal_data_erased {
                    return Ok(vec![]);
                }
                Ok(vec![UserEvent::UserPersonalDataErased { reason }])
            }
        }
    }
}

impl TenantOwned for User {
    fn tenant(&self) -> Option<TenantId> {
        self.tenant_id
    }
}

cqrs_aggregate!(
    User,
    type = "User",
    command = UserCommand,
    event = UserEvent,
    error = UserError
);
