package mongo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type evidenceDoc struct {
	ID             string    `bson:"_id"`
	AuthorityID    string    `bson:"authorityId"`
	OrganisationID string    `bson:"organisationId"`
	UploadedBy     string    `bson:"uploadedBy"`
	FileName       string    `bson:"fileName"`
	ContentType    string    `bson:"contentType"`
	Size           int64     `bson:"size"`
	SHA256         string    `bson:"sha256"`
	DeliveryID     string    `bson:"deliveryId"`
	CreatedAt      time.Time `bson:"createdAt"`
	PendingAudit   *auditDoc `bson:"pendingAudit,omitempty"`
}

func (d *evidenceDoc) toDomain() *domain.Evidence {
	return &domain.Evidence{ID: d.ID, AuthorityID: d.AuthorityID, OrganisationID: d.OrganisationID, UploadedBy: d.UploadedBy,
		FileName: d.FileName, ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256, DeliveryID: d.DeliveryID, CreatedAt: d.CreatedAt.UTC()}
}

// evidenceFiles is the GridFS bucket of the files (evidenceFiles.files and
// evidenceFiles.chunks, 255 KiB chunks), each stored under its evidence id.
func (db *DB) evidenceFiles() *driver.GridFSBucket {
	return db.db.GridFSBucket(options.GridFSBucket().SetName("evidenceFiles"))
}

// CreateEvidence stores the file in GridFS and then its record with the
// audit event (the commit point); when the record cannot be written the
// file is deleted again. A writer that dies in between leaves a file that
// no record names and nothing can read.
func (db *DB) CreateEvidence(ctx context.Context, e *domain.Evidence, content []byte, ev *domain.AuditEvent) error {
	files := db.evidenceFiles()
	if err := files.UploadFromStreamWithID(ctx, e.ID, e.ID, bytes.NewReader(content)); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return domain.Errorf(domain.EUNAVAILABLE, "The file could not be stored; try again later.")
	}
	d := &evidenceDoc{ID: e.ID, AuthorityID: e.AuthorityID, OrganisationID: e.OrganisationID, UploadedBy: e.UploadedBy,
		FileName: e.FileName, ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256, DeliveryID: e.DeliveryID,
		CreatedAt: e.CreatedAt, PendingAudit: pendingOf(ev)}
	answers(ctx, d.PendingAudit)
	if _, err := db.evidence().InsertOne(ctx, d); err != nil {
		_ = files.Delete(context.WithoutCancel(ctx), e.ID)
		return translate(err)
	}
	return db.complete(ctx, db.evidence(), e.ID, d.PendingAudit, ev)
}

// EvidenceByID returns ENOTFOUND when there is none.
func (db *DB) EvidenceByID(ctx context.Context, id string) (*domain.Evidence, error) {
	var d evidenceDoc
	if err := db.evidence().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Evidence not found.")
	}
	return d.toDomain(), nil
}

// EvidenceContent opens the stored file.
func (db *DB) EvidenceContent(ctx context.Context, e *domain.Evidence) (io.ReadCloser, error) {
	s, err := db.evidenceFiles().OpenDownloadStream(ctx, e.ID)
	if errors.Is(err, driver.ErrFileNotFound) {
		return nil, domain.Errorf(domain.ENOTFOUND, "The evidence file is missing.")
	}
	if err != nil {
		return nil, translate(err)
	}
	return s, nil
}

// evidenceUseDoc claims a file's SHA-256 for one delivery of an authority:
// its _id is authority/sha256, so a second claim of the same file is a
// duplicate key.
type evidenceUseDoc struct {
	ID         string    `bson:"_id"`
	DeliveryID string    `bson:"deliveryId"`
	ClaimedAt  time.Time `bson:"claimedAt"`
}

// claimEvidence attaches the delivery's evidence records and claims their
// hashes before the delivery commits; on any error what was claimed is
// released again.
func (db *DB) claimEvidence(ctx context.Context, d *domain.Delivery) (err error) {
	if len(d.EvidenceHashes) != len(d.EvidenceIDs) {
		return domain.Errorf(domain.EINTERNAL, "delivery: evidence hashes do not match the evidence")
	}
	defer func() {
		if err != nil {
			db.releaseEvidence(context.WithoutCancel(ctx), d.ID)
		}
	}()
	// A claim's age is read on the server's clock (see recoverLedger).
	now, err := db.serverNow(ctx)
	if err != nil {
		return err
	}
	for i, id := range d.EvidenceIDs {
		res, err := db.evidence().UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "deliveryId", Value: ""},
			{Key: "organisationId", Value: d.OrganisationID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "deliveryId", Value: d.ID}}}})
		if err != nil {
			return translate(err)
		}
		if res.MatchedCount != 1 {
			return &domain.Error{Code: domain.ECONFLICT, Field: "evidenceIds", Message: "Evidence " + id + " already backs another delivery."}
		}
		u := &evidenceUseDoc{ID: d.AuthorityID + "/" + d.EvidenceHashes[i], DeliveryID: d.ID, ClaimedAt: now}
		if _, err := db.evidenceUse().InsertOne(ctx, u); err != nil {
			if driver.IsDuplicateKeyError(err) || internalError(err) {
				short := d.EvidenceHashes[i]
				if len(short) > 12 {
					short = short[:12]
				}
				return &domain.Error{Code: domain.ECONFLICT, Field: "evidenceIds",
					Message: "The file of evidence " + id + " (SHA-256 " + short + "…) already backs another delivery: the same file cannot back two deliveries."}
			}
			return translate(err)
		}
	}
	return nil
}

// releaseEvidence frees what a delivery that did not commit claimed.
func (db *DB) releaseEvidence(ctx context.Context, deliveryID string) {
	_, _ = db.evidence().UpdateMany(ctx, bson.D{{Key: "deliveryId", Value: deliveryID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "deliveryId", Value: ""}}}})
	_, _ = db.evidenceUse().DeleteMany(ctx, bson.D{{Key: "deliveryId", Value: deliveryID}})
}

// freeStaleClaims releases claims made before the time by delivery reports
// whose delivery never got written (the writer died before its commit).
func (db *DB) freeStaleClaims(ctx context.Context, before time.Time) error {
	cur, err := db.evidenceUse().Find(ctx, bson.D{{Key: "claimedAt", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return translate(err)
	}
	var uses []evidenceUseDoc
	if err := cur.All(ctx, &uses); err != nil {
		return translate(err)
	}
	for _, u := range uses {
		n, err := db.deliveries().CountDocuments(ctx, bson.D{{Key: "_id", Value: u.DeliveryID}})
		if err != nil {
			return translate(err)
		}
		if n == 0 {
			db.releaseEvidence(ctx, u.DeliveryID)
		}
	}
	return nil
}
