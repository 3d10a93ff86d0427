-- Read models of the `directory` projector: tenants created with a directory,
-- their users, and each tenant's timezone. Runs with search_path set to the target schema (folio_read, or a
-- rebuild's staging schema), so names are unqualified. Documented for BI in
-- schemas/read_models.md.

CREATE TABLE directory_tenants
(
    tenant_id        uuid        NOT NULL PRIMARY KEY,
    name             text        NOT NULL,
    enrollment       text        NOT NULL CHECK (enrollment IN ('OPEN', 'INVITE_ONLY')),
    approval_routing text        NOT NULL CHECK (approval_routing IN ('ANY_APPROVER', 'EMPLOYEES_MANAGER')),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    version          bigint      NOT NULL
);

COMMENT ON TABLE directory_tenants IS 'Tenants an operator created with a directory, one row each; a tenant without a row trusts its tokens as they are.';
COMMENT ON COLUMN directory_tenants.tenant_id IS 'The tenant.';
COMMENT ON COLUMN directory_tenants.name IS 'Its name.';
COMMENT ON COLUMN directory_tenants.enrollment IS 'OPEN: unknown subjects join on first sight with their token''s roles; INVITE_ONLY: they are refused.';
COMMENT ON COLUMN directory_tenants.approval_routing IS 'ANY_APPROVER, or EMPLOYEES_MANAGER: only the employee''s manager decides on their expenses.';
COMMENT ON COLUMN directory_tenants.created_at IS 'When it was created (event time).';
COMMENT ON COLUMN directory_tenants.updated_at IS 'When its policy last changed (event time).';
COMMENT ON COLUMN directory_tenants.version IS 'The Tenant aggregate''s version.';

CREATE TABLE directory_users
(
    tenant_id    uuid        NOT NULL,
    subject      text        NOT NULL,
    user_id      uuid        NOT NULL,
    status       text        NOT NULL CHECK (status IN ('INVITED', 'ACTIVE', 'DEACTIVATED')),
    roles        text[]      NOT NULL,
    manager      text,
    cost_center  text,
    email        text,
    personal_data_erased boolean NOT NULL DEFAULT false,
    joined_by    text        NOT NULL CHECK (joined_by IN ('INVITATION', 'FIRST_SIGHT')),
    deactivation_reason text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    version      bigint      NOT NULL,
    PRIMARY KEY (tenant_id, subject)
);
CREATE UNIQUE INDEX directory_users_by_id ON directory_users (tenant_id, user_id);
CREATE INDEX directory_users_by_manager ON directory_users (tenant_id, manager);

COMMENT ON TABLE directory_users IS 'Users of each tenant''s directory, one row per token subject.';
COMMENT ON COLUMN directory_users.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN directory_users.subject IS 'The token subject (sub) the user signs in as; also their user id in expenses and approvals.';
COMMENT ON COLUMN directory_users.user_id IS 'The User aggregate''s id (derived from tenant and subject), as in the event log.';
COMMENT ON COLUMN directory_users.status IS 'INVITED (until their first request), ACTIVE or DEACTIVATED (every request refused).';
COMMENT ON COLUMN directory_users.roles IS 'Folio roles the directory grants (admin, accountant, approver, employee, auditor); they replace the token''s.';
COMMENT ON COLUMN directory_users.manager IS 'Subject of their manager, if any.';
COMMENT ON COLUMN directory_users.cost_center IS 'Their cost center code, if any.';
COMMENT ON COLUMN directory_users.email IS 'Where Folio e-mails them (expenses waiting for them, decisions on theirs), if anywhere. Personal data: NULL once erased.';
COMMENT ON COLUMN directory_users.personal_data_erased IS 'Whether an admin erased their personal data (their e-mail address, in the history too).';
COMMENT ON COLUMN directory_users.joined_by IS 'INVITATION by an admin, or FIRST_SIGHT (open enrollment).';
COMMENT ON COLUMN directory_users.deactivation_reason IS 'Why they were deactivated, while they are.';
COMMENT ON COLUMN directory_users.created_at IS 'When they were invited or enrolled (event time).';
COMMENT ON COLUMN directory_users.updated_at IS 'When their entry last changed (event time).';
COMMENT ON COLUMN directory_users.version IS 'The User aggregate''s version.';

CREATE TABLE tenant_timezones
(
    tenant_id  uuid        NOT NULL PRIMARY KEY,
    timezone   text        NOT NULL,
    updated_at timestamptz NOT NULL,
    version    bigint      NOT NULL
);

COMMENT ON TABLE tenant_timezones IS 'The timezone each tenant''s "today" is taken in, for tenants that set one (others: UTC). The API sets it as the session TimeZone of every read, so current_date in overdue and aging follows the tenant; BI sessions should do the same (SET TIME ZONE).';
COMMENT ON COLUMN tenant_timezones.tenant_id IS 'The tenant.';
COMMENT ON COLUMN tenant_timezones.timezone IS 'IANA name, e.g. America/Mexico_City.';
COMMENT ON COLUMN tenant_timezones.updated_at IS 'When it was set (event time).';
COMMENT ON COLUMN tenant_timezones.version IS 'The TenantSettings aggregate''s version.';
