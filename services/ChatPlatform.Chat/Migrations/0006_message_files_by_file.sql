-- Whether another conversation of the user still attaches a file, asked when a conversation is deleted.
CREATE INDEX message_files_by_file ON message_files (user_id, file_id);
