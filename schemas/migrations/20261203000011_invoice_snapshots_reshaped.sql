-- The invoice aggregate's state now keeps each issued line's net and what credit
-- notes took back per line and per rate, which line-based credit notes are capped
-- by. Snapshots taken before lack them; snapshots are a cache rebuilt from events,
-- so the invoice ones are dropped and the next load folds the full history.
DELETE FROM snapshots WHERE aggregate_type = 'Invoice';
