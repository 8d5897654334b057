-- Reasoning models (OpenAI's o-series, gpt-5 reasoning models) reject a sampling temperature. Every model stored so
-- far took one, so the column defaults to true; the router drops a temperature sent for a model where it is false.
ALTER TABLE models ADD COLUMN temperature boolean NOT NULL DEFAULT true;
