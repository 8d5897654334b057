-- The quota hold a streaming answer was started under (docs/usage.md "Quotas"): whoever ends the answer, its owner or a
-- sweeper on another instance after the owner died, puts it in the usage event (billing settles it) or frees it.
ALTER TABLE messages ADD COLUMN reservation_id text;
