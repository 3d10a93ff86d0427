//! SAT's catalogues, for the codes a person picks (regimes, CFDI uses,
//! product and unit keys, forms of payment): reference data compiled into
//! the domain, so the read touches no database. Anyone who reads invoicing or
//! configures the tenant may search them.

use folio_domain::sat::catalogue::{search, Catalogue};
use folio_projections::reading::Slice;

use super::{PageRequest, ReadError, Reads};
use crate::access::Action;

/// One code of a SAT catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SatCode {
    /// The code, e.g. `84111506`.
    pub code: &'static str,
    /// What SAT calls it, e.g. `Servicios de facturación`.
    pub description: &'static str,
}

impl Reads {
    /// A page of `catalogue`'s codes in code order: those starting with
    /// `text` or whose description holds its every word (case and accents
    /// aside), all without a text.
    pub fn sat_codes(
        &self,
        catalogue: Catalogue,
        text: Option<&str>,
        page: &PageRequest,
    ) -> Result<Slice<SatCode>, ReadError> {
        if !self.caller.may(Action::ReadInvoicing) {
            self.caller.require(Action::ConfigureTenant)?;
        }
        let page = self.page(page)?;
        let skip = usize::try_from(page.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(page.limit).unwrap_or(0);
        let mut items: Vec<SatCode> = search(catalogue, text, skip, take.saturating_add(1))
            .into_iter()
            .map(|(code, description)| SatCode { code, description })
            .collect();
        let has_next = items.len() > take;
        items.truncate(take);
        Ok(Slice {
            items,
            offset: page.offset,
            has_next,
        })
    }
}
