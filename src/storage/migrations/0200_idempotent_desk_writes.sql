-- Issue 15: the desk's writes replayed after a storage outage are written once.
-- A write whose connection dropped may have been stored already; the engine
-- writes it again once storage is back. Hold periods of one attempt are
-- written in order, so the end of the last one counted tells a replay apart.
ALTER TABLE attempts ADD COLUMN hold_counted_until timestamptz;
