-- Per UTC day and model over every user, kept in the statement that writes each ledger entry: what the admin overview
-- and the admin's by-day and by-model reports sum, so a day costs one row per model instead of one per user and model.
CREATE TABLE daily_totals (
    day                 date    NOT NULL,
    model               text    NOT NULL,
    answers             bigint  NOT NULL,
    input_tokens        bigint  NOT NULL,
    cached_input_tokens bigint  NOT NULL,
    output_tokens       bigint  NOT NULL,
    cost_usd            numeric(24, 10) NOT NULL,
    PRIMARY KEY (day, model)
);

INSERT INTO daily_totals (day, model, answers, input_tokens, cached_input_tokens, output_tokens, cost_usd)
SELECT day, model, sum(answers), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens), sum(cost_usd)
FROM daily_usage GROUP BY day, model;
