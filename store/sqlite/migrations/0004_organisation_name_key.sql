-- Organisation names are unique per council on a normalised key (NFC,
-- case-folded, spaces collapsed). The key needs Go, so Open fills it for
-- the rows that have none and then creates the unique index
-- (migrateOrganisationNames in organisation.go).
ALTER TABLE organisations ADD COLUMN name_key TEXT;
