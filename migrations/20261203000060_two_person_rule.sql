-- The two-person rule's own state (issue 15).

-- Once the console has had two admins, role grants and exemptions need a second admin,
-- for good: this row is written once and never changed or removed (the trigger below
-- refuses both, and the runtime database role may only insert here).
CREATE TABLE two_person_rule (
    id        BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    armed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO two_person_rule (id)
SELECT TRUE WHERE (SELECT count(*) FROM console_users WHERE role = 'admin') >= 2;

CREATE FUNCTION two_person_rule_is_permanent() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the two-person rule cannot be switched off';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER two_person_rule_is_permanent
    BEFORE UPDATE OR DELETE ON two_person_rule
    FOR EACH ROW EXECUTE FUNCTION two_person_rule_is_permanent();

-- People whose console role was taken away: neither CONSOLE_FIRST_ADMIN nor
-- CONSOLE_DEFAULT_ROLE gives them one again at their next sign-in. Only an explicit grant
-- (which removes the row) does.
CREATE TABLE console_role_revocations (
    airtable_user_id  TEXT PRIMARY KEY,
    email             TEXT NOT NULL,
    revoked_by        TEXT NOT NULL,
    revoked_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX console_role_revocations_email ON console_role_revocations (lower(email));

-- Where a sign-in returns to (a local path, e.g. the approval that asked for a fresh
-- sign-in before a decision).
ALTER TABLE oauth_pending ADD COLUMN return_to TEXT;

-- Deletions can no longer be exempted: an exemption given before this version ends.
UPDATE approval_policy SET needs_approval = TRUE, updated_by = 'locked by the console', updated_at = now()
 WHERE NOT needs_approval
   AND kind IN ('delete_user', 'delete_users_by_email', 'remove_user_from_enterprise',
                'delete_workspace', 'delete_base', 'revoke_personal_access_tokens');
