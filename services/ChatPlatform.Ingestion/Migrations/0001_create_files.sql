-- A user's files: what was uploaded, where its bytes are, and how far processing got (docs/files.md).
CREATE TABLE files (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL,
    -- Display text only, never a path: control characters removed, at most 255 characters.
    name        text NOT NULL,
    media_type  text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('document', 'text', 'image')),
    size_bytes  bigint NOT NULL CHECK (size_bytes >= 0),
    -- Null until the bytes are checked (a SAS upload not completed yet).
    sha256      text,
    -- The blob that holds the bytes: "uploads/{id}" until checked, then "files/{user_id}/{sha256}".
    blob_name   text NOT NULL,
    status      text NOT NULL CHECK (status IN ('uploading', 'pending', 'processing', 'ready', 'failed', 'quarantined')),
    progress    smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    pages       integer,
    chunks      integer,
    error       text,
    -- Processing attempts so far: a file that fails every attempt is failed for good after a few.
    attempts    smallint NOT NULL DEFAULT 0,
    -- Image size, when the file is an image.
    width       integer,
    height      integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- My files, newest first, paged by id (UUIDv7 ids sort by creation time).
CREATE INDEX files_by_user ON files (user_id, id DESC);
-- Whether other files of the user still reference a blob, and the per-user deduplication.
CREATE INDEX files_by_user_sha256 ON files (user_id, sha256) WHERE sha256 IS NOT NULL;
