-- An admin may disable an account: it then neither signs in nor uses its sessions, refresh tokens or API keys.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- Every admin change of an account, with the columns of router.admin_audit (one writer: ChatPlatform.Audit): who, when,
-- what, and the account before and after (id, email, role, tier, disabled: never a password hash or a token). Written in
-- the transaction of the change.
CREATE TABLE admin_audit (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    uuid,
    user_email text,
    action     text        NOT NULL CHECK (action IN ('update', 'revoke-sessions')),
    entity     text        NOT NULL CHECK (entity IN ('user')),
    entity_id  text        NOT NULL,
    before     jsonb,
    after      jsonb
);
