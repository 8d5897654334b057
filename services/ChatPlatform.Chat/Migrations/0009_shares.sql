-- Shared conversations (issue 19): a read-only copy of one branch, reachable by an unguessable id. The public read finds
-- a share by its id alone, so the id is the key (not led by user_id like the other tables); the owner's reads go by
-- shares_by_user. The snapshot is a copy: later edits, branches and deletions of the conversation never show through it.
CREATE TABLE shares (
    id              text        PRIMARY KEY,
    user_id         uuid        NOT NULL,
    conversation_id uuid        NOT NULL,
    leaf_id         uuid        NOT NULL,
    visibility      text        NOT NULL CHECK (visibility IN ('public', 'signed-in')),
    indexable       boolean     NOT NULL DEFAULT false,
    expires_at      timestamptz,
    title           text,
    model           text        NOT NULL,
    -- [{"role", "content", "model", "createdAt", "citations"}], root first: never the system prompt nor the owner.
    snapshot        jsonb       NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- "My shares", newest first by keyset (created_at, id); also what a conversation's deletion and an account's find.
CREATE INDEX shares_by_user ON shares (user_id, created_at DESC, id DESC);
CREATE INDEX shares_by_conversation ON shares (user_id, conversation_id);
