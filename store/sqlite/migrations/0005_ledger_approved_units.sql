-- A pledge's approved units, floor(quantity x approved pence / value pence),
-- worked out without passing int64: quantity x approved pence passes it
-- from 9.2e18 (half a billion units approved for £300m), where SQLite
-- went over to a REAL, the row kept a fraction and every ledger read of
-- the council failed. With q < 2^30 and the pence < 2^40 (the domain's
-- limits): q = qh*2^15 + ql, and floor(q*a/v) = floor(qh*a/v)*2^15 +
-- floor(((qh*a mod v)*2^15 + ql*a)/v), each product under 2^56. The
-- definition is domain.LedgerSumsOf.
DROP TRIGGER pledge_ledger_upsert_insert;
DROP TRIGGER pledge_ledger_upsert_update;
DROP TRIGGER pledge_ledger_upsert_delivery_insert;
DROP TRIGGER pledge_ledger_upsert_delivery_update;
CREATE TRIGGER pledge_ledger_upsert_insert AFTER INSERT ON pledges BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT NEW.id, NEW.authority_id, NEW.contract_id, NEW.organisation_id, NEW.request_org_id,
		COALESCE(NULLIF(NEW.area, ''), (SELECT area FROM requests WHERE id = NEW.request_id), ''),
		NEW.theme, substr(NEW.created_at, 1, 7), NEW.measure_code, NEW.status,
		CASE WHEN NEW.due_date = '' THEN 0 ELSE COALESCE(unixepoch(NEW.due_date), 0) END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.quantity END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.value_pence END,
		CASE WHEN NEW.value_pence > 0 THEN ((NEW.quantity >> 15) * NEW.approved_pence / NEW.value_pence) * 32768 + ((NEW.quantity >> 15) * NEW.approved_pence % NEW.value_pence * 32768 + (NEW.quantity & 32767) * NEW.approved_pence) / NEW.value_pence ELSE 0 END,
		NEW.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3) WHERE true ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER pledge_ledger_upsert_update AFTER UPDATE ON pledges BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT NEW.id, NEW.authority_id, NEW.contract_id, NEW.organisation_id, NEW.request_org_id,
		COALESCE(NULLIF(NEW.area, ''), (SELECT area FROM requests WHERE id = NEW.request_id), ''),
		NEW.theme, substr(NEW.created_at, 1, 7), NEW.measure_code, NEW.status,
		CASE WHEN NEW.due_date = '' THEN 0 ELSE COALESCE(unixepoch(NEW.due_date), 0) END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.quantity END,
		CASE WHEN NEW.status IN ('withdrawn', 'declined') THEN 0 ELSE NEW.value_pence END,
		CASE WHEN NEW.value_pence > 0 THEN ((NEW.quantity >> 15) * NEW.approved_pence / NEW.value_pence) * 32768 + ((NEW.quantity >> 15) * NEW.approved_pence % NEW.value_pence * 32768 + (NEW.quantity & 32767) * NEW.approved_pence) / NEW.value_pence ELSE 0 END,
		NEW.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = NEW.id AND lstage >= 3) WHERE true ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER pledge_ledger_upsert_delivery_insert AFTER INSERT ON deliveries BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT p.id, p.authority_id, p.contract_id, p.organisation_id, p.request_org_id,
		COALESCE(NULLIF(p.area, ''), (SELECT area FROM requests WHERE id = p.request_id), ''),
		p.theme, substr(p.created_at, 1, 7), p.measure_code, p.status,
		CASE WHEN p.due_date = '' THEN 0 ELSE COALESCE(unixepoch(p.due_date), 0) END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.quantity END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.value_pence END,
		CASE WHEN p.value_pence > 0 THEN ((p.quantity >> 15) * p.approved_pence / p.value_pence) * 32768 + ((p.quantity >> 15) * p.approved_pence % p.value_pence * 32768 + (p.quantity & 32767) * p.approved_pence) / p.value_pence ELSE 0 END,
		p.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3) FROM pledges p WHERE p.id = NEW.pledge_id ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
CREATE TRIGGER pledge_ledger_upsert_delivery_update AFTER UPDATE ON deliveries BEGIN
	INSERT INTO pledge_ledger (pledge_id, authority_id, contract_id, supplier_id, request_org_id, area, theme, month, measure_code, status, due, pledged_qty, pledged_pence, approved_qty, approved_pence,
	delivered_qty, delivered_pence, confirmed_qty, confirmed_pence, verified_qty, verified_pence) SELECT p.id, p.authority_id, p.contract_id, p.organisation_id, p.request_org_id,
		COALESCE(NULLIF(p.area, ''), (SELECT area FROM requests WHERE id = p.request_id), ''),
		p.theme, substr(p.created_at, 1, 7), p.measure_code, p.status,
		CASE WHEN p.due_date = '' THEN 0 ELSE COALESCE(unixepoch(p.due_date), 0) END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.quantity END,
		CASE WHEN p.status IN ('withdrawn', 'declined') THEN 0 ELSE p.value_pence END,
		CASE WHEN p.value_pence > 0 THEN ((p.quantity >> 15) * p.approved_pence / p.value_pence) * 32768 + ((p.quantity >> 15) * p.approved_pence % p.value_pence * 32768 + (p.quantity & 32767) * p.approved_pence) / p.value_pence ELSE 0 END,
		p.approved_pence, (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage > 0), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage IN (2, 4)), (SELECT COALESCE(SUM(quantity), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3), (SELECT COALESCE(SUM(value_pence), 0) FROM deliveries WHERE pledge_id = p.id AND lstage >= 3) FROM pledges p WHERE p.id = NEW.pledge_id ON CONFLICT (pledge_id) DO UPDATE SET authority_id = excluded.authority_id, contract_id = excluded.contract_id, supplier_id = excluded.supplier_id, request_org_id = excluded.request_org_id, area = excluded.area, theme = excluded.theme, month = excluded.month, measure_code = excluded.measure_code, status = excluded.status, due = excluded.due, pledged_qty = excluded.pledged_qty, pledged_pence = excluded.pledged_pence, approved_qty = excluded.approved_qty, approved_pence = excluded.approved_pence, delivered_qty = excluded.delivered_qty, delivered_pence = excluded.delivered_pence, confirmed_qty = excluded.confirmed_qty, confirmed_pence = excluded.confirmed_pence, verified_qty = excluded.verified_qty, verified_pence = excluded.verified_pence;
END;
UPDATE pledge_ledger SET approved_qty = (SELECT CASE WHEN p.value_pence > 0 THEN ((p.quantity >> 15) * p.approved_pence / p.value_pence) * 32768 + ((p.quantity >> 15) * p.approved_pence % p.value_pence * 32768 + (p.quantity & 32767) * p.approved_pence) / p.value_pence ELSE 0 END
	FROM pledges p WHERE p.id = pledge_ledger.pledge_id)
	WHERE pledge_id IN (SELECT id FROM pledges WHERE approved_pence > 0 AND quantity > 9223372036854775807 / approved_pence);
