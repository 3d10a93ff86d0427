//! Customers: registering them, keeping their contact and tax details, archiving
//! them, and erasing their personal data (GDPR art. 17).

use folio_domain::customer::{ContactDetails, CustomerCommand, CustomerError, TaxDetails};
use folio_domain::ids::CustomerId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{derived_id, run, UseCases};
use crate::access::Action;
use crate::context::{CommandContext, CommandOutcome};
use crate::error::CommandError;
use crate::runner::Request;

/// Register a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegisterCustomer {
    /// Explicit id; derived from the idempotency key when absent.
    pub customer_id: Option<CustomerId>,
    /// Contact details.
    pub contact: ContactDetails,
    /// Tax details.
    pub tax: TaxDetails,
}

impl UseCases {
    /// Registers a customer.
    pub async fn register_customer(
        &self,
        ctx: &CommandContext,
        input: RegisterCustomer,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        ctx.caller.require(Action::ManageCustomers)?;
        let customer_id = input.customer_id.unwrap_or(CustomerId(derived_id(
            ctx.tenant_id(),
            "customer",
            &ctx.idempotency_key,
        )));
        let subject = customer_id.to_string();
        let fingerprinted = self
            .runner
            .blind(ctx.tenant_id(), Some(&subject), &input, "/contact")
            .await?;
        run!(
            self,
            self.stores.customers.as_ref(),
            ctx,
            "RegisterCustomer",
            customer_id,
            &fingerprinted,
            None,
            |_| CustomerCommand::Register {
                tenant_id: ctx.tenant_id(),
                customer_id,
                contact: input.contact.clone(),
                tax: input.tax.clone(),
            }
        )
    }

    /// Replaces a customer's contact details.
    pub async fn update_customer_contact(
        &self,
        ctx: &CommandContext,
        customer_id: CustomerId,
        contact: ContactDetails,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        ctx.caller.require(Action::ManageCustomers)?;
        let subject = customer_id.to_string();
        let fingerprinted = self
            .runner
            .blind(ctx.tenant_id(), Some(&subject), &contact, "")
            .await?;
        run!(
            self,
            self.stores.customers.as_ref(),
            ctx,
            "UpdateCustomerContact",
            customer_id,
            &fingerprinted,
            None,
            |_| CustomerCommand::UpdateContact {
                contact: contact.clone()
            }
        )
    }

    /// Replaces a customer's tax details.
    pub async fn update_customer_tax_details(
        &self,
        ctx: &CommandContext,
        customer_id: CustomerId,
        tax: TaxDetails,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        ctx.caller.require(Action::ManageCustomers)?;
        run!(
            self,
            self.stores.customers.as_ref(),
            ctx,
            "UpdateCustomerTaxDetails",
            customer_id,
            &tax,
            None,
            |_| CustomerCommand::UpdateTaxDetails { tax: tax.clone() }
        )
    }

    /// Archives a customer.
    pub async fn archive_customer(
        &self,
        ctx: &CommandContext,
        customer_id: CustomerId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        ctx.caller.require(Action::ManageCustomers)?;
        run!(
            self,
            self.stores.customers.as_ref(),
            ctx,
            "ArchiveCustomer",
            customer_id,
            &reason,
            None,
            |_| CustomerCommand::Archive {
                reason: reason.clone()
            }
        )
    }

    /// Erases a customer's personal data (GDPR art. 17): the store destroys the key
    /// its contact details were sealed with, so they read as erased everywhere,
    /// history included. Erasing again changes nothing.
    pub async fn erase_customer_personal_data(
        &self,
        ctx: &CommandContext,
        customer_id: CustomerId,
        reason: String,
    ) -> Result<CommandOutcome, CommandError<CustomerError>> {
        ctx.caller.require(Action::ErasePersonalData)?;
        run!(
            self,
            self.stores.customers.as_ref(),
            ctx,
            "EraseCustomerPersonalData",
            customer_id,
            &reason,
            None,
            |_| CustomerCommand::ErasePersonalData {
                reason: reason.clone()
            }
        )
    }
}
