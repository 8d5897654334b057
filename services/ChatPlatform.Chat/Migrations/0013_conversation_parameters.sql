-- Per-conversation sampling parameters (issue 20): null is the model's default. The model's own limits are checked by the
-- API against the router's catalog when they are set; these checks only keep values no model takes out of the table.
ALTER TABLE conversations
    ADD COLUMN temperature       double precision CHECK (temperature >= 0 AND temperature <= 2),
    ADD COLUMN max_output_tokens integer          CHECK (max_output_tokens > 0);
