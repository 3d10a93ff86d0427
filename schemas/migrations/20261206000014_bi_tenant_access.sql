-- Tenant-scoped BI access. `folio bi grant --tenant T --role NAME` makes NAME a
-- login role in folio_bi_tenant and records T for it in bi_tenant_grants; every
-- read-model table (created with its policies, see projections/src/rebuild.rs)
-- lets folio_bi_tenant read only the rows of the tenant granted to the session's
-- user, whatever it queries. folio_bi keeps reading every tenant (the operator's
-- own analytics).

DO
$$
BEGIN
    CREATE ROLE folio_bi_tenant NOLOGIN;
    COMMENT ON ROLE folio_bi_tenant IS 'Read-only access to one tenant''s rows of the folio_read schema; its members are made by folio bi grant.';
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END;
$$;

GRANT USAGE ON SCHEMA folio_read TO folio_bi_tenant;

CREATE TABLE public.bi_tenant_grants
(
    role_name  text PRIMARY KEY,
    tenant_id  uuid        NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE public.bi_tenant_grants IS 'Which tenant each login role made by folio bi grant may read; written by folio bi grant and revoke only.';
COMMENT ON COLUMN public.bi_tenant_grants.role_name IS 'The login role (a member of folio_bi_tenant).';
COMMENT ON COLUMN public.bi_tenant_grants.tenant_id IS 'The one tenant whose read-model rows it sees.';

-- The tenant of the session's user: the policies' one source. It runs as its
-- owner, so the BI roles need no access to the grants themselves; keyed by
-- session_user, so SET ROLE changes nothing.
CREATE FUNCTION public.bi_granted_tenant() RETURNS uuid
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, public
AS
$$
SELECT tenant_id FROM public.bi_tenant_grants WHERE role_name = session_user
$$;

COMMENT ON FUNCTION public.bi_granted_tenant() IS 'The tenant granted to the session''s user by folio bi grant (NULL: none, so no rows).';
REVOKE ALL ON FUNCTION public.bi_granted_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.bi_granted_tenant() TO folio_bi_tenant;
