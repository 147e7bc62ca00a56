package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Job leases (domain.LeaseStore) on the server's clock. A lease is a run
// of documents of collection leases, one per holder in turn (an epoch):
// _id "name#epoch". A process takes a free or expired lease by inserting
// the next epoch, so of two processes taking it at once exactly one
// succeeds by the unique _id alone; that holds on FerretDB v1 too, whose
// compare-and-set updates are not atomic. Only the holder of an epoch
// updates it (to renew, record a run or release).

type leaseDoc struct {
	ID      string    `bson:"_id"`
	Name    string    `bson:"name"`
	Epoch   int64     `bson:"epoch"`
	Holder  string    `bson:"holder"`
	Until   time.Time `bson:"until"`
	LastRun time.Time `bson:"lastRun"`
}

func (db *DB) leases() *driver.Collection { return db.db.Collection("leases") }

func leaseID(name string, epoch int64) string { return fmt.Sprintf("%s#%012d", name, epoch) }

func (d *leaseDoc) toDomain(now time.Time) *domain.Lease {
	l := &domain.Lease{Name: d.Name, Holder: d.Holder, Until: d.Until.UTC(), LastRun: d.LastRun.UTC(), Now: now}
	if d.LastRun.Unix() <= 0 {
		l.LastRun = time.Time{}
	}
	return l
}

// serverNow is the server's clock (the localTime of hello).
func (db *DB) serverNow(ctx context.Context) (time.Time, error) {
	var res struct {
		LocalTime time.Time `bson:"localTime"`
	}
	if err := db.client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&res); err != nil {
		return time.Time{}, translate(err)
	}
	if res.LocalTime.IsZero() {
		return time.Time{}, errors.New("mongodb: hello gave no localTime")
	}
	return res.LocalTime.UTC(), nil
}

// currentLease reads the lease's latest epoch (nil: never taken).
func (db *DB) currentLease(ctx context.Context, name string) (*leaseDoc, error) {
	var d leaseDoc
	err := db.leases().FindOne(ctx, bson.D{{Key: "name", Value: name}}, options.FindOne().SetSort(key("-epoch"))).Decode(&d)
	if errors.Is(err, driver.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return &d, nil
}

// AcquireLease takes, or renews, the lease for holder.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (*domain.Lease, error) {
	now, err := db.serverNow(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := db.currentLease(ctx, name)
	if err != nil {
		return nil, err
	}
	until := now.Add(ttl).Truncate(time.Millisecond)
	switch {
	case cur != nil && cur.Holder == holder && cur.Until.After(now):
		res, err := db.leases().UpdateOne(ctx, bson.D{{Key: "_id", Value: cur.ID}, {Key: "holder", Value: holder}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: until}}}})
		if err != nil {
			return nil, translate(err)
		}
		if res.MatchedCount == 1 {
			cur.Until = until
		}
		// A later epoch means another process took the lease over meanwhile.
		if latest, err := db.currentLease(ctx, name); err != nil || latest == nil || latest.Epoch != cur.Epoch {
			if latest == nil {
				latest = cur
			}
			return latest.toDomain(now), err
		}
		return cur.toDomain(now), nil
	case cur != nil && cur.Until.After(now):
		return cur.toDomain(now), nil
	}
	next := &leaseDoc{Name: name, Epoch: 1, Holder: holder, Until: until}
	if cur != nil {
		next.Epoch, next.LastRun = cur.Epoch+1, cur.LastRun
	}
	next.ID = leaseID(name, next.Epoch)
	if _, err := db.leases().InsertOne(ctx, next); err != nil {
		if !driver.IsDuplicateKeyError(err) && !internalError(err) {
			return nil, translate(err)
		}
		// Another process took this epoch first.
		latest, err := db.currentLease(ctx, name)
		if err != nil || latest == nil {
			return &domain.Lease{Name: name, Now: now}, err
		}
		return latest.toDomain(now), nil
	}
	if cur != nil { // keep the previous epoch only
		_, _ = db.leases().DeleteMany(ctx, bson.D{{Key: "name", Value: name}, {Key: "epoch", Value: bson.D{{Key: "$lt", Value: cur.Epoch}}}})
	}
	return next.toDomain(now), nil
}

// LeaseRan records the run at the server's now.
func (db *DB) LeaseRan(ctx context.Context, name, holder string) error {
	now, err := db.serverNow(ctx)
	if err != nil {
		return err
	}
	cur, err := db.currentLease(ctx, name)
	if err != nil {
		return err
	}
	if cur == nil || cur.Holder != holder || !cur.Until.After(now) {
		return domain.Errorf(domain.ECONFLICT, "The job's lease is no longer %s's.", holder)
	}
	_, err = db.leases().UpdateOne(ctx, bson.D{{Key: "_id", Value: cur.ID}, {Key: "holder", Value: holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lastRun", Value: now.Truncate(time.Millisecond)}}}})
	return translate(err)
}

// ReleaseLease expires holder's epoch of the lease.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	cur, err := db.currentLease(ctx, name)
	if err != nil || cur == nil || cur.Holder != holder {
		return err
	}
	_, err = db.leases().UpdateOne(ctx, bson.D{{Key: "_id", Value: cur.ID}, {Key: "holder", Value: holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: time.Unix(0, 0).UTC()}}}})
	return translate(err)
}
