package sqlite

import (
	"context"

	"needmatch/domain"
)

// ImportContracts writes an import's records and their events in one
// transaction: all or nothing.
func (db *DB) ImportContracts(ctx context.Context, b *domain.ImportBatch) error {
	n := len(b.Organisations) + len(b.Contracts) + len(b.Pledges) + len(b.Deliveries) + len(b.Settled)
	if len(b.Events) != n || len(b.SettledPrev) != len(b.Settled) {
		return domain.Errorf(domain.EINTERNAL, "import: %d events for %d records", len(b.Events), n)
	}
	return db.tx(ctx, func(tx *wtx) error {
		for _, o := range b.Organisations {
			if err := insertOrganisation(tx, o); err != nil {
				return err
			}
		}
		for _, c := range b.Contracts {
			if err := contractTable.insert(tx, fromContract(c).fields()); err != nil {
				return translate(err)
			}
		}
		for _, p := range b.Pledges {
			if err := pledgeTable.insert(tx, fromPledge(p).fields()); err != nil {
				return translate(err)
			}
		}
		for _, d := range b.Deliveries {
			if err := deliveryTable.insert(tx, fromDelivery(d).fields()); err != nil {
				return translate(err)
			}
		}
		for i, p := range b.Settled {
			if err := updatePledgeTx(tx, p, b.SettledPrev[i]); err != nil {
				return err
			}
		}
		for _, ev := range b.Events {
			if err := appendAudit(tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}
