-- Two-factor sign-in with an authenticator app (TOTP, RFC 6238). The shared secret is stored encrypted (AES-GCM, the
-- user id as associated data, so a row copied to another user does not decrypt); enabled_at stays null until the user
-- proves with a code that the app has it. last_step is the newest 30-second step a code was accepted for: a code is
-- accepted only for a later step, so none is used twice.
CREATE TABLE two_factor (
    user_id    uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     bytea       NOT NULL,
    enabled_at timestamptz,
    last_step  bigint      NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Single-use recovery codes, as SHA-256 of the user id and the code (80 random bits each); spent ones are deleted.
CREATE TABLE two_factor_recovery_codes (
    user_id   uuid  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
