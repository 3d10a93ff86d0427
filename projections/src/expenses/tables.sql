-- Read models of the `expenses` projector: expense claims with their approvals and
-- policy violations, reimbursement batches, and the by-category report view. Runs
-- with search_path set to the target schema (folio_read, or a rebuild's staging
-- schema), so names are unqualified. Documented for BI in schemas/read_models.md.

CREATE TABLE expenses
(
    tenant_id              uuid        NOT NULL,
    expense_id             uuid        NOT NULL,
    employee_id            text        NOT NULL,
    status                 text        NOT NULL CHECK (status IN ('PENDING_APPROVAL', 'RETURNED', 'APPROVED', 'REJECTED', 'REIMBURSED')),
    incurred_on            date        NOT NULL,
    merchant               text        NOT NULL,
    category               text        NOT NULL,
    currency               text        NOT NULL,
    amount                 numeric     NOT NULL,
    tax_amount             numeric,
    description            text        NOT NULL,
    receipt_ref            text,
    exchange_currency      text,
    exchange_rate          numeric,
    converted_amount       numeric,
    exchange_rate_source   text,
    approval_round         integer     NOT NULL,
    approvals_required     integer     NOT NULL,
    approvals_so_far       integer     NOT NULL,
    policy_violation_count integer     NOT NULL,
    submitted_at           timestamptz NOT NULL,
    decided_at             timestamptz,
    decided_by             text,
    decision_reason        text,
    reimbursed_on          date,
    reimbursement_batch    text,
    reimbursed_amount      numeric,
    updated_at             timestamptz NOT NULL,
    version                bigint      NOT NULL,
    PRIMARY KEY (tenant_id, expense_id)
);
CREATE INDEX expenses_by_employee ON expenses (tenant_id, employee_id, incurred_on);
CREATE INDEX expenses_by_status ON expenses (tenant_id, status, incurred_on);
CREATE INDEX expenses_by_category ON expenses (tenant_id, category, incurred_on);

COMMENT ON TABLE expenses IS 'Expense claims, one row per expense.';
COMMENT ON COLUMN expenses.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN expenses.expense_id IS 'Expense id.';
COMMENT ON COLUMN expenses.employee_id IS 'Employee who claims it (their user id).';
COMMENT ON COLUMN expenses.status IS 'PENDING_APPROVAL, RETURNED, APPROVED, REJECTED or REIMBURSED.';
COMMENT ON COLUMN expenses.incurred_on IS 'When the cost was incurred.';
COMMENT ON COLUMN expenses.merchant IS 'Who was paid.';
COMMENT ON COLUMN expenses.category IS 'Expense category, e.g. travel, meals.';
COMMENT ON COLUMN expenses.currency IS 'ISO 4217 currency of amount and tax_amount.';
COMMENT ON COLUMN expenses.amount IS 'Amount claimed, tax included.';
COMMENT ON COLUMN expenses.tax_amount IS 'Tax contained in amount, if known.';
COMMENT ON COLUMN expenses.description IS 'What it was for.';
COMMENT ON COLUMN expenses.receipt_ref IS 'Reference of the attached receipt, if any.';
COMMENT ON COLUMN expenses.exchange_currency IS 'Currency the employee stated an exchange rate into (the policy''s), if any.';
COMMENT ON COLUMN expenses.exchange_rate IS 'Units of exchange_currency per unit of currency, as stated with the claim.';
COMMENT ON COLUMN expenses.converted_amount IS 'amount × exchange_rate, rounded half-up to exchange_currency''s minor unit: what the policy compared.';
COMMENT ON COLUMN expenses.exchange_rate_source IS 'Where the rate comes from (card statement, reference rate), if said.';
COMMENT ON COLUMN expenses.approval_round IS 'Starts at 1; each amendment after a return starts a new round of approvals.';
COMMENT ON COLUMN expenses.approvals_required IS 'Distinct approvals the policy asks for.';
COMMENT ON COLUMN expenses.approvals_so_far IS 'Approvals given in the current round.';
COMMENT ON COLUMN expenses.policy_violation_count IS 'Policy rules broken (details in expense_policy_violations).';
COMMENT ON COLUMN expenses.submitted_at IS 'When it was first submitted (event time).';
COMMENT ON COLUMN expenses.decided_at IS 'When it was last approved, rejected or returned (event time).';
COMMENT ON COLUMN expenses.decided_by IS 'Who made that decision.';
COMMENT ON COLUMN expenses.decision_reason IS 'Reason given for a rejection or a return.';
COMMENT ON COLUMN expenses.reimbursed_on IS 'Date the employee was paid back.';
COMMENT ON COLUMN expenses.reimbursement_batch IS 'Payment batch it was paid in (reimbursement_batches).';
COMMENT ON COLUMN expenses.reimbursed_amount IS 'Amount paid back.';
COMMENT ON COLUMN expenses.updated_at IS 'Time of the last event applied to this row.';
COMMENT ON COLUMN expenses.version IS 'Sequence of the last event of this expense applied (the aggregate version).';

CREATE TABLE expense_approvals
(
    tenant_id      uuid        NOT NULL,
    expense_id     uuid        NOT NULL,
    approval_round integer     NOT NULL,
    approver_id    text        NOT NULL,
    approved_at    timestamptz NOT NULL,
    comment        text,
    PRIMARY KEY (tenant_id, expense_id, approval_round, approver_id)
);

COMMENT ON TABLE expense_approvals IS 'Every approval given, per round (earlier rounds are kept for the record).';
COMMENT ON COLUMN expense_approvals.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN expense_approvals.expense_id IS 'Expense (expenses.expense_id).';
COMMENT ON COLUMN expense_approvals.approval_round IS 'Round the approval counts for (expenses.approval_round).';
COMMENT ON COLUMN expense_approvals.approver_id IS 'Who approved.';
COMMENT ON COLUMN expense_approvals.approved_at IS 'When.';
COMMENT ON COLUMN expense_approvals.comment IS 'Comment, if any.';

CREATE TABLE expense_policy_violations
(
    tenant_id    uuid    NOT NULL,
    expense_id   uuid    NOT NULL,
    ordinal      integer NOT NULL,
    kind         text    NOT NULL CHECK (kind IN ('CATEGORY_LIMIT_EXCEEDED', 'RECEIPT_MISSING', 'POSSIBLE_DUPLICATE')),
    category     text,
    limit_amount numeric,
    currency     text,
    duplicate_of uuid[],
    PRIMARY KEY (tenant_id, expense_id, ordinal)
);

COMMENT ON TABLE expense_policy_violations IS 'Policy rules the current version of an expense breaks.';
COMMENT ON COLUMN expense_policy_violations.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN expense_policy_violations.expense_id IS 'Expense (expenses.expense_id).';
COMMENT ON COLUMN expense_policy_violations.ordinal IS 'Position in the list, from 1.';
COMMENT ON COLUMN expense_policy_violations.kind IS 'CATEGORY_LIMIT_EXCEEDED, RECEIPT_MISSING, or POSSIBLE_DUPLICATE (other expenses of the tenant with the same amount, incurred date and merchant).';
COMMENT ON COLUMN expense_policy_violations.category IS 'The category whose limit was exceeded.';
COMMENT ON COLUMN expense_policy_violations.limit_amount IS 'The category limit, or the amount above which a receipt is required; NULL for a possible duplicate.';
COMMENT ON COLUMN expense_policy_violations.currency IS 'ISO 4217 currency of limit_amount; NULL for a possible duplicate.';
COMMENT ON COLUMN expense_policy_violations.duplicate_of IS 'For POSSIBLE_DUPLICATE: the expenses (expenses.expense_id) it looks like, as found when it was submitted or amended.';

CREATE TABLE reimbursement_batches
(
    tenant_id           uuid    NOT NULL,
    batch_reference     text    NOT NULL,
    currency            text    NOT NULL,
    expense_count       integer NOT NULL,
    total_amount        numeric NOT NULL,
    first_reimbursed_on date    NOT NULL,
    last_reimbursed_on  date    NOT NULL,
    PRIMARY KEY (tenant_id, batch_reference, currency)
);

COMMENT ON TABLE reimbursement_batches IS 'Payment batches that paid employees back, per currency.';
COMMENT ON COLUMN reimbursement_batches.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN reimbursement_batches.batch_reference IS 'Reference of the payment batch.';
COMMENT ON COLUMN reimbursement_batches.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN reimbursement_batches.expense_count IS 'Expenses paid in the batch.';
COMMENT ON COLUMN reimbursement_batches.total_amount IS 'Sum paid.';
COMMENT ON COLUMN reimbursement_batches.first_reimbursed_on IS 'Earliest reimbursement date in the batch.';
COMMENT ON COLUMN reimbursement_batches.last_reimbursed_on IS 'Latest reimbursement date in the batch.';

CREATE VIEW expenses_by_category_month WITH (security_invoker = true) AS
SELECT tenant_id,
       date_trunc('month', incurred_on)::date AS month,
       category,
       currency,
       count(*) FILTER (WHERE status <> 'REJECTED') AS expense_count,
       public.in_minor_units(coalesce(sum(amount) FILTER (WHERE status <> 'REJECTED'), 0), currency)
           AS claimed_amount,
       public.in_minor_units(coalesce(sum(amount) FILTER (WHERE status IN ('APPROVED', 'REIMBURSED')), 0), currency)
           AS approved_amount,
       public.in_minor_units(coalesce(sum(reimbursed_amount) FILTER (WHERE status = 'REIMBURSED'), 0), currency)
           AS reimbursed_amount,
       public.in_minor_units(coalesce(sum(amount) FILTER (WHERE status = 'REJECTED'), 0), currency)
           AS rejected_amount
FROM expenses
GROUP BY tenant_id, date_trunc('month', incurred_on), category, currency;

COMMENT ON VIEW expenses_by_category_month IS 'Expenses per category, month incurred and currency.';
COMMENT ON COLUMN expenses_by_category_month.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN expenses_by_category_month.month IS 'First day of the month the costs were incurred.';
COMMENT ON COLUMN expenses_by_category_month.category IS 'Expense category.';
COMMENT ON COLUMN expenses_by_category_month.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN expenses_by_category_month.expense_count IS 'Expenses not rejected.';
COMMENT ON COLUMN expenses_by_category_month.claimed_amount IS 'Sum claimed, rejected expenses excluded.';
COMMENT ON COLUMN expenses_by_category_month.approved_amount IS 'Sum approved (reimbursed or not).';
COMMENT ON COLUMN expenses_by_category_month.reimbursed_amount IS 'Sum paid back.';
COMMENT ON COLUMN expenses_by_category_month.rejected_amount IS 'Sum rejected.';
