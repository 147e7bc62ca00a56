// Command mkfixture made store/sqlite/testdata/v1/needmatch.db: it drives a
// running `needmatch serve` (seeded with `needmatch seed`) through the HTTP
// API only, so that the database holds every kind of object as the release
// before the numbered migrations wrote it. It was run once, against that
// release; it imports nothing of the project, so it keeps building.
//
//	go build -o /tmp/nm ./cmd/needmatch
//	NEEDMATCH_DATA_DIR=/tmp/fx /tmp/nm seed
//	NEEDMATCH_DATA_DIR=/tmp/fx NEEDMATCH_ADDR=127.0.0.1:18555 /tmp/nm serve &
//	go run ./store/sqlite/testdata/mkfixture -base http://127.0.0.1:18555
//	kill -TERM %1   # writes the shutdown checkpoint
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

var base string

type client struct {
	http  *http.Client
	token string
	n     int
}

func newClient() *client {
	jar, _ := cookiejar.New(nil)
	return &client{http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (c *client) do(method, path string, body any, want int, idem string) map[string]any {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+"/api/v1"+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(req, want, idem)
}

func (c *client) send(req *http.Request, want int, idem string) map[string]any {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := c.http.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		log.Fatalf("%s %s: %d (want %d): %s", req.Method, req.URL.Path, res.StatusCode, want, b)
	}
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	return out
}

func login(email, password string) *client {
	c := newClient()
	out := c.do("POST", "/auth/login", map[string]any{"email": email, "password": password}, 200, "")
	c.token = out["accessToken"].(string)
	return c
}

func id(m map[string]any) string { return m["id"].(string) }

func main() {
	flag.StringVar(&base, "base", "http://127.0.0.1:18555", "server")
	flag.Parse()
	officer := login("officer@stockport.example", "officer-demo-pass")
	admin := login("admin@stockport.example", "admin-demo-pass")
	group := login("group@stockport.example", "group-demo-pass1")
	supplier := login("supplier@stockport.example", "supplier-demo-pass")

	// Refresh tokens: one used (rotated), a family revoked by logout.
	supplier.do("POST", "/auth/refresh", nil, 200, "")
	extra := login("group@stockport.example", "group-demo-pass1")
	extra.do("POST", "/auth/logout", nil, 204, "")

	// Organisations: one pending, one rejected.
	anon := newClient()
	anon.do("POST", "/auth/register", map[string]any{"email": "pending@example.org", "password": "pending-pass-123", "name": "Pat Pending", "role": "supplier",
		"organisation": map[string]any{"name": "Pending Plant Hire", "authority": "stockport"}}, 201, "")
	rej := anon.do("POST", "/auth/register", map[string]any{"email": "rejected@example.org", "password": "rejected-pass-123", "name": "Rae Rejected", "role": "group",
		"organisation": map[string]any{"name": "Rejected Rovers", "authority": "stockport"}}, 201, "")
	officer.do("POST", "/organisations/"+rej["organisation"].(map[string]any)["id"].(string)+"/reject", map[string]any{"reason": "Not a group in the borough."}, 200, "")

	// Requests in several states (the seed published six).
	var published []string
	list := group.do("GET", "/requests?mine=true&limit=50", nil, 200, "")
	for _, r := range list["items"].([]any) {
		m := r.(map[string]any)
		if m["status"] == "published" {
			published = append(published, id(m))
		}
	}
	if len(published) < 6 {
		log.Fatalf("want the six seeded published requests, have %d", len(published))
	}
	deadline := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	newReq := func(title string) string {
		return id(group.do("POST", "/requests", map[string]any{"title": title, "description": "A request made for the upgrade fixture: " + title,
			"kind": "goods", "area": "E05015018", "quantity": 4, "unit": "items", "valuePence": 40_000, "deadline": deadline, "safeguarding": true}, 201, "fx-req-"+strings.ReplaceAll(title, " ", "-")))
	}
	newReq("Draft: chairs for the hall")
	sub := newReq("Submitted: tables for the hall")
	group.do("POST", "/requests/"+sub+"/submit", nil, 200, "")
	rjr := newReq("Rejected: a hot tub")
	group.do("POST", "/requests/"+rjr+"/submit", nil, 200, "")
	officer.do("POST", "/requests/"+rjr+"/reject", map[string]any{"reason": "Not a community need."}, 200, "")
	wd := newReq("Withdrawn: a projector")
	group.do("POST", "/requests/"+wd+"/submit", nil, 200, "")
	officer.do("POST", "/requests/"+wd+"/publish", nil, 200, "")
	group.do("POST", "/requests/"+wd+"/withdraw", nil, 200, "")

	// A measures catalogue import (version 2 after the seeded examples).
	admin.do("POST", "/measures/import", map[string]any{"label": "Fixture catalogue", "csv": "code,name,unit,theme,proxy_gbp,source\n" +
		"VOL1,Volunteering hour,hour,communities,17.08,Fixture\nDON1,Money donated,pound,communities,1.00,Fixture\nLAP1,Laptop given,laptop,education,250.00,Fixture\n"}, 201, "fx-measures")

	// A contract at tender with a bid of three pledges, submitted and awarded.
	con := id(officer.do("POST", "/contracts", map[string]any{"reference": "FX-2025-001", "title": "Highways resurfacing", "directorate": "Place",
		"valuePence": 12_000_000, "stage": "tender"}, 201, "fx-contract"))
	bid := id(supplier.do("POST", "/contracts/"+con+"/bids", nil, 201, "fx-bid"))
	var bidPledges []string
	for i, r := range published[:3] {
		bidPledges = append(bidPledges, id(supplier.do("POST", "/requests/"+r+"/pledges", map[string]any{"offer": fmt.Sprintf("Bid offer %d", i+1),
			"quantity": 10, "measureCode": "VOL1", "bidId": bid}, 201, fmt.Sprintf("fx-bid-pledge-%d", i))))
	}
	supplier.do("POST", "/bids/"+bid+"/submit", nil, 200, "")
	officer.do("POST", "/contracts/"+con+"/award", map[string]any{"bidId": bid, "dueDate": time.Now().AddDate(0, 6, 0).Format("2006-01-02")}, 200, "fx-award")
	officer.do("POST", "/contracts/"+con+"/stage", map[string]any{"stage": "live"}, 200, "")
	id(officer.do("POST", "/contracts", map[string]any{"reference": "FX-2025-002", "title": "Pipeline: school meals", "directorate": "People", "valuePence": 6_000_000}, 201, ""))

	// Pledges outside a bid: approved in part, declined, withdrawn, offered.
	pledge := func(r, offer string, qty int) map[string]any {
		return supplier.do("POST", "/requests/"+r+"/pledges", map[string]any{"offer": offer, "quantity": qty,
			"allowPartial": true, "measureCode": "LAP1"}, 201, "fx-pledge-"+strings.ReplaceAll(offer, " ", "-"))
	}
	ap := pledge(published[3], "approved in part", 2)
	officer.do("POST", "/pledges/"+id(ap)+"/approve", map[string]any{"amountPence": 30_000, "version": ap["version"]}, 200, "fx-approve")
	dc := pledge(published[4], "declined", 2)
	officer.do("POST", "/pledges/"+id(dc)+"/decline", map[string]any{"reason": "Not needed now."}, 200, "")
	wp := pledge(published[4], "withdrawn", 2)
	supplier.do("POST", "/pledges/"+id(wp)+"/withdraw", nil, 200, "")
	pledge(published[5], "offered one", 1)
	pledge(published[5], "offered two", 3)

	// An allocation proposal over the offered pledges.
	officer.do("POST", "/allocations", map[string]any{"timeLimitMs": 500}, 201, "fx-allocation")

	// Deliveries with evidence: confirmed and verified, verified without
	// confirmation, rejected, and one only reported.
	upload := func(name, text string) string {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(text))
		mw.Close()
		req, _ := http.NewRequest("POST", base+"/api/v1/evidence", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return id(supplier.send(req, 201, ""))
	}
	today := time.Now().Format("2006-01-02")
	deliver := func(p, ev string, qty int) string {
		body := map[string]any{"quantity": qty, "date": today, "notes": "Delivered for the fixture"}
		if ev != "" {
			body["evidenceIds"] = []string{ev}
		}
		return id(supplier.do("POST", "/pledges/"+p+"/deliveries", body, 201, "fx-delivery-"+p+ev))
	}
	d1 := deliver(bidPledges[0], upload("timesheet.txt", "10 hours of volunteering, signed off"), 4)
	group.do("POST", "/deliveries/"+d1+"/confirm", nil, 200, "")
	officer.do("POST", "/deliveries/"+d1+"/verify", map[string]any{}, 200, "")
	d2 := deliver(bidPledges[1], upload("photos.txt", "photos of the painted hall"), 3)
	officer.do("POST", "/deliveries/"+d2+"/verify", map[string]any{"reason": "Seen on site visit."}, 200, "")
	d3 := deliver(bidPledges[2], "", 2)
	officer.do("POST", "/deliveries/"+d3+"/reject", map[string]any{"reason": "No evidence of the hours."}, 200, "")
	deliver(bidPledges[2], upload("register.txt", "attendance register"), 1)
	d5 := deliver(id(ap), "", 1)
	group.do("POST", "/deliveries/"+d5+"/confirm", nil, 200, "")
	fmt.Println("fixture written; stop the server with SIGTERM to write the checkpoint")
}
