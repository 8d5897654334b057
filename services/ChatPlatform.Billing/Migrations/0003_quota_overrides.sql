-- A user's own daily and monthly quotas, set by an admin in place of the tier's (docs/usage.md "Quotas"); a null
-- column is the tier's value. Mirrored into Redis, where the quota check reads it; this table is the truth.
CREATE TABLE quota_overrides (
    user_id          uuid        PRIMARY KEY,
    daily_tokens     bigint      CHECK (daily_tokens >= 0),
    daily_cost_usd   numeric     CHECK (daily_cost_usd >= 0),
    monthly_tokens   bigint      CHECK (monthly_tokens >= 0),
    monthly_cost_usd numeric     CHECK (monthly_cost_usd >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Billing's admin changes (quota overrides), as the router's and the gateway's: who, when, before and after, written in
-- the transaction of the change.
CREATE TABLE admin_audit (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    uuid,
    user_email text,
    action     text        NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    entity     text        NOT NULL CHECK (entity IN ('quota_overrides')),
    entity_id  text        NOT NULL,
    before     jsonb,
    after      jsonb
);
