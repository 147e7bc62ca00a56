package mongo

import (
	"context"

	"needmatch/domain"
)

// ImportContracts writes an import record by record, each with its audit
// event, in the batch's order (suppliers, contracts, commitments,
// deliveries, then the commitments settled again). MongoDB gives no
// multi-document transaction here: an import cut short leaves the records
// written so far, each complete with its event, and the same file
// imported again writes the rest (the domain plans only what is missing).
func (db *DB) ImportContracts(ctx context.Context, b *domain.ImportBatch) error {
	n := len(b.Organisations) + len(b.Contracts) + len(b.Pledges) + len(b.Deliveries) + len(b.Settled)
	if len(b.Events) != n || len(b.SettledPrev) != len(b.Settled) {
		return domain.Errorf(domain.EINTERNAL, "import: %d events for %d records", len(b.Events), n)
	}
	evs := b.Events
	next := func() *domain.AuditEvent { ev := evs[0]; evs = evs[1:]; return ev }
	for _, o := range b.Organisations {
		ev := next()
		d := organisationFromDomain(o, ev)
		if err := db.insertAudited(ctx, db.organisations, o.ID, d, d.PendingAudit, ev); err != nil {
			return err
		}
	}
	for _, c := range b.Contracts {
		if err := db.CreateContract(ctx, c, next()); err != nil {
			return err
		}
	}
	for _, p := range b.Pledges {
		if err := db.CreatePledge(ctx, p, next()); err != nil {
			return err
		}
	}
	for _, dl := range b.Deliveries {
		ev := next()
		d := deliveryFromDomain(dl)
		d.PendingAudit = pendingOf(ev)
		if err := db.insertAudited(ctx, db.deliveries(), dl.ID, d, d.PendingAudit, ev); err != nil {
			return err
		}
	}
	for i, p := range b.Settled {
		if err := db.UpdatePledge(ctx, p, b.SettledPrev[i], next()); err != nil {
			return err
		}
	}
	return nil
}
