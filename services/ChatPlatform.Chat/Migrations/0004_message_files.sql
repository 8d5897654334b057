-- The files a user message attached, written in the transaction that writes the message. The name, media type and kind
-- are ingestion's at that moment: the conversation still names its files after they are renamed or deleted.
CREATE TABLE message_files (
    user_id    uuid NOT NULL,
    message_id uuid NOT NULL,
    ordinal    int  NOT NULL,
    file_id    uuid NOT NULL,
    name       text NOT NULL,
    media_type text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('document', 'text', 'image')),
    PRIMARY KEY (user_id, message_id, ordinal),
    UNIQUE (user_id, message_id, file_id)
);

-- The numbered sources an answer cited: [{"source", "fileId", "fileName", "page"}]; NULL for an answer without any.
ALTER TABLE messages ADD COLUMN citations jsonb;

-- Whether any message of the conversation ever attached a file: a turn walks its path for files only then.
ALTER TABLE conversations ADD COLUMN has_files boolean NOT NULL DEFAULT false;
