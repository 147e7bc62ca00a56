-- The admin's list of a council's users (FindUsers), newest id first.
CREATE INDEX users_authority ON users(authority_id, id);
