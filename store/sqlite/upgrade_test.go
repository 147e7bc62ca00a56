package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"needmatch/domain"
)

var updateGolden = flag.Bool("update-upgrade-golden", false, "rewrite testdata/v1/facts.json from the fixture (only with the release that made it)")

// fixtureDir holds a data directory made by the release before the numbered
// migrations (see testdata/mkfixture): its database, evidence files and
// audit checkpoints, and facts.json, what that release's store read from it.
const fixtureDir = "testdata/v1"

// copyFixture copies the fixture's data directory into a temporary one.
func copyFixture(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(fixtureDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(fixtureDir, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		if rel == "facts.json" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// plain turns a value into maps, lists and strings by Go field names, so
// that fields kept out of the API's JSON are compared too. Zero fields are
// left out: a field a later release adds is zero on the old records.
func plain(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return plain(v.Elem())
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return t.UTC().Format(time.RFC3339Nano)
		}
		m := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.IsExported() && !v.Field(i).IsZero() {
				m[f.Name] = plain(v.Field(i))
			}
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return string(v.Bytes())
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = plain(v.Index(i))
		}
		return out
	case reflect.Map:
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			m[k.String()] = plain(v.MapIndex(k))
		}
		return m
	}
	return v.Interface()
}

func p(v any) any { return plain(reflect.ValueOf(v)) }

// storedTables are the tables whose rows the upgrade must keep, one for one.
var storedTables = []string{"authorities", "users", "refresh_tokens", "organisations", "requests", "pledges", "allocations", "idempotency", "audit",
	"catalogues", "contracts", "bids", "evidence", "evidence_use", "deliveries", "pledge_ledger"}

// facts reads everything the store holds through its domain methods.
func facts(t *testing.T, db *DB) map[string]any {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q string) []string {
		t.Helper()
		rows, err := db.read.Query(q)
		must(err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			must(rows.Scan(&s))
			out = append(out, s)
		}
		return out
	}
	out := map[string]any{}
	counts := map[string]int{}
	for _, tb := range storedTables {
		var n int
		must(db.read.QueryRow("SELECT count(*) FROM " + tb).Scan(&n))
		counts[tb] = n
	}
	out["counts"] = counts

	auths, err := db.Authorities(ctx)
	must(err)
	if len(auths) != 1 {
		t.Fatalf("want the fixture's one authority, have %d", len(auths))
	}
	a := auths[0]
	out["authority"] = p(a)
	byID, err := db.AuthorityByID(ctx, a.ID)
	must(err)
	if !reflect.DeepEqual(p(byID), p(a)) {
		t.Error("AuthorityByID differs from Authorities")
	}

	var users []any
	for _, id := range ids("SELECT id FROM users ORDER BY id") {
		u, err := db.UserByID(ctx, id)
		must(err)
		byEmail, err := db.UserByEmail(ctx, u.Email)
		must(err)
		if byEmail.ID != id {
			t.Errorf("UserByEmail(%s) = %s, want %s", u.Email, byEmail.ID, id)
		}
		users = append(users, p(u))
	}
	out["users"] = users

	orgs, _, err := db.FindOrganisations(ctx, domain.OrganisationFilter{AuthorityID: a.ID, Page: domain.Page{Limit: 1000}})
	must(err)
	for _, o := range orgs {
		// The name key came later (migration 0004): derived from the name,
		// it is checked here and left out of the first release's facts.
		if o.NameKey != domain.NameKey(o.Name) && o.NameKey != domain.DuplicateNameKey(domain.NameKey(o.Name), o.ID) {
			t.Errorf("organisation %s: name key %q for name %q", o.ID, o.NameKey, o.Name)
		}
		o.NameKey = ""
	}
	out["organisations"] = p(orgs)

	reqs, _, err := db.FindRequests(ctx, domain.RequestFilter{AuthorityID: a.ID, Page: domain.Page{Limit: 1000}})
	must(err)
	out["requests"] = p(reqs)
	for _, r := range reqs {
		one, err := db.RequestByID(ctx, r.ID)
		must(err)
		if !reflect.DeepEqual(p(one), p(r)) {
			t.Errorf("RequestByID(%s) differs from FindRequests", r.ID)
		}
	}

	pledges, _, err := db.FindPledges(ctx, domain.PledgeFilter{AuthorityID: a.ID, Page: domain.Page{Limit: 1000}})
	must(err)
	out["pledges"] = p(pledges)
	for _, pl := range pledges {
		one, err := db.PledgeByID(ctx, pl.ID)
		must(err)
		if !reflect.DeepEqual(p(one), p(pl)) {
			t.Errorf("PledgeByID(%s) differs from FindPledges", pl.ID)
		}
	}

	var allocs []any
	for _, id := range ids("SELECT id FROM allocations ORDER BY id") {
		al, err := db.AllocationByID(ctx, id)
		must(err)
		allocs = append(allocs, p(al))
	}
	out["allocations"] = allocs

	var claims []any
	rows, err := db.read.Query("SELECT user_id, key FROM idempotency ORDER BY user_id, key")
	must(err)
	var keys [][2]string
	for rows.Next() {
		var k [2]string
		must(rows.Scan(&k[0], &k[1]))
		keys = append(keys, k)
	}
	rows.Close()
	for _, k := range keys {
		rec, err := db.ClaimIdempotency(ctx, &domain.IdempotencyRecord{UserID: k[0], Key: k[1], Fingerprint: "another", CreatedAt: time.Now()})
		if domain.ErrorCode(err) != domain.ECONFLICT {
			t.Fatalf("claiming the used key %v: %v, want a conflict", k, err)
		}
		claims = append(claims, p(rec))
	}
	out["idempotency"] = claims

	var tokens []any
	for _, id := range ids("SELECT id FROM refresh_tokens ORDER BY id") {
		tok, err := db.UseRefreshToken(ctx, id)
		tokens = append(tokens, map[string]any{"token": p(tok), "code": domain.ErrorCode(err)})
	}
	out["refreshTokens"] = tokens

	cur, err := db.CurrentCatalogue(ctx, a.ID)
	must(err)
	cats, err := db.Catalogues(ctx, a.ID)
	must(err)
	var versions []any
	for _, c := range cats {
		v, err := db.CatalogueVersion(ctx, a.ID, c.Version)
		must(err)
		versions = append(versions, p(v))
	}
	out["catalogues"] = map[string]any{"current": p(cur), "list": p(cats), "versions": versions}

	contracts, _, err := db.FindContracts(ctx, domain.ContractFilter{AuthorityID: a.ID, Page: domain.Page{Limit: 1000}})
	must(err)
	out["contracts"] = p(contracts)
	for _, c := range contracts {
		one, err := db.ContractByID(ctx, c.ID)
		must(err)
		if !reflect.DeepEqual(p(one), p(c)) {
			t.Errorf("ContractByID(%s) differs from FindContracts", c.ID)
		}
	}
	bids, _, err := db.FindBids(ctx, domain.BidFilter{AuthorityID: a.ID, Page: domain.Page{Limit: 1000}})
	must(err)
	out["bids"] = p(bids)
	for _, b := range bids {
		one, err := db.BidByID(ctx, b.ID)
		must(err)
		if !reflect.DeepEqual(p(one), p(b)) {
			t.Errorf("BidByID(%s) differs from FindBids", b.ID)
		}
	}

	var evidence []any
	for _, id := range ids("SELECT id FROM evidence ORDER BY id") {
		e, err := db.EvidenceByID(ctx, id)
		must(err)
		f, err := db.EvidenceContent(ctx, e)
		must(err)
		content, err := io.ReadAll(f)
		f.Close()
		must(err)
		if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != e.SHA256 {
			t.Errorf("evidence %s: the file's SHA-256 is not the record's", id)
		}
		evidence = append(evidence, p(e))
	}
	out["evidence"] = evidence

	deliveries, _, err := db.FindDeliveries(ctx, domain.DeliveryFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: a.ID}, Page: domain.Page{Limit: 1000}})
	must(err)
	out["deliveries"] = p(deliveries)
	for _, d := range deliveries {
		one, err := db.DeliveryByID(ctx, d.ID)
		must(err)
		of, err := db.DeliveriesOfPledge(ctx, d.PledgeID)
		must(err)
		found := false
		for _, o := range of {
			found = found || o.ID == d.ID
		}
		if !reflect.DeepEqual(p(one), p(d)) || !found {
			t.Errorf("DeliveryByID(%s) or DeliveriesOfPledge differs from FindDeliveries", d.ID)
		}
	}

	ledgers := map[string]any{}
	for name, f := range map[string]domain.LedgerFilter{
		"authority":    {AuthorityID: a.ID},
		"contract":     {AuthorityID: a.ID, ContractID: contracts[len(contracts)-1].ID},
		"noneContract": {AuthorityID: a.ID, ContractID: domain.LedgerNone},
		"area":         {AuthorityID: a.ID, Area: "E05015018"},
		"month":        {AuthorityID: a.ID, Month: deliveries[0].Month()},
	} {
		sums, err := db.LedgerSums(ctx, f)
		must(err)
		// The first release's dimensions: later ones (supplier_contract)
		// are checked against the definition by the conformance suite.
		sums = slices.DeleteFunc(sums, func(s domain.LedgerSum) bool { return !slices.Contains(domain.LedgerDims, s.Dim) })
		ledgers[name] = p(addUp(sums))
	}
	out["ledger"] = ledgers
	lp, _, err := db.FindLedgerPledges(ctx, domain.LedgerPledgeFilter{LedgerFilter: domain.LedgerFilter{AuthorityID: a.ID}, Page: domain.Page{Limit: 1000}})
	must(err)
	out["ledgerPledges"] = p(pledgeIDs(lp))
	far := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	od, err := db.FindOverdue(ctx, a.ID, far, 100)
	must(err)
	out["overdue"] = p(pledgeIDs(od))
	lc, err := db.LapseCandidates(ctx, far, 100)
	must(err)
	out["lapseCandidates"] = p(pledgeIDs(lc))

	authIDs, err := db.AuditAuthorities(ctx)
	must(err)
	events, err := db.FindAudit(ctx, domain.AuditFilter{AuthorityID: a.ID})
	must(err)
	if b := domain.VerifyChain(a.ID, events); b != nil {
		t.Fatalf("audit chain broken: %+v", b)
	}
	out["audit"] = map[string]any{"authorities": authIDs, "head": events[len(events)-1].Hash, "events": p(events)}
	return out
}

func pledgeIDs(ps []*domain.Pledge) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// addUp merges rows of the same dimension, key and measure (the rollups
// and the records may each give a part) and sorts them.
func addUp(sums []domain.LedgerSum) []domain.LedgerSum {
	m := map[[3]string]*domain.LedgerSum{}
	for _, s := range sums {
		k := [3]string{s.Dim, s.Key, s.Measure}
		if m[k] == nil {
			m[k] = &domain.LedgerSum{Dim: s.Dim, Key: s.Key, Measure: s.Measure}
		}
		m[k].Add(s)
	}
	out := []domain.LedgerSum{}
	for _, s := range m {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.Dim+"\x00"+a.Key+"\x00"+a.Measure < b.Dim+"\x00"+b.Key+"\x00"+b.Measure
	})
	return out
}

func indent(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestUpgradeFromTheFirstRelease opens a copy of a database made by the
// release before the numbered migrations, so every migration runs on it,
// and checks that the store reads every object as that release did (the
// facts it read are in testdata/v1/facts.json) and that the audit chain
// verifies; then it opens the database again.
func TestUpgradeFromTheFirstRelease(t *testing.T) {
	dir := copyFixture(t)
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	first := facts(t, db)
	got := indent(t, first)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	applied := appliedMigrations(t, dir)
	if len(applied) != len(ms) || applied[0] != "1 first_release" {
		t.Fatalf("schema_migrations after the upgrade: %v, want all %d, the first recorded (not run again)", applied, len(ms))
	}
	db, err = Open(dir) // the second time: nothing to apply
	if err != nil {
		t.Fatal(err)
	}
	second := facts(t, db)
	db.Close()
	// The first reading used the unused refresh tokens.
	delete(first, "refreshTokens")
	delete(second, "refreshTokens")
	if !bytes.Equal(indent(t, second), indent(t, first)) {
		t.Error("the second opening reads other facts")
	}
	if a := appliedMigrations(t, dir); !reflect.DeepEqual(a, applied) {
		t.Errorf("the second opening changed schema_migrations: %v, was %v", a, applied)
	}
	golden := filepath.Join(fixtureDir, "facts.json")
	if *updateGolden {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("facts differ from %s at line %d:\n got %s\nwant %s", golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("facts differ from %s in length: %d lines, want %d", golden, len(gl), len(wl))
	}
}

// appliedMigrations lists schema_migrations as "version name", checking
// that each was recorded with a time.
func appliedMigrations(t *testing.T, dir string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "needmatch.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v int
		var name, at string
		if err := rows.Scan(&v, &name, &at); err != nil {
			t.Fatal(err)
		}
		if _, err := time.Parse(time.RFC3339Nano, at); err != nil {
			t.Errorf("migration %d applied_at %q: %v", v, at, err)
		}
		out = append(out, fmt.Sprintf("%d %s", v, name))
	}
	return out
}

// documentTables keep a document: only audit, whose hash chain covers the
// stored bytes (an event is kept as the JSON it was hashed from).
var documentTables = map[string]bool{"audit": true}

// TestNoAPIFieldNamesInTheSchema checks that, after every migration, no
// trigger, view or index reads JSON by the API's field names and no
// table of the store's own columns keeps a document.
func TestNoAPIFieldNamesInTheSchema(t *testing.T) {
	for _, name := range []string{"new", "upgraded"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if name == "upgraded" {
				dir = copyFixture(t)
			}
			db, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, err := db.read.Query(`SELECT type, name, COALESCE(sql, '') FROM sqlite_schema WHERE type IN ('trigger', 'view', 'index')`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var typ, obj, text string
				if err := rows.Scan(&typ, &obj, &text); err != nil {
					t.Fatal(err)
				}
				n++
				if strings.Contains(text, "json_") {
					t.Errorf("%s %s reads JSON: %s", typ, obj, text)
				}
			}
			if n < 20 {
				t.Fatalf("read %d triggers and indexes; the schema is not there", n)
			}
			tables, err := db.read.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for tables.Next() {
				var name string
				if err := tables.Scan(&name); err != nil {
					t.Fatal(err)
				}
				names = append(names, name)
			}
			tables.Close()
			if len(names) < 15 {
				t.Fatalf("read %d tables; the schema is not there", len(names))
			}
			for _, table := range names {
				var docs int
				if err := db.read.QueryRow(`SELECT count(*) FROM pragma_table_info(?) WHERE name = 'doc'`, table).Scan(&docs); err != nil {
					t.Fatal(err)
				}
				if docs != 0 && !documentTables[table] {
					t.Errorf("table %s keeps a doc column", table)
				}
			}
		})
	}
}

// TestAuthorityWeightsUpgrade: migration 0013 copies a first-release
// authority's weights, which the fixture lacks, with every digit of their
// numbers and their times, and an authority without weights keeps none.
func TestAuthorityWeightsUpgrade(t *testing.T) {
	dir := copyFixture(t)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "needmatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	const weights = `[{"version":1,"need":0.30000000000000004,"fit":0.2,"coverage":0.1,"urgency":0.1,"distance":0.15,"record":0.15,"setAt":"0001-01-01T00:00:00Z"},` +
		`{"version":2,"need":0.5,"fit":0.1,"coverage":0,"urgency":0.1,"distance":0.1,"record":0.2,"setBy":"01a2319c29c844e4ecd06a73","setAt":"2026-12-02T10:11:12.123456789+01:00"}]`
	if _, err := raw.Exec(`UPDATE authorities SET doc = json_set(doc, '$.weights', json(?), '$.horizonYears', 7)`, weights); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.AuthorityBySlug(context.Background(), "stockport")
	if err != nil {
		t.Fatal(err)
	}
	var want []domain.Weights
	if err := json.Unmarshal([]byte(weights), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p(a.Weights), p(want)) || a.HorizonYears != 7 || len(a.Areas) == 0 {
		t.Fatalf("after the upgrade: weights %+v, horizon %d, %d areas; want %+v, 7", a.Weights, a.HorizonYears, len(a.Areas), want)
	}
	if got := a.Weights[0].Need; got != 0.30000000000000004 || got == 0.3 {
		t.Errorf("need weight %v, want 0.30000000000000004, every digit", got)
	}
	if err := db.UpdateAuthority(context.Background(), &domain.Authority{ID: a.ID, Slug: a.Slug, Name: a.Name, Version: a.Version + 1}, a.Version, nil); err != nil {
		t.Fatal(err)
	}
	b, err := db.AuthorityByID(context.Background(), a.ID)
	if err != nil || b.Weights != nil || b.Areas != nil || b.Version != a.Version+1 {
		t.Fatalf("an authority without weights or areas reads back as %+v, %v", b, err)
	}
}

// TestIdempotencyBodiesUpgrade: migration 0014 (Go) decodes the first
// release's base64 bodies into bytes: every answered record's body is a
// BLOB holding the JSON the API answered.
func TestIdempotencyBodiesUpgrade(t *testing.T) {
	db, err := Open(copyFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.read.Query(`SELECT key, typeof(body), body FROM idempotency WHERE done`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var key, typ string
		var body []byte
		if err := rows.Scan(&key, &typ, &body); err != nil {
			t.Fatal(err)
		}
		n++
		if typ != "blob" || !json.Valid(body) || body[0] != '{' {
			t.Errorf("record %s: body a %s %q, want the answer's JSON as bytes", key, typ, body)
		}
	}
	if n == 0 {
		t.Fatal("the fixture has no answered idempotency record")
	}
}

// TestMigrationNumbers: Go migrations number with the files, and a Go
// migration on a file's number or past a gap is refused.
func TestMigrationNumbers(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 || (m.sql == "") == (m.fn == nil) {
			t.Fatalf("migration %d is %04d_%s, want number %d with SQL or Go", i, m.version, m.name, i+1)
		}
	}
	if ms[13].name != "idempotency_columns" || ms[13].fn == nil {
		t.Errorf("migration 14 is %s, want the Go idempotency_columns", ms[13].name)
	}
	saved := goMigrations
	defer func() { goMigrations = saved }()
	for _, v := range []int{10, len(ms) + 2} {
		goMigrations = map[int]migration{v: {name: "clash", fn: func(*sql.Tx) error { return nil }}}
		for k, m := range saved {
			if k != v {
				goMigrations[k] = m
			}
		}
		if _, err := migrations(); err == nil {
			t.Errorf("a Go migration numbered %d was taken", v)
		}
	}
}
