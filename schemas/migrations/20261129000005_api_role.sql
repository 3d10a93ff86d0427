-- The API reads the read models as folio_api, a role without BYPASSRLS, so the
-- row-level security policies of the read-model tables (created with them, see
-- schemas/read_models/) confine every query to the tenant the request set in
-- folio.tenant_id. The connecting user must be able to SET ROLE to it.

DO
$$
BEGIN
    CREATE ROLE folio_api NOLOGIN;
    COMMENT ON ROLE folio_api IS 'Role the API reads the read models as; row-level security applies to it.';
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END;
$$;

-- A superuser may SET ROLE to any role; anyone else needs the membership.
DO
$$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT folio_api TO %I', current_user);
    END IF;
END;
$$;

GRANT USAGE ON SCHEMA folio_read TO folio_api;
