//! Who the e-mails Folio writes for a tenant's own people come from: the
//! tenant's name and its country's language, and the system reads they use.

use std::time::Duration;

use folio_documents::locale::Locale;
use folio_domain::ids::{TenantId, UserId};

use super::compose_error::ComposeError;
use crate::access::{Caller, Role};
use crate::reads::{ReadLimits, ReadModels, Reads};
use crate::use_cases::UseCases;

/// The actor the directory and the settings are read as.
const MAIL: &str = "system:mail";

/// The name the e-mails are signed with (the tenant's legal profile's, else
/// its directory's) and the language of its country (else English).
pub(super) async fn organisation(
    use_cases: &UseCases,
    reads: &ReadModels,
    tenant: TenantId,
) -> Result<(String, Locale), ComposeError> {
    let caller = Caller::new(tenant, UserId::new(MAIL), vec![Role::Accountant]);
    let settings = use_cases
        .tenant_settings(&caller)
        .await
        .map_err(ComposeError::unloadable)?;
    if let Some(profile) = settings.legal_profile {
        let name = profile.trading_name.unwrap_or(profile.legal_name);
        return Ok((name, Locale::of_country(&profile.address.country)));
    }
    let directory = system_reads(reads, tenant, Role::Auditor)
        .directory(None)
        .await
        .map_err(ComposeError::unreadable)?;
    let name = directory.map(|d| d.name).unwrap_or_default();
    Ok((name, Locale::En))
}

/// The reads of `tenant`'s read models the mail sender makes, with `role`,
/// waiting for nothing.
pub(super) fn system_reads(reads: &ReadModels, tenant: TenantId, role: Role) -> Reads {
    let caller = Caller::new(tenant, UserId::new(MAIL), vec![role]);
    reads.of(
        caller,
        ReadLimits {
            consistency_wait: Duration::ZERO,
            max_page_size: 1,
        },
    )
}
