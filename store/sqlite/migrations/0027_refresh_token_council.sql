-- The council a session works in (#14): a supplier that switched to another
-- council keeps it across a refresh. The id of that council, '' for the
-- user's own.
ALTER TABLE refresh_tokens ADD COLUMN council TEXT NOT NULL DEFAULT '';
