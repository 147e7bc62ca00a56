package mongo

import (
	"context"
	"errors"
	"time"

	"needmatch/domain"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type organisationDoc struct {
	ID                   string    `bson:"_id"`
	AuthorityID          string    `bson:"authorityId"`
	Authority            string    `bson:"authority"`
	Kind                 string    `bson:"kind"`
	Name                 string    `bson:"name"`
	NameKey              string    `bson:"nameKey"`
	PendingName          string    `bson:"pendingName,omitempty"`
	NameReason           string    `bson:"nameReason,omitempty"`
	Status               string    `bson:"status"`
	Reason               string    `bson:"reason,omitempty"`
	Area                 string    `bson:"area,omitempty"`
	Offers               []string  `bson:"offers,omitempty"`
	CommitmentLimitPence int64     `bson:"commitmentLimitPence"`
	Version              int64     `bson:"version"`
	CreatedAt            time.Time `bson:"createdAt"`
	UpdatedAt            time.Time `bson:"updatedAt"`
	PendingAudit         *auditDoc `bson:"pendingAudit,omitempty"`
	// PendingIntent, on the first organisation of UpdateOrganisations, holds
	// the writes of the others until they are made (see ledger.go).
	PendingIntent   *intentDoc  `bson:"pendingIntent,omitempty"`
	LegalName       string      `bson:"legalName,omitempty"`
	CharityNumber   string      `bson:"charityNumber,omitempty"`
	CompanyNumber   string      `bson:"companyNumber,omitempty"`
	Address         *addressDoc `bson:"address,omitempty"`
	Phone           string      `bson:"phone,omitempty"`
	Website         string      `bson:"website,omitempty"`
	SocialValueLead *contactDoc `bson:"socialValueLead,omitempty"`
	MainContact     *contactDoc `bson:"mainContact,omitempty"`
	ShareContact    bool        `bson:"shareContact,omitempty"`
	// Home is the home organisation's id (absent for a home).
	Home                 string `bson:"homeId,omitempty"`
	BaseWard             string `bson:"baseWard,omitempty"`
	BasePostcodeDistrict string `bson:"basePostcodeDistrict,omitempty"`
}

type addressDoc struct {
	Line1    string `bson:"line1"`
	Line2    string `bson:"line2,omitempty"`
	Town     string `bson:"town"`
	Postcode string `bson:"postcode"`
}

type contactDoc struct {
	Name  string `bson:"name"`
	Role  string `bson:"role,omitempty"`
	Email string `bson:"email,omitempty"`
	Phone string `bson:"phone,omitempty"`
}

func contactFromDomain(c *domain.Contact) *contactDoc {
	if c == nil {
		return nil
	}
	return &contactDoc{Name: c.Name, Role: c.Role, Email: c.Email, Phone: c.Phone}
}

func (d *contactDoc) toDomain() *domain.Contact {
	if d == nil {
		return nil
	}
	return &domain.Contact{Name: d.Name, Role: d.Role, Email: d.Email, Phone: d.Phone}
}

func organisationFromDomain(o *domain.Organisation, ev *domain.AuditEvent) *organisationDoc {
	d := &organisationDoc{ID: o.ID, AuthorityID: o.AuthorityID, Authority: o.Authority, Kind: o.Kind, Name: o.Name, NameKey: o.UniqueKey(),
		PendingName: o.PendingName, NameReason: o.NameReason, Status: o.Status, Reason: o.Reason, Area: o.Area, Offers: o.Offers, CommitmentLimitPence: o.CommitmentLimitPence, Version: o.Version,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, PendingAudit: pendingOf(ev),
		LegalName: o.LegalName, CharityNumber: o.CharityNumber, CompanyNumber: o.CompanyNumber, Phone: o.Phone, Website: o.Website,
		SocialValueLead: contactFromDomain(o.SocialValueLead), MainContact: contactFromDomain(o.MainContact), ShareContact: o.ShareContact, Home: o.Home,
		BaseWard: o.BaseWard, BasePostcodeDistrict: o.BasePostcodeDistrict}
	if a := o.Address; a != nil {
		d.Address = &addressDoc{Line1: a.Line1, Line2: a.Line2, Town: a.Town, Postcode: a.Postcode}
	}
	return d
}

func (d *organisationDoc) toDomain() *domain.Organisation {
	o := &domain.Organisation{ID: d.ID, AuthorityID: d.AuthorityID, Authority: d.Authority, Kind: d.Kind, Name: d.Name, NameKey: d.NameKey,
		PendingName: d.PendingName, NameReason: d.NameReason, Status: d.Status, Reason: d.Reason, Area: d.Area, Offers: d.Offers, CommitmentLimitPence: d.CommitmentLimitPence, Version: d.Version,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Home: d.Home}
	o.LegalName, o.CharityNumber, o.CompanyNumber, o.Phone, o.Website, o.ShareContact = d.LegalName, d.CharityNumber, d.CompanyNumber, d.Phone, d.Website, d.ShareContact
	o.SocialValueLead, o.MainContact = d.SocialValueLead.toDomain(), d.MainContact.toDomain()
	o.BaseWard, o.BasePostcodeDistrict = d.BaseWard, d.BasePostcodeDistrict
	if a := d.Address; a != nil {
		o.Address = &domain.Address{Line1: a.Line1, Line2: a.Line2, Town: a.Town, Postcode: a.Postcode}
	}
	return o
}

// OrganisationByID returns ENOTFOUND when there is none.
func (db *DB) OrganisationByID(ctx context.Context, id string) (*domain.Organisation, error) {
	var d organisationDoc
	if err := db.organisations.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return nil, notFound(err, "Organisation not found.")
	}
	return d.toDomain(), nil
}

// FindOrganisations lists newest first.
func (db *DB) FindOrganisations(ctx context.Context, f domain.OrganisationFilter) ([]*domain.Organisation, string, error) {
	filter := bson.D{{Key: "authorityId", Value: f.AuthorityID}}
	filter = eq(filter, "status", f.Status)
	filter = eq(filter, "kind", f.Kind)
	return findPage(ctx, db.organisations, filter, f.Page, (*organisationDoc).toDomain, func(o *domain.Organisation) string { return o.ID })
}

// UpdateOrganisation writes o if the stored version is prev, with its audit event.
func (db *DB) UpdateOrganisation(ctx context.Context, o *domain.Organisation, prev int64, ev *domain.AuditEvent) error {
	d := organisationFromDomain(o, ev)
	return db.replaceAudited(ctx, db.organisations, o.ID, prev, d, d.PendingAudit, ev, "Organisation", func(err error) error {
		if driver.IsDuplicateKeyError(err) {
			return domain.NameTaken()
		}
		if internalError(err) {
			// FerretDB: a replace that breaks a unique index fails with
			// InternalError instead of E11000.
			n, cerr := db.organisations.CountDocuments(ctx, bson.D{{Key: "authorityId", Value: o.AuthorityID}, {Key: "nameKey", Value: d.NameKey}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: o.ID}}}})
			if cerr == nil && n > 0 {
				return domain.NameTaken()
			}
		}
		return translate(err)
	})
}

// OrganisationByNameKey returns the authority's organisation with the name key.
func (db *DB) OrganisationByNameKey(ctx context.Context, authorityID, key string) (*domain.Organisation, error) {
	var d organisationDoc
	if err := db.organisations.FindOne(ctx, bson.D{{Key: "authorityId", Value: authorityID}, {Key: "nameKey", Value: key}}).Decode(&d); err != nil {
		return nil, notFound(err, "Organisation not found.")
	}
	return d.toDomain(), nil
}

// insertRegisteredOrg inserts the organisation of a registration whose
// user userID is in. When another organisation of the authority has its
// name key, the registration cannot be made: its user is taken back and
// the answer is NameTaken. An organisation already in (a recovery got
// there first) is success.
func (db *DB) insertRegisteredOrg(ctx context.Context, userID string, od *organisationDoc) error {
	_, err := db.organisations.InsertOne(ctx, od)
	if err == nil {
		return nil
	}
	if driver.IsDuplicateKeyError(err) {
		n, cerr := db.organisations.CountDocuments(ctx, bson.D{{Key: "_id", Value: od.ID}})
		if cerr != nil {
			return translate(cerr)
		}
		if n == 1 {
			return nil
		}
		err = domain.NameTaken()
	}
	// Take the user back unless a recovery has finished the registration already.
	filter := bson.D{{Key: "_id", Value: userID}, {Key: "pendingOrg._id", Value: od.ID}}
	if _, derr := db.users.DeleteOne(ctx, filter); derr != nil {
		return errors.Join(translate(err), translate(derr))
	}
	return translate(err)
}

// CreateOrganisation inserts o carrying its event, then chains the event;
// NameTaken when its name key is another's in its authority.
func (db *DB) CreateOrganisation(ctx context.Context, o *domain.Organisation, ev *domain.AuditEvent) error {
	d := organisationFromDomain(o, ev)
	answers(ctx, d.PendingAudit)
	if _, err := db.organisations.InsertOne(ctx, d); driver.IsDuplicateKeyError(err) || internalError(err) {
		return domain.NameTaken()
	} else if err != nil {
		return translate(err)
	}
	return db.complete(ctx, db.organisations, o.ID, d.PendingAudit, ev)
}

// OrganisationsOfHome lists the records of a home organisation in other
// councils, oldest first.
func (db *DB) OrganisationsOfHome(ctx context.Context, homeID string) ([]*domain.Organisation, error) {
	out, err := findAll(ctx, db.organisations, bson.D{{Key: "homeId", Value: homeID}}, options.Find().SetSort(key("_id")), (*organisationDoc).toDomain)
	if out == nil && err == nil {
		out = []*domain.Organisation{}
	}
	return out, err
}

// backfillNameKeys gives every organisation stored before names were
// unique its name key, so that the unique index can be built: an
// organisation whose key an older one of its authority has already gets
// domain.DuplicateNameKey (it keeps its name; no new one can take it).
func (db *DB) backfillNameKeys(ctx context.Context) error {
	cur, err := db.organisations.Find(ctx, bson.D{{Key: "nameKey", Value: bson.D{{Key: "$exists", Value: false}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "authorityId", Value: 1}, {Key: "name", Value: 1}}))
	if err != nil {
		return translate(err)
	}
	var ds []organisationDoc
	if err := cur.All(ctx, &ds); err != nil {
		return translate(err)
	}
	for _, d := range ds {
		key := domain.NameKey(d.Name)
		n, err := db.organisations.CountDocuments(ctx, bson.D{{Key: "authorityId", Value: d.AuthorityID}, {Key: "nameKey", Value: key}})
		if err != nil {
			return translate(err)
		}
		if n > 0 {
			key = domain.DuplicateNameKey(key, d.ID)
		}
		if _, err := db.organisations.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "nameKey", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "nameKey", Value: key}}}}); err != nil {
			return translate(err)
		}
	}
	return nil
}

// UpdateOrganisations writes the changes as one, rolled forward from the
// first organisation (the commit point), which carries the writes of the
// others and their events as its pendingIntent (see ledger.go): every other
// organisation is checked at its version first, and Recover finishes a
// change whose writer stopped after the commit point.
func (db *DB) UpdateOrganisations(ctx context.Context, cs []domain.OrganisationChange) error {
	switch len(cs) {
	case 0:
		return nil
	case 1:
		return db.UpdateOrganisation(ctx, cs[0].Org, cs[0].Prev, cs[0].Event)
	}
	ops := make([]intentOp, 0, len(cs)-1)
	evs := make([]*domain.AuditEvent, 0, len(cs))
	for i, c := range cs {
		evs = append(evs, c.Event)
		if i == 0 {
			continue
		}
		if err := db.checkVersion(ctx, db.organisations, c.Org.ID, c.Prev, "Organisation"); err != nil {
			return err
		}
		op, err := replaceOp(db.organisations, c.Org.ID, c.Prev, c.Org.Version, organisationFromDomain(c.Org, nil))
		if err != nil {
			return err
		}
		ops = append(ops, op)
	}
	p, in, err := newIntent(evs, ops)
	if err != nil {
		return err
	}
	d := organisationFromDomain(cs[0].Org, nil)
	d.PendingAudit, d.PendingIntent = p, in
	return db.commitIntent(ctx, db.organisations, cs[0].Org.ID, cs[0].Prev, d, p, in, evs, "Organisation")
}
