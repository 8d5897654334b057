-- Accounts. Emails are stored lower-cased, so the unique index is case-insensitive without citext.
-- Secrets are never stored: passwords as PasswordHasher hashes, refresh tokens and API keys as SHA-256 of the random value.
-- Every user-owned row leads with user_id, so the tables can be distributed by user later without rewrites.
CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    email         text        NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('user', 'admin')),
    tier          text        NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'pro')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (email);

-- One row per issued refresh token; a family is every token descended from one sign-in. Rotation marks the old
-- token used; presenting a used token again revokes the whole family.
CREATE TABLE refresh_tokens (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id         uuid        NOT NULL,
    family_id  uuid        NOT NULL,
    token_hash bytea       NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);
CREATE UNIQUE INDEX refresh_tokens_token_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (user_id, family_id);

CREATE TABLE api_keys (
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id           uuid        NOT NULL,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text        NOT NULL,
    key_hash     bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (user_id, id)
);
CREATE UNIQUE INDEX api_keys_key_hash ON api_keys (key_hash);
