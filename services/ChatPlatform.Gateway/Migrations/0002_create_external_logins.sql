-- Accounts signed in through an external OpenID Connect issuer: one row per (issuer, subject), pointing at the local
-- user that the gateway's own ids, roles, tiers and data belong to. Looked up by the external identity, so it leads
-- with it; user_id is indexed for deletes.
CREATE TABLE external_logins (
    issuer     text        NOT NULL,
    subject    text        NOT NULL,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX external_logins_user ON external_logins (user_id);
