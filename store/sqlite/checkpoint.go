package sqlite

import (
	"context"
	"database/sql"

	"needmatch/domain"
)

var _ domain.CheckpointStore = (*DB)(nil)

const checkpointCols = `authority_id, seq, hash, at, mac`

// AddCheckpoint stores c; ECONFLICT when its authority has one at c.Seq.
func (db *DB) AddCheckpoint(ctx context.Context, c *domain.Checkpoint) error {
	return translate(db.tx(ctx, func(tx *wtx) error {
		_, err := tx.Exec(`INSERT INTO audit_checkpoints (`+checkpointCols+`) VALUES (?,?,?,?,?)`, c.AuthorityID, c.Seq, c.Hash, storeTime(c.At), c.MAC)
		return err
	}))
}

// FindCheckpoints lists an authority's checkpoints after afterSeq, by seq.
func (db *DB) FindCheckpoints(ctx context.Context, authorityID string, afterSeq int64, limit int) ([]*domain.Checkpoint, error) {
	rows, err := db.query(ctx, `SELECT `+checkpointCols+` FROM audit_checkpoints WHERE authority_id = ? AND seq > ? ORDER BY seq LIMIT ?`, authorityID, afterSeq, limit)
	return scanCheckpoints(rows, err)
}

// LatestCheckpoints returns each authority's checkpoint of the highest seq.
func (db *DB) LatestCheckpoints(ctx context.Context) ([]*domain.Checkpoint, error) {
	rows, err := db.query(ctx, `SELECT `+checkpointCols+` FROM audit_checkpoints c
		WHERE seq = (SELECT MAX(seq) FROM audit_checkpoints WHERE authority_id = c.authority_id) ORDER BY authority_id`)
	return scanCheckpoints(rows, err)
}

func scanCheckpoints(rows *sql.Rows, err error) ([]*domain.Checkpoint, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*domain.Checkpoint
	for rows.Next() {
		c := &domain.Checkpoint{}
		var at string
		if err := rows.Scan(&c.AuthorityID, &c.Seq, &c.Hash, &at, &c.MAC); err != nil {
			return nil, translate(err)
		}
		if c.At, err = loadTime(at); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}
