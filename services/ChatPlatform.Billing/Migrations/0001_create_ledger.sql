-- The usage ledger: one row per answer, from the usage.recorded events on the event log (docs/usage.md).
-- event_id is unique: a replayed or redelivered event inserts nothing, so nothing is ever counted twice.
-- Money is numeric, never float: sums are exact to the last digit the router priced with.
CREATE TABLE ledger (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id                 uuid        NOT NULL UNIQUE,
    user_id                  uuid        NOT NULL,
    source                   text        NOT NULL CHECK (source IN ('chat', 'api')),
    conversation_id          uuid,
    message_id               uuid,
    api_key_id               uuid,
    -- How the answer ended (complete, stopped, failed, interrupted); null when the producer does not say.
    status                   text,
    model                    text        NOT NULL,
    deployment               text        NOT NULL,
    provider                 text        NOT NULL,
    input_tokens             bigint      NOT NULL CHECK (input_tokens >= 0),
    cached_input_tokens      bigint      NOT NULL CHECK (cached_input_tokens >= 0),
    output_tokens            bigint      NOT NULL CHECK (output_tokens >= 0),
    -- True when the tokens were counted by us, not reported by the provider.
    estimated                boolean     NOT NULL,
    -- Who priced it: the router (its deployment's price, in the event), billing (the model's catalog price, for an
    -- answer whose deployment is unknown), or nobody (the model is no longer in the catalog: cost 0).
    priced_by                text        NOT NULL CHECK (priced_by IN ('router', 'billing', 'unpriced')),
    -- US dollars per million tokens, when billing priced it; the router's price is folded into cost_usd.
    input_per_million        numeric(20, 10),
    cached_input_per_million numeric(20, 10),
    output_per_million       numeric(20, 10),
    cost_usd                 numeric(20, 10) NOT NULL CHECK (cost_usd >= 0),
    occurred_at              timestamptz NOT NULL,
    recorded_at              timestamptz NOT NULL DEFAULT now()
);

-- A user's entries by time (their own export, support) and everyone's by time (the admin export).
CREATE INDEX ledger_by_user ON ledger (user_id, occurred_at);
CREATE INDEX ledger_by_time ON ledger (occurred_at);

-- Per user, UTC day and model, kept up to date in the statement that inserts the ledger row: what every usage read
-- sums, so a read touches at most (days x models) rows per user, never the ledger.
CREATE TABLE daily_usage (
    user_id             uuid    NOT NULL,
    day                 date    NOT NULL,
    model               text    NOT NULL,
    answers             bigint  NOT NULL,
    input_tokens        bigint  NOT NULL,
    cached_input_tokens bigint  NOT NULL,
    output_tokens       bigint  NOT NULL,
    cost_usd            numeric(24, 10) NOT NULL,
    PRIMARY KEY (user_id, day, model)
);

-- The admin's reads over every user: by day.
CREATE INDEX daily_usage_by_day ON daily_usage (day, model);
