-- Every change made through the admin API: who (from the internal token: user id, and email when it carried one),
-- when, what (action, entity kind, id), and the entry before and after as jsonb. Rows are written in the transaction of
-- the change they describe, so a change is never without its row. Entries hold setting NAMES, never key values.
CREATE TABLE admin_audit (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    uuid,
    user_email text,
    action     text        NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    entity     text        NOT NULL CHECK (entity IN ('model', 'deployment')),
    entity_id  text        NOT NULL,
    before     jsonb,
    after      jsonb
);
