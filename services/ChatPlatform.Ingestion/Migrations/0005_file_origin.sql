-- Where a file came from, which decides what deletes it (docs/files.md, Deleting): 'library' files (the Files page, the
-- API by default) stay until the user deletes them; 'chat' files (the composer's paperclip) belong to the conversations
-- that attach them and go with the last of them. Files uploaded before this column existed are kept: 'library'.
ALTER TABLE files ADD COLUMN origin text NOT NULL DEFAULT 'library' CHECK (origin IN ('library', 'chat'));
