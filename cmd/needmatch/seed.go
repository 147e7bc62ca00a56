package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"needmatch/app"
	"needmatch/domain"
	"needmatch/domain/seeddata"
)

// Demo accounts made by `needmatch seed`, printed by `make run`.
var demoAccounts = []struct{ Role, Email, Password, Org string }{
	{domain.RoleOfficer, "officer@stockport.example", "officer-demo-pass", ""},
	{domain.RoleAdmin, "admin@stockport.example", "admin-demo-pass", ""},
	{domain.RoleGroup, "group@stockport.example", "group-demo-pass1", "Brinnington Community Larder"},
	{domain.RoleSupplier, "supplier@stockport.example", "supplier-demo-pass", "Mersey Build Ltd"},
	// The seeded contracts' winning bids are Pennine's, so Mersey Build
	// starts with no bid: a newcomer builds the first one.
	{domain.RoleSupplier, "bidder@stockport.example", "bidder-demo-pass", "Pennine Facilities Ltd"},
	// The platform's operator: creates councils and regions, invites a
	// council's first admin (belongs to no council).
	{domain.RolePlatformAdmin, "platform@needmatch.example", "platform-demo-pass", ""},
}

var demoRequests = []struct {
	Title, Description, Kind, Area, Unit string
	Quantity, ValuePence                 int64
	Days                                 int
}{
	{"Volunteers to sort food donations", "Help sort and pack food parcels on Tuesday and Thursday mornings at our larder in Brinnington.", "volunteering", "E05015018", "hours", 120, 180_000, 90},
	{"Laptops for the homework club", "Ten refurbished laptops so children without a computer at home can do their homework after school.", "goods", "E05015018", "laptops", 10, 350_000, 60},
	{"Repaint the community centre hall", "The main hall needs repainting before winter; we can supply the volunteers, we need the materials and a decorator.", "works", "E05015032", "job", 1, 420_000, 120},
	{"Help with a grant application", "Expert advice from someone who has written successful lottery bids.", "advice", "E05015022", "hours", 8, 80_000, 45},
	{"Work placements for young people", "Two-week placements in construction for school leavers from Reddish.", "jobs", "E05015033", "placements", 6, 600_000, 150},
	{"Funding for a minibus MOT and insurance", "Our minibus takes older residents to appointments; we need help with its yearly costs.", "funding", "E05015023", "pounds", 1, 150_000, 75},
}

func cmdSeed(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	c, _, err := parseConfig("seed", args, getenv)
	if err != nil {
		return err
	}
	ac := c.appConfig(nil)
	secret, err := app.JWTSecret(ac)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	// The seed's changes mail as serve's do: the same links and signatures.
	return seed(ctx, app.NewService(st, ac, secret), stdout)
}

// seed creates the demo council, accounts and requests through the services,
// so the demo has a real audit trail. Running it again changes nothing.
func seed(ctx context.Context, svc *domain.Service, out io.Writer) error {
	auth, err := seeddata.Stockport()
	if err != nil {
		return err
	}
	if existing, err := svc.Store.AuthorityBySlug(ctx, auth.Slug); err == nil {
		// What people set since the first seed stays: the weights, the
		// engagement tiers and the directorates contracts name.
		auth.ID, auth.Weights, auth.Tiers, auth.Directorates, auth.Version = existing.ID, existing.Weights, existing.Tiers, existing.Directorates, existing.Version
	} else if domain.ErrorCode(err) != domain.ENOTFOUND {
		return err
	}
	if err := svc.Store.PutAuthority(ctx, auth); err != nil {
		return err
	}
	if _, err := svc.SeedExampleMeasures(ctx, auth.ID); err != nil {
		return fmt.Errorf("seed example measures: %w", err)
	}
	users := map[string]*domain.User{}
	for _, d := range demoAccounts {
		if u, err := svc.Store.UserByEmail(ctx, d.Email); err == nil {
			users[d.Email] = u
			continue
		}
		var u *domain.User
		if d.Org == "" {
			u, err = svc.CreateStaffUser(ctx, domain.StaffUserInput{Email: d.Email, Password: d.Password, Name: "Demo " + d.Role, Role: d.Role, AuthoritySlug: auth.Slug})
		} else {
			u, _, err = svc.Register(ctx, domain.RegisterInput{Email: d.Email, Password: d.Password, Name: "Demo " + d.Role, Role: d.Role, OrgName: d.Org, AuthoritySlug: auth.Slug, EmailVerified: true})
			if err == nil && u == nil {
				err = fmt.Errorf("the address has an account already")
			}
		}
		if err != nil {
			return fmt.Errorf("seed %s: %w", d.Email, err)
		}
		users[d.Email] = u
	}
	officerUser, groupUser, bidderUser := users["officer@stockport.example"], users["group@stockport.example"], users["bidder@stockport.example"]
	officer := &domain.Actor{UserID: officerUser.ID, Role: domain.RoleOfficer, AuthorityID: auth.ID}
	for _, d := range demoAccounts {
		if d.Org == "" {
			continue
		}
		o, err := svc.GetOrganisation(ctx, officer, users[d.Email].OrganisationID)
		if err != nil {
			return err
		}
		if o.Status == domain.OrgPending {
			if _, err := svc.DecideOrganisation(ctx, officer, o.ID, true, ""); err != nil {
				return err
			}
		}
	}
	group := &domain.Actor{UserID: groupUser.ID, Role: domain.RoleGroup, AuthorityID: auth.ID, OrganisationID: groupUser.OrganisationID}
	mine, _, err := svc.ListRequests(ctx, group, auth.Slug, true, domain.RequestFilter{})
	if err != nil {
		return err
	}
	if len(mine) == 0 {
		now := svc.Now()
		for _, d := range demoRequests {
			deadline := now.AddDate(0, 0, d.Days).Truncate(24 * time.Hour)
			r, err := svc.CreateRequest(ctx, group, domain.RequestInput{Title: &d.Title, Description: &d.Description, Kind: &d.Kind, Area: &d.Area,
				Quantity: &d.Quantity, Unit: &d.Unit, ValuePence: &d.ValuePence, Deadline: &deadline})
			if err != nil {
				return fmt.Errorf("seed request %q: %w", d.Title, err)
			}
			if _, err := svc.MoveRequest(ctx, group, r.ID, domain.RequestSubmit, ""); err != nil {
				return err
			}
			if _, err := svc.MoveRequest(ctx, officer, r.ID, domain.RequestPublish, ""); err != nil {
				return err
			}
		}
	}
	published, _, err := svc.ListRequests(ctx, group, auth.Slug, true, domain.RequestFilter{})
	if err != nil {
		return err
	}
	var reqIDs []string
	for _, r := range published {
		if r.Status == domain.ReqPublished {
			reqIDs = append(reqIDs, r.ID)
		}
	}
	bidder := &domain.Actor{UserID: bidderUser.ID, Role: domain.RoleSupplier, AuthorityID: auth.ID, OrganisationID: bidderUser.OrganisationID}
	if len(reqIDs) >= 3 {
		if err := seedProcurement(ctx, svc, officer, bidder, reqIDs); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "seeded %s (%s) with %d wards\n", auth.Name, auth.Slug, len(auth.Areas))
	fmt.Fprintln(out, "demo accounts:")
	for _, d := range demoAccounts {
		fmt.Fprintf(out, "  %-8s %-28s %s\n", d.Role, d.Email, d.Password)
	}
	return nil
}
