//! Who the stamping and cancelling processes act as: a system actor of the
//! invoice's tenant with the accountant's rights, each step under a key that
//! names it, so a repeated step is the same request.

use folio_domain::ids::{TenantId, UserId};

use crate::access::{Caller, Role};
use crate::context::CommandContext;

/// The actor the stamp's steps are recorded as.
pub(super) const STAMPER: &str = "system:stamper";

/// The actor a cancellation's steps are recorded as.
pub(super) const CANCELLER: &str = "system:canceller";

/// The process `actor` of `tenant`, as its steps are recorded.
pub(super) fn system_caller(tenant: TenantId, actor: &'static str) -> Caller {
    Caller::new(tenant, UserId::new(actor), vec![Role::Accountant])
}

/// The context of one step of process `actor` in `tenant`, under `key`.
pub(super) fn step(tenant: TenantId, actor: &'static str, key: String) -> CommandContext {
    CommandContext::new(system_caller(tenant, actor), key)
}
