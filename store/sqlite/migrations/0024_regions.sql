-- Regions (partnerships of councils) and the people of the platform: a
-- region officer belongs to a region (region_id, region_slug), a platform
-- admin to no council and no region (both empty, like its authority_id).
CREATE TABLE regions (id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE, name TEXT NOT NULL, authorities_json TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL);
ALTER TABLE users ADD COLUMN region_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN region_slug TEXT NOT NULL DEFAULT '';
-- A supplier's record in a council other than its home names the home
-- organisation (home_id); '' for the home itself.
ALTER TABLE organisations ADD COLUMN home_id TEXT NOT NULL DEFAULT '';
CREATE INDEX organisations_home ON organisations(home_id, id);
