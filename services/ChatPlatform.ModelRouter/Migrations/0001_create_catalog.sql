-- The model catalog. Rows come from the built-in defaults and configuration (upserted at start-up) or from the admin
-- API; `source` says which, so start-up seeding can retire its own stale rows without touching admin-created ones.
-- Secrets are never stored: api_key_setting holds the NAME of the configuration entry that holds the key.
-- `version` grows by one on every change, for optimistic concurrency and to see whether a reseed changed anything.
CREATE TABLE models (
    id                text        PRIMARY KEY CHECK (id ~ '^[a-z0-9._-]{1,64}$'),
    display_name      text        NOT NULL,
    context_window    integer     NOT NULL CHECK (context_window > 0),
    max_output_tokens integer     NOT NULL CHECK (max_output_tokens > 0),
    vision            boolean     NOT NULL DEFAULT false,
    tools             boolean     NOT NULL DEFAULT false,
    strategy          text        NOT NULL CHECK (strategy IN ('Priority', 'Weighted', 'LowestLatency', 'LowestCost')),
    enabled           boolean     NOT NULL DEFAULT true,
    source            text        NOT NULL CHECK (source IN ('default', 'configuration', 'admin')),
    version           bigint      NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE deployments (
    id                       text          PRIMARY KEY CHECK (id ~ '^[a-z0-9._-]{1,64}$'),
    model_id                 text          NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    provider                 text          NOT NULL CHECK (provider IN ('OpenAI', 'AzureOpenAI', 'OpenAICompatible', 'Anthropic', 'Simulator')),
    provider_model           text          NOT NULL,
    endpoint                 text,
    api_key_setting          text          CHECK (api_key_setting ~ '^[A-Za-z_][A-Za-z0-9_:]{0,127}$'),
    priority                 integer       NOT NULL CHECK (priority >= 0),
    weight                   integer       NOT NULL CHECK (weight >= 0),
    input_per_million        numeric(18,6) NOT NULL CHECK (input_per_million >= 0),
    cached_input_per_million numeric(18,6) NOT NULL CHECK (cached_input_per_million >= 0),
    output_per_million       numeric(18,6) NOT NULL CHECK (output_per_million >= 0),
    enabled                  boolean       NOT NULL DEFAULT true,
    simulator                jsonb,
    source                   text          NOT NULL CHECK (source IN ('default', 'configuration', 'admin')),
    version                  bigint        NOT NULL DEFAULT 1,
    created_at               timestamptz   NOT NULL DEFAULT now(),
    updated_at               timestamptz   NOT NULL DEFAULT now()
);

CREATE INDEX deployments_model_id ON deployments (model_id);
