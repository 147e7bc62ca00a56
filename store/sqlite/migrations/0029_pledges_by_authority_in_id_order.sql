-- Every pledge of a council, newest id first, a page at a time (the
-- matcher's snapshot reads them all): pledges_authority (authority_id,
-- status, id) cannot give them in id order without a status, so each page
-- sorted every pledge of the council after its cursor in a temporary
-- b-tree (at 100,000 pledges, 20 pages of up to 100,000 rows each).
CREATE INDEX pledges_authority_id ON pledges(authority_id, id);
