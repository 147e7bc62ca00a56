-- A proposal made from the previous one after a few pledges changed
-- (domain.AllocationDelta) is kept as its differences from the last
-- proposal of the authority stored in full: base_id names that proposal,
-- items_json holds the items set and gone_json the pledges gone. Storing
-- all the items again (JSON of ~40 MB at 100,000 pledges) was most of a
-- warm proposal's cost. base_id is '' for a proposal stored in full.
ALTER TABLE allocations ADD COLUMN base_id TEXT NOT NULL DEFAULT '';
ALTER TABLE allocations ADD COLUMN gone_json TEXT NOT NULL DEFAULT '[]';
