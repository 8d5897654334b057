-- Which tiers may use a model (issue 18); NULL for every tier. Checked on every chat completion and model listing.
ALTER TABLE models ADD COLUMN tiers text[];
