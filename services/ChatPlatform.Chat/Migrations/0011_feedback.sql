-- Thumbs up or down on an answer, with an optional comment (issue 20): one per answer per user, changeable. It goes with
-- its message (a conversation's or an account's deletion removes the messages, and so this).
CREATE TABLE message_feedback (
    user_id         uuid        NOT NULL,
    message_id      uuid        NOT NULL,
    conversation_id uuid        NOT NULL,
    rating          smallint    NOT NULL CHECK (rating IN (-1, 1)),
    comment         text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, message_id),
    FOREIGN KEY (user_id, message_id) REFERENCES messages (user_id, id) ON DELETE CASCADE
);

-- A conversation's feedback, read when the conversation opens.
CREATE INDEX message_feedback_by_conversation ON message_feedback (user_id, conversation_id);
-- The admins' "recent feedback" across every user: not led by user_id on purpose, like the sweeper's scan.
CREATE INDEX message_feedback_recent ON message_feedback (updated_at DESC, message_id DESC);
