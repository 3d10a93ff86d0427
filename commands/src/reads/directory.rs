//! Reads of the directory read model: the tenant's directory and its users.

use folio_projections::directory::queries::{self, DirectoryRow, DirectoryUserRow};
use folio_projections::reading::Slice;

use super::{PageRequest, ReadError, Reads};
use crate::access::{allows, Action, Role};

impl Reads {
    /// The tenant's directory; `None` when it has none.
    pub async fn directory(&self, token: Option<&str>) -> Result<Option<DirectoryRow>, ReadError> {
        self.caller.require(Action::ReadDirectory)?;
        let mut tx = self.open(Action::ReadDirectory, token).await?;
        Ok(queries::directory(&mut tx).await?)
    }

    /// The directory's users by subject; only those in `status` (`INVITED`,
    /// `ACTIVE`, `DEACTIVATED`) and reporting to `manager` when given.
    pub async fn directory_users(
        &self,
        status: Option<&str>,
        manager: Option<&str>,
        page: &PageRequest,
        token: Option<&str>,
    ) -> Result<Slice<DirectoryUserRow>, ReadError> {
        self.caller.require(Action::ReadDirectory)?;
        let page = self.page(page)?;
        let mut tx = self.open(Action::ReadDirectory, token).await?;
        Ok(queries::users(&mut tx, status, manager, page).await?)
    }

    /// One user of the directory, by subject.
    pub async fn directory_user(
        &self,
        subject: &str,
        token: Option<&str>,
    ) -> Result<Option<DirectoryUserRow>, ReadError> {
        self.caller.require(Action::ReadDirectory)?;
        let mut tx = self.open(Action::ReadDirectory, token).await?;
        Ok(queries::user(&mut tx, subject).await?)
    }

    /// The subject and e-mail address of every user who may do `action`
    /// (invited or active, with a role the access matrix lets do it) and has
    /// an address: whom an expense waiting for any approver is mailed to
    /// (`ApproveExpenses`), or news for the admins (`ConfigureTenant`).
    pub async fn addresses_of_users_who_may(
        &self,
        action: Action,
    ) -> Result<Vec<(String, String)>, ReadError> {
        self.caller.require(Action::ReadDirectory)?;
        let roles: Vec<String> = Role::ALL
            .into_iter()
            .filter(|role| allows(*role, action))
            .filter_map(|role| match serde_json::to_value(role) {
                Ok(serde_json::Value::String(stored)) => Some(stored),
                _ => None,
            })
            .collect();
        let mut tx = self.open(Action::ReadDirectory, None).await?;
        Ok(queries::addresses_of_roles(&mut tx, &roles).await?)
    }
}
