-- A supplier's confirmation that the people doing the work on a
-- safeguarding request have the checks it needs (who and when, JSON of the
-- store's own struct, '' none), and whether a group has used its one
-- extension of an expired request's deadline.
ALTER TABLE pledges ADD COLUMN safeguarding_json TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN deadline_extended INTEGER NOT NULL DEFAULT 0;
