-- A combined weekly mail lists the held notifications it carries, a JSON
-- list of their ids ('[]' on every other notification).
ALTER TABLE notifications ADD COLUMN parts TEXT NOT NULL DEFAULT '[]';
-- The combined weekly mail reads the held rows due, by user.
CREATE INDEX notifications_held ON notifications(status, user_id, next_at);
