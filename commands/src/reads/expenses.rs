//! Reads of the expenses read model: a page of claims or one claim, within
//! what the caller may see (the tenant's, or only their own).

use folio_projections::expenses::queries::{self, ExpenseFilter, ExpenseRow};
use folio_projections::reading::Slice;
use uuid::Uuid;

use super::{PageRequest, ReadError, Reads};
use crate::access::Action;

impl Reads {
    /// Expenses matching `filter`, newest first; an employee's own only.
    pub async fn expenses(
        &self,
        filter: &ExpenseFilter,
        page: &PageRequest,
        token: Option<&str>,
    ) -> Result<Slice<ExpenseRow>, ReadError> {
        let scope = self.caller.expense_scope()?;
        let page = self.page(page)?;
        let mut tx = self.open(Action::ReadOwnExpenses, token).await?;
        Ok(queries::expenses(&mut tx, &scope, filter, page).await?)
    }

    /// One expense; `None` also when the caller may not see it.
    pub async fn expense(
        &self,
        expense_id: Uuid,
        token: Option<&str>,
    ) -> Result<Option<ExpenseRow>, ReadError> {
        let scope = self.caller.expense_scope()?;
        let mut tx = self.open(Action::ReadOwnExpenses, token).await?;
        Ok(queries::expense(&mut tx, &scope, expense_id).await?)
    }
}
