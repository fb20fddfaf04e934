-- Service-account mode: people signed in through a sign-in proxy have no Airtable tokens of
-- their own (the console acts with the service token), so their sign-ins store none.
ALTER TABLE logins ALTER COLUMN access_token DROP NOT NULL;
ALTER TABLE logins ALTER COLUMN access_expires_at DROP NOT NULL;
