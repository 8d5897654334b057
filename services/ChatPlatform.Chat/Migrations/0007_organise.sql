-- Organising conversations (issue 19): folders, tags, star/pin and archive. Full-text search filters by the same columns,
-- so it joins conversations on (user_id, id) and reuses these indexes.
CREATE TABLE folders (
    user_id    uuid        NOT NULL,
    id         uuid        NOT NULL,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, id)
);

-- Names are unique per user whatever their case; INSERT ... ON CONFLICT on this index answers 409 without a race.
CREATE UNIQUE INDEX folders_by_name ON folders (user_id, lower(name));

ALTER TABLE conversations
    ADD COLUMN folder_id   uuid,
    -- A set of normalised tags (trimmed, lower-case), kept sorted by the writers.
    ADD COLUMN tags        text[]  NOT NULL DEFAULT '{}',
    ADD COLUMN starred     boolean NOT NULL DEFAULT false,
    ADD COLUMN archived_at timestamptz,
    -- A folder going away leaves its conversations without one, never deletes them.
    ADD CONSTRAINT conversations_folder FOREIGN KEY (user_id, folder_id) REFERENCES folders (user_id, id) ON DELETE SET NULL (folder_id);

-- The list orders pinned first, then by last activity: one index per way of reading it, each in that order, so a page is a
-- range scan that stops at the limit. The list without an archived filter hides archived conversations.
CREATE INDEX conversations_listed ON conversations (user_id, starred DESC, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL AND archived_at IS NULL;
CREATE INDEX conversations_archived ON conversations (user_id, starred DESC, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL AND archived_at IS NOT NULL;
-- Not partial: it also serves the foreign key's SET NULL and the folder deletion's update, which read tombstones too.
CREATE INDEX conversations_by_folder ON conversations (user_id, folder_id, starred DESC, updated_at DESC, id DESC);
CREATE INDEX conversations_by_model ON conversations (user_id, model, starred DESC, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
-- tags @> ARRAY[tag]: the conversations carrying a rare tag without walking the user's whole list.
CREATE INDEX conversations_by_tag ON conversations USING gin (tags) WHERE deleted_at IS NULL;
