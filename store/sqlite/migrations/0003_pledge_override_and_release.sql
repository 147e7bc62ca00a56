-- An officer's override of a request's value and a supplier's request to be
-- released from an award's commitment: JSON of the store's own structs
-- (store/sqlite/pledge.go), '' when there is none.
ALTER TABLE pledges ADD COLUMN override_json TEXT NOT NULL DEFAULT '';
ALTER TABLE pledges ADD COLUMN release_json TEXT NOT NULL DEFAULT '';
