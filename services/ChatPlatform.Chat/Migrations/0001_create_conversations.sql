-- Conversations and their message trees. Every row leads with user_id so the tables can be distributed by user.
CREATE TABLE conversations (
    user_id         uuid        NOT NULL,
    id              uuid        NOT NULL,
    title           text,
    model           text        NOT NULL,
    system_prompt   text,
    current_leaf_id uuid,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    deleted_at      timestamptz,
    PRIMARY KEY (user_id, id)
);

-- A user's list, newest first, read by keyset (updated_at, id).
CREATE INDEX conversations_by_recency ON conversations (user_id, updated_at DESC, id DESC) WHERE deleted_at IS NULL;

-- A tree per conversation: editing a message adds a sibling (same parent), sibling_index numbers them in order of creation.
CREATE TABLE messages (
    user_id         uuid        NOT NULL,
    conversation_id uuid        NOT NULL,
    id              uuid        NOT NULL,
    parent_id       uuid,
    role            text        NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
    content         text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('complete', 'streaming', 'stopped', 'interrupted', 'failed')),
    model           text,
    created_at      timestamptz NOT NULL,
    sibling_index   int         NOT NULL,
    PRIMARY KEY (user_id, id)
);

CREATE INDEX messages_by_parent ON messages (user_id, conversation_id, parent_id);
