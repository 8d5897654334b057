-- A direct (SAS) upload's type is known only once its bytes are checked at "complete"; every other file has one.
ALTER TABLE files ALTER COLUMN media_type DROP NOT NULL, ALTER COLUMN kind DROP NOT NULL;
ALTER TABLE files ADD CONSTRAINT files_type_known CHECK (status = 'uploading' OR (media_type IS NOT NULL AND kind IS NOT NULL));
