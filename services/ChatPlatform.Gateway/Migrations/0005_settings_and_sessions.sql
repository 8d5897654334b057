-- Each user's preferences, read by the web app on every device so a choice made on one follows to the others. A row is
-- written on the first change; until then the defaults below hold. display_name is the profile's name (the email stays
-- the sign-in identity).
CREATE TABLE user_settings (
    user_id       uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    display_name  text        CHECK (length(display_name) BETWEEN 1 AND 100),
    default_model text        CHECK (length(default_model) BETWEEN 1 AND 200),
    theme         text        NOT NULL DEFAULT 'system' CHECK (theme IN ('system', 'light', 'dark')),
    enter_to_send boolean     NOT NULL DEFAULT true,
    system_prompt text        CHECK (length(system_prompt) <= 100000),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Where each session (a refresh-token family) was signed in from, recorded once at sign-in; its created and last-seen
-- times come from the family's tokens (every refresh issues one), so no request writes here. Sessions begun before this
-- table have no row and show an unknown device.
CREATE TABLE sessions (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id         uuid        NOT NULL,
    user_agent text        NOT NULL CHECK (length(user_agent) <= 512),
    address    text        NOT NULL CHECK (length(address) <= 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);
