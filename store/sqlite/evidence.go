package sqlite

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"needmatch/domain"
)

// evidenceCols are the evidence table's columns, in scanEvidence's order.
const evidenceCols = `id, authority_id, organisation_id, uploaded_by, file_name, content_type, size, sha256, delivery_id, created_at`

// EvidenceDir is where evidence files are kept: evidence/ beside the
// database, one folder per authority, each file named by its id.
func (db *DB) EvidenceDir() string { return filepath.Join(filepath.Dir(db.path), "evidence") }

func (db *DB) evidencePath(e *domain.Evidence) (string, error) {
	if !domain.ValidID(e.ID) || !domain.ValidID(e.AuthorityID) {
		return "", fmt.Errorf("evidence path: bad id %q/%q", e.AuthorityID, e.ID)
	}
	return filepath.Join(db.EvidenceDir(), e.AuthorityID, e.ID), nil
}

// CreateEvidence writes the file (to a temporary name, synced, then
// renamed) and then its record and audit event; when the record cannot be
// written the file is removed again.
func (db *DB) CreateEvidence(ctx context.Context, e *domain.Evidence, content []byte, ev *domain.AuditEvent) error {
	path, err := db.evidencePath(e)
	if err != nil {
		return err
	}
	if err := writeFileSync(path, content); err != nil {
		return domain.Errorf(domain.EUNAVAILABLE, "The file could not be stored; try again later.")
	}
	err = db.tx(ctx, func(tx *wtx) error {
		if _, err := tx.Exec(`INSERT INTO evidence (`+evidenceCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			e.ID, e.AuthorityID, e.OrganisationID, e.UploadedBy, e.FileName, e.ContentType, e.Size, e.SHA256, e.DeliveryID, storeTime(e.CreatedAt)); err != nil {
			return translate(err)
		}
		return appendAudit(tx, ev)
	})
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

func writeFileSync(path string, content []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// EvidenceByID returns ENOTFOUND when there is none.
func (db *DB) EvidenceByID(ctx context.Context, id string) (*domain.Evidence, error) {
	var e domain.Evidence
	var created string
	if err := db.queryRow(ctx, `SELECT `+evidenceCols+` FROM evidence WHERE id = ?`, id).Scan(&e.ID, &e.AuthorityID, &e.OrganisationID, &e.UploadedBy,
		&e.FileName, &e.ContentType, &e.Size, &e.SHA256, &e.DeliveryID, &created); err != nil {
		return nil, translateNotFound(err, "Evidence not found.")
	}
	var err error
	e.CreatedAt, err = loadTime(created)
	return &e, err
}

// EvidenceContent opens the stored file.
func (db *DB) EvidenceContent(ctx context.Context, e *domain.Evidence) (io.ReadCloser, error) {
	path, err := db.evidencePath(e)
	if err != nil {
		return nil, err
	}
	return os.Open(path)
}
