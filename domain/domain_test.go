package domain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ErrorCode(err); got != code {
		t.Fatalf("code = %q (%v), want %q", got, err, code)
	}
}

func TestRequestTransitions(t *testing.T) {
	type step struct {
		move func(*Request) error
		want RequestStatus // status after, or "" when refused with ECONFLICT
	}
	submit := func(r *Request) error { return r.Submit(now) }
	publish := func(r *Request) error { return r.Publish(now) }
	reject := func(r *Request) error { return r.Reject("Outside our area", now) }
	withdraw := func(r *Request) error { return r.Withdraw(now) }
	cases := []struct {
		name  string
		steps []step
	}{
		{"draft submit publish withdraw", []step{{submit, ReqSubmitted}, {publish, ReqPublished}, {withdraw, ReqWithdrawn}}},
		{"publish a draft", []step{{publish, ""}}},
		{"reject a draft", []step{{reject, ""}}},
		{"submit twice", []step{{submit, ReqSubmitted}, {submit, ""}}},
		{"rejected is final", []step{{submit, ReqSubmitted}, {reject, ReqRejected}, {publish, ""}, {withdraw, ""}, {submit, ""}}},
		{"withdrawn is final", []step{{withdraw, ReqWithdrawn}, {submit, ""}, {withdraw, ""}}},
		{"publish twice", []step{{submit, ReqSubmitted}, {publish, ReqPublished}, {publish, ""}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Request{Status: ReqDraft, Version: 1}
			for i, s := range c.steps {
				before := *r
				err := s.move(r)
				if s.want == "" {
					wantCode(t, err, ECONFLICT)
					if r.Status != before.Status || r.Version != before.Version {
						t.Fatalf("step %d: a refused move changed the request", i)
					}
					continue
				}
				if err != nil || r.Status != s.want || r.Version != before.Version+1 || !r.UpdatedAt.Equal(now) {
					t.Fatalf("step %d: %v, status %s v%d", i, err, r.Status, r.Version)
				}
			}
		})
	}
	r := &Request{Status: ReqSubmitted}
	wantCode(t, r.Reject("  ", now), EINVALID)
	if r.Status != ReqSubmitted {
		t.Fatal("reject without a reason changed the status")
	}
}

func TestRequestDerive(t *testing.T) {
	for _, c := range []struct {
		status          RequestStatus
		value, approved int64
		want            RequestStatus
	}{
		{ReqPublished, 100, 0, ReqPublished}, {ReqPublished, 100, 40, ReqPartlyMatched}, {ReqPublished, 100, 100, ReqMatched},
		{ReqPublished, 100, 150, ReqMatched}, {ReqDraft, 100, 100, ReqDraft}, {ReqWithdrawn, 100, 50, ReqWithdrawn},
	} {
		r := &Request{Status: c.status, ValuePence: c.value, ApprovedPence: c.approved}
		r.Derive()
		if r.Status != c.want {
			t.Errorf("%s %d/%d -> %s, want %s", c.status, c.approved, c.value, r.Status, c.want)
		}
	}
}

func TestPledgeTransitions(t *testing.T) {
	mk := func(partial bool) *Pledge {
		return &Pledge{Status: PledgeOffered, Version: 1, ValuePence: 1000, AllowPartial: partial}
	}
	p := mk(false)
	if err := p.Approve("o1", 0, now); err != nil || p.Status != PledgeApproved || p.ApprovedPence != 1000 || p.DecidedBy != "o1" || p.Version != 2 {
		t.Fatalf("approve all: %v %+v", err, p)
	}
	wantCode(t, p.Approve("o1", 0, now), ECONFLICT)
	wantCode(t, p.Decline("o1", "Too late now", now), ECONFLICT)
	if err := p.Withdraw(now); err != nil || p.Status != PledgeWithdrawn || p.ApprovedPence != 0 {
		t.Fatalf("withdraw approved: %v %+v", err, p)
	}
	wantCode(t, p.Withdraw(now), ECONFLICT)

	p = mk(false)
	wantCode(t, p.Approve("o1", 500, now), EINVALID) // part of a whole-only pledge
	wantCode(t, p.Approve("o1", 1001, now), EINVALID)
	wantCode(t, p.Approve("o1", -1, now), EINVALID)
	if p.Status != PledgeOffered || p.Version != 1 {
		t.Fatalf("refused approvals changed the pledge: %+v", p)
	}
	p = mk(true)
	if err := p.Approve("o1", 500, now); err != nil || p.ApprovedPence != 500 {
		t.Fatalf("partial approve: %v %+v", err, p)
	}
	p = mk(true)
	wantCode(t, p.Decline("o1", "", now), EINVALID)
	if err := p.Decline("o1", "We have enough laptops", now); err != nil || p.Status != PledgeDeclined || p.Reason != "We have enough laptops" {
		t.Fatalf("decline: %v %+v", err, p)
	}
	wantCode(t, p.Approve("o1", 0, now), ECONFLICT)
	if p.Live() {
		t.Fatal("a declined pledge counts as live")
	}
}

func TestOrganisationTransitions(t *testing.T) {
	o := &Organisation{Status: OrgPending, Version: 1}
	if err := o.Approve(now); err != nil || o.Status != OrgApproved || o.Version != 2 {
		t.Fatalf("approve: %v %+v", err, o)
	}
	wantCode(t, o.Approve(now), ECONFLICT)
	wantCode(t, o.Reject("Not local", now), ECONFLICT)
	o = &Organisation{Status: OrgPending}
	wantCode(t, o.Reject("", now), EINVALID)
	if err := o.Reject("Not a Stockport group", now); err != nil || o.Status != OrgRejected {
		t.Fatalf("reject: %v", err)
	}
}

func TestValidation(t *testing.T) {
	good := func() *Request {
		return &Request{Title: "Coats for winter", Kind: "goods", Area: "E1", Quantity: 4, Unit: "coats", ValuePence: 100, Deadline: now}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	for field, mut := range map[string]func(*Request){
		"title":       func(r *Request) { r.Title = "ab" },
		"description": func(r *Request) { r.Description = strings.Repeat("x", 5001) },
		"kind":        func(r *Request) { r.Kind = "cash" },
		"area":        func(r *Request) { r.Area = "" },
		"quantity":    func(r *Request) { r.Quantity = 0 },
		"unit":        func(r *Request) { r.Unit = "" },
		"valuePence":  func(r *Request) { r.ValuePence = MaxPence + 1 },
		"deadline":    func(r *Request) { r.Deadline = time.Time{} },
	} {
		r := good()
		mut(r)
		err := r.Validate()
		var de *Error
		if e, ok := err.(*Error); ok {
			de = e
		}
		if de == nil || de.Code != EINVALID || de.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
	// Control characters are refused, newlines allowed where text is long.
	r := good()
	r.Title = "a\x00b title"
	if err := r.Validate(); ErrorCode(err) != EINVALID {
		t.Fatal("NUL in a title accepted")
	}
	r = good()
	r.Description = "line one\nline two"
	if err := r.Validate(); err != nil {
		t.Fatalf("newline in a description refused: %v", err)
	}
	wantCode(t, CheckPassword("short"), EINVALID)
	if CheckPassword("twelve chars") != nil {
		t.Fatal("a 12-character password refused")
	}
}

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q %v", h, err)
	}
	if !CheckPasswordHash(h, "correct horse battery") || CheckPasswordHash(h, "correct horse batterY") {
		t.Fatal("password check wrong")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=99999999,t=2,p=1$AA$AA", "$bcrypt$x", h[:len(h)-5] + "!!!!!"} {
		if CheckPasswordHash(bad, "x") {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
}

func TestAuditChainVerification(t *testing.T) {
	var evs []*AuditEvent
	prevSeq, prevHash := int64(0), ""
	for i := 0; i < 5; i++ {
		e := NewAuditEvent("a1", "u1", "request.create", "request", NewID(), nil, map[string]int{"i": i}, now)
		e.Chain(prevSeq, prevHash)
		evs = append(evs, e)
		prevSeq, prevHash = e.Seq, e.Hash
	}
	if b := VerifyChain("a1", evs); b != nil {
		t.Fatalf("whole chain broken: %+v", b)
	}
	edited := append([]*AuditEvent(nil), evs...)
	cp := *edited[2]
	cp.Action = "request.delete"
	edited[2] = &cp
	if b := VerifyChain("a1", edited); b == nil || b.Seq != 3 || !strings.Contains(b.Problem, "edited") {
		t.Fatalf("edit: %+v", b)
	}
	if b := VerifyChain("a1", append(append([]*AuditEvent(nil), evs[:2]...), evs[3:]...)); b == nil || b.Seq != 4 {
		t.Fatalf("deletion: %+v", b)
	}
	swapped := []*AuditEvent{evs[0], evs[2], evs[1], evs[3], evs[4]}
	if b := VerifyChain("a1", swapped); b == nil {
		t.Fatal("reorder not detected")
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	c := Checkpoint{AuthorityID: "a1", Seq: 5, Hash: evs[4].Hash, At: now}
	c.Sign(key)
	if !c.Valid(key) || c.Valid([]byte("another key another key another k")) {
		t.Fatal("checkpoint MAC wrong")
	}
	if c.CheckAgainst(evs) != nil {
		t.Fatal("checkpoint against a whole chain failed")
	}
	if b := c.CheckAgainst(evs[:3]); b == nil || !strings.Contains(b.Problem, "truncated") {
		t.Fatalf("truncation: %+v", b)
	}
}

func TestNeedIndexFromDeciles(t *testing.T) {
	// Brinnington & Stockport Central: 6 LSOAs in decile 1, 1 in 2, 1 in 3.
	brinnington := NeedIndexFromDeciles([10]int{6, 1, 1})
	// Bramhall South & Woodford: 1 in decile 9, 7 in decile 10.
	bramhall := NeedIndexFromDeciles([10]int{8: 1, 9: 7})
	if brinnington != 0.9167 || bramhall != 0.0069 {
		t.Fatalf("need = %v and %v, want 0.9167 and 0.0069", brinnington, bramhall)
	}
	if NeedIndexFromDeciles([10]int{}) != 0 {
		t.Fatal("no LSOAs should give 0")
	}
}

func TestParseAreasCSV(t *testing.T) {
	areas, err := ParseAreasCSV(strings.NewReader("\ufeffCode,Name,Lat,Lon,d1,d2,d3,d4,d5,d6,d7,d8,d9,d10\nW1,One,53.4,-2.1,6,1,1,0,0,0,0,0,0,0\n"))
	if err != nil || len(areas) != 1 || areas[0].NeedIndex != 0.9167 || areas[0].Deciles[0] != 6 {
		t.Fatalf("areas = %+v %v", areas, err)
	}
	for name, in := range map[string]string{
		"no header column": "code,name,lat\nA,B,1\n",
		"no need columns":  "code,name,lat,lon\nA,B,1,2\n",
		"empty":            "code,name,lat,lon,need\n",
		"bad latitude":     "code,name,lat,lon,need\nA,B,91,2,0.5\n",
		"quote error":      "code,name,lat,lon,need\nA,\"B,1,2,0.5\n",
	} {
		if _, err := ParseAreasCSV(strings.NewReader(in)); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 10000; i++ {
		id := NewID()
		if !ValidID(id) || seen[id] || id <= prev {
			t.Fatalf("id %d = %q (prev %q): not valid, unique and increasing", i, id, prev)
		}
		seen[id], prev = true, id
	}
	for _, bad := range []string{"", "ABCDEF012345678901234567", "0123", "01234567890123456789012z"} {
		if ValidID(bad) {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// FuzzParseAreasCSV: any bytes give areas or an EINVALID error naming a
// line, never a panic.
func FuzzParseAreasCSV(f *testing.F) {
	f.Add("code,name,lat,lon,need\nA,B,1,2,0.5\n")
	f.Add("code,name,lat,lon,d1,d2,d3,d4,d5,d6,d7,d8,d9,d10\nW,One,53,-2,1,0,0,0,0,0,0,0,0,9\n")
	f.Add("\ufeffcode,name\n\"unterminated")
	f.Fuzz(func(t *testing.T, in string) {
		areas, err := ParseAreasCSV(strings.NewReader(in))
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		for _, a := range areas {
			if a.NeedIndex < 0 || a.NeedIndex > 1 || a.Code == "" {
				t.Fatalf("bad area %+v", a)
			}
		}
	})
}

// FuzzParseMeasuresCSV: any bytes give measures or an EINVALID error, never a panic.
func FuzzParseMeasuresCSV(f *testing.F) {
	f.Add("code,name,unit,proxy_gbp,theme,source\nVOL,Volunteering hour,hour,17.00,social,Our own\n")
	f.Add("code,name,unit,proxy_pence,theme\nX,Y,Z,-1,t\n")
	f.Add("code\n\"")
	f.Fuzz(func(t *testing.T, in string) {
		ms, err := ParseMeasuresCSV(strings.NewReader(in))
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		for _, m := range ms {
			if m.Code == "" || m.ProxyPence < 0 {
				t.Fatalf("bad measure %+v", m)
			}
		}
	})
}

// TestInvisibleCharacters: an email or a name that only looks like another
// (zero-width space, joiner, byte-order mark, bidi control, control) is
// refused with a problem naming the field, before anything is looked up.
func TestInvisibleCharacters(t *testing.T) {
	svc := &Service{Now: func() time.Time { return now }} // no store: refused before any lookup
	good := RegisterInput{Email: "supplier@stockport.example", Password: "correct-horse-battery", Name: "Sam Jones", Role: RoleSupplier, OrgName: "Mersey Build Ltd", AuthoritySlug: "stockport"}
	for _, c := range []struct {
		name, field string
		mut         func(*RegisterInput)
	}{
		{"zero-width space after an email", "email", func(in *RegisterInput) { in.Email += "\u200b" }},
		{"byte-order mark in an email", "email", func(in *RegisterInput) { in.Email = "\ufeff" + in.Email }},
		{"control character in an email", "email", func(in *RegisterInput) { in.Email = "supplier\x7f@stockport.example" }},
		{"zero-width joiner in an organisation name", "organisation.name", func(in *RegisterInput) { in.OrgName = "Mersey\u200d Build Ltd" }},
		{"right-to-left override in an organisation name", "organisation.name", func(in *RegisterInput) { in.OrgName = "Mersey Build \u202eLtd" }},
		{"zero-width space in a person's name", "name", func(in *RegisterInput) { in.Name = "Sam\u200b Jones" }},
		{"byte-order mark in a person's name", "name", func(in *RegisterInput) { in.Name = "\ufeffSam Jones" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := good
			c.mut(&in)
			_, _, err := svc.Register(context.Background(), in)
			var de *Error
			if !errors.As(err, &de) || de.Code != EINVALID || de.Field != c.field {
				t.Fatalf("Register = %v, want EINVALID on %s", err, c.field)
			}
			if !strings.Contains(de.Message, "invisible") {
				t.Fatalf("message = %q", de.Message)
			}
		})
	}
	o := &Organisation{Name: "Mersey\u2060Build", Kind: KindGroup}
	if err := o.Validate(); ErrorCode(err) != EINVALID {
		t.Fatalf("word joiner in an organisation name accepted: %v", err)
	}
	// NFC: the same letters typed composed or decomposed are one address.
	if got := NormaliseEmail(" Cafe\u0301@Example.ORG "); got != "caf\u00e9@example.org" {
		t.Fatalf("NormaliseEmail = %q", got)
	}
	if got := cleanName("  Cafe\u0301 Club "); got != "Caf\u00e9 Club" {
		t.Fatalf("cleanName = %q", got)
	}
}
