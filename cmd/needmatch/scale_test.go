package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"needmatch/internal/ferret"
)

// scaleURI is the MongoDB-wire server of the scale test: a real MongoDB
// when MONGODB_TEST_URI is set, else FerretDB v1 (SQLite handler on a Unix
// socket, a process of its own: see internal/ferret).
func scaleURI(t *testing.T) string {
	t.Helper()
	if uri := os.Getenv("MONGODB_TEST_URI"); uri != "" {
		return uri
	}
	uri, stop, err := ferret.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	t.Log("FerretDB v1 (no transactions, non-atomic updates): the cases it cannot run are skipped; set MONGODB_TEST_URI for a real MongoDB")
	// ferret.Start's URI has one connection per process: FerretDB's
	// updates are not atomic, so a process's own operations must not
	// overlap on it.
	return uri
}

// serveProc is one `needmatch serve` of the scale test, with its log.
type serveProc struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
	mu   *sync.Mutex
	dir  string
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (p *serveProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func startScaleServe(t *testing.T, bin string, env []string) *serveProc {
	t.Helper()
	addr := freeAddr(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--checkpoint-every", "2s")
	cmd.Env = append(append(os.Environ(), env...), "NEEDMATCH_DATA_DIR="+dir, "NEEDMATCH_ADDR="+addr)
	p := &serveProc{cmd: cmd, addr: addr, dir: dir, logs: &bytes.Buffer{}, mu: &sync.Mutex{}}
	cmd.Stdout = lockedWriter{p.mu, p.logs}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if ready(addr, 60*time.Second) {
		return p
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Fatalf("serve did not start: %s", p.log())
	return nil
}

// postKeyed posts body with an Idempotency-Key and returns the status and
// the created id.
func postKeyed(client *http.Client, url, token, key string, body any) (int, string, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.ID, nil
}

// countJobRuns counts the runs of a background job in a process's log.
func countJobRuns(log, job string) int {
	n := 0
	for _, line := range strings.Split(log, "\n") {
		var e struct {
			Msg string `json:"msg"`
			Job string `json:"job"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "background job" && e.Job == job {
			n++
		}
	}
	return n
}

// TestScaleOut is the multi-process acceptance test (issue 15): three
// `needmatch serve` processes on one MongoDB-wire server take writes with
// Idempotency-Keys, retried on another process when one fails; one process
// at a time is killed with SIGKILL mid-write and restarted. Then: every
// acknowledged write is there exactly once, no key made two objects, a
// change left half done by a killed process is finished by a survivor
// within a minute, the daily lapse job ran once in all, and `audit verify`
// passes.
func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	started := time.Now()
	uri := scaleURI(t)
	dbName := fmt.Sprintf("nmscale_%d", os.Getpid())
	ctx := context.Background()
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	db := client.Database(dbName)
	t.Cleanup(func() { _ = db.Drop(context.Background()); _ = client.Disconnect(context.Background()) })

	bin := buildBinary(t)
	t.Logf("built in %v", time.Since(started).Round(time.Millisecond))
	seedStart := time.Now()
	env := []string{"MONGODB_URI=" + uri, "NEEDMATCH_MONGODB_DATABASE=" + dbName, "NEEDMATCH_JWT_SECRET=scale-test-secret-0123456789abcdef0123",
		"NEEDMATCH_AUDIT_KEY=scale-test-audit-key-0123456789abcdef",
		"NEEDMATCH_RATE_LIMITS=off", "NEEDMATCH_LEASE_TTL=8s", "NEEDMATCH_LOG_LEVEL=info"}
	seedCmd := exec.Command(bin, "seed", "--data-dir", t.TempDir())
	seedCmd.Env = append(os.Environ(), env...)
	if out, err := seedCmd.CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	t.Logf("seeded in %v", time.Since(seedStart).Round(time.Millisecond))

	var pmu sync.Mutex
	procs := make([]*serveProc, 3)
	var all []*serveProc // every incarnation, for the job logs
	for i := range procs {
		procs[i] = startScaleServe(t, bin, env)
		all = append(all, procs[i])
	}
	t.Cleanup(func() {
		for _, p := range all {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	addrOf := func(i int) string {
		pmu.Lock()
		defer pmu.Unlock()
		if procs[i] == nil {
			return ""
		}
		return procs[i].addr
	}
	token := login(t, procs[0].addr, "group@stockport.example", "group-demo-pass1")

	// Writers: each write has its own key and title; a failed attempt
	// (connection lost, 5xx, 409 while the first is running) is retried
	// with the same key on the next process.
	type outcome struct {
		key, title, id string
		replayed       bool
	}
	var omu sync.Mutex
	var outcomes []outcome
	ctxW, stopW := context.WithCancel(ctx)
	httpc := &http.Client{Timeout: 15 * time.Second}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctxW.Err() == nil; i++ {
				key := fmt.Sprintf("scale-%d-%d", w, i)
				title := "Scale write " + key
				o := outcome{key: key, title: title}
				for attempt := 0; attempt < 12 && o.id == "" && ctxW.Err() == nil; attempt++ {
					addr := addrOf((w + attempt) % 3)
					if addr == "" {
						continue
					}
					st, id, err := postKeyed(httpc, "http://"+addr+"/api/v1/requests", token, key, map[string]any{
						"title": title, "kind": "goods", "area": "E05015018", "quantity": 1, "unit": "box", "valuePence": 100, "deadline": inAYear()})
					switch {
					case err == nil && st == 201:
						o.id = id
					case err == nil && st < 500 && st != 409:
						t.Errorf("write %s: status %d", key, st)
						return
					default:
						time.Sleep(time.Duration(50+rand.IntN(200)) * time.Millisecond)
					}
				}
				omu.Lock()
				outcomes = append(outcomes, o)
				omu.Unlock()
			}
		}()
	}

	// Kill a process mid-write three times, restarting it each time.
	const kills = 3
	ackedSoFar := func() int {
		omu.Lock()
		defer omu.Unlock()
		n := 0
		for _, o := range outcomes {
			if o.id != "" {
				n++
			}
		}
		return n
	}
	for k := range kills {
		// Some writes acknowledged in every round, however slow the
		// machine, then a kill at a random moment under load.
		for wait := time.Now().Add(30 * time.Second); ackedSoFar() < 4*(k+1) && time.Now().Before(wait); {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Duration(200+rand.IntN(800)) * time.Millisecond)
		i := rand.IntN(3)
		pmu.Lock()
		victim := procs[i]
		procs[i] = nil
		pmu.Unlock()
		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = victim.cmd.Wait()
		if k == kills-1 {
			break // the last one stays dead: the survivors must finish its work
		}
		p := startScaleServe(t, bin, env)
		pmu.Lock()
		procs[i] = p
		all = append(all, p)
		pmu.Unlock()
	}
	time.Sleep(500 * time.Millisecond)
	stopW()
	wg.Wait()
	killedAt := time.Now()

	// A change the last killed process might have left after its commit
	// point: a request written with its event still pending, made 40 s ago
	// on the database's clock (a copy of a stored request and its event,
	// as the store writes them). The survivors' sweep must finish it.
	var hello struct {
		LocalTime time.Time `bson:"localTime"`
	}
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		t.Fatal(err)
	}
	var model, ev bson.M
	if err := db.Collection("requests").FindOne(ctx, bson.D{{Key: "title", Value: bson.D{{Key: "$regex", Value: "^Scale write"}}}}).Decode(&model); err != nil {
		t.Fatal(err)
	}
	if err := db.Collection("audit").FindOne(ctx, bson.D{{Key: "object", Value: model["_id"]}}).Decode(&ev); err != nil {
		t.Fatal(err)
	}
	plantedID, plantedEv := "scaleplanted"+fmt.Sprint(time.Now().UnixNano()), "scaleplantedev"+fmt.Sprint(time.Now().UnixNano())
	model["_id"], model["title"] = plantedID, "Scale write left half done"
	ev["_id"], ev["object"], ev["at"] = plantedEv, plantedID, hello.LocalTime.Add(-40*time.Second)
	delete(ev, "seq")
	delete(ev, "prevHash")
	delete(ev, "hash")
	model["pendingAudit"] = ev
	pending := func() int64 {
		var n int64
		names, err := db.ListCollectionNames(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range names {
			m, err := db.Collection(c).CountDocuments(ctx, bson.D{{Key: "$or", Value: bson.A{
				bson.D{{Key: "pendingAudit", Value: bson.D{{Key: "$exists", Value: true}}}},
				bson.D{{Key: "pendingIntent", Value: bson.D{{Key: "$exists", Value: true}}}},
				bson.D{{Key: "pendingOrg", Value: bson.D{{Key: "$exists", Value: true}}}},
			}}})
			if err != nil {
				t.Fatal(err)
			}
			n += m
		}
		return n
	}
	leftByKills := pending()
	if _, err := db.Collection("requests").InsertOne(ctx, model); err != nil {
		t.Fatal(err)
	}
	left := pending()
	for left > 0 && time.Since(killedAt) < time.Minute {
		time.Sleep(500 * time.Millisecond)
		left = pending()
	}
	if left > 0 {
		for i, p := range all {
			for _, line := range strings.Split(p.log(), "\n") {
				if strings.Contains(line, "recover") || strings.Contains(line, "ERROR") {
					t.Logf("process %d: %s", i, line)
				}
			}
		}
		t.Fatalf("%d changes still half done %v after the last kill: no survivor swept them", left, time.Since(killedAt).Round(time.Second))
	}
	sweptIn := time.Since(killedAt)
	if n, err := db.Collection("audit").CountDocuments(ctx, bson.D{{Key: "_id", Value: plantedEv}}); err != nil || n != 1 {
		t.Fatalf("the half-done change's event in the chain %d times (%v), want once", n, err)
	}

	// Replays: every acknowledged key sent again, to another process,
	// answers the first request's id and makes nothing new.
	acked := 0
	for i, o := range outcomes {
		if o.id == "" {
			continue
		}
		acked++
		if i%4 != 0 { // a quarter of them, to keep the run short
			continue
		}
		addr := addrOf((i + 1) % 3)
		if addr == "" {
			addr = addrOf((i + 2) % 3)
		}
		st, id, err := postKeyed(httpc, "http://"+addr+"/api/v1/requests", token, o.key, map[string]any{
			"title": o.title, "kind": "goods", "area": "E05015018", "quantity": 1, "unit": "box", "valuePence": 100, "deadline": inAYear()})
		if err != nil || st != 201 || id != o.id {
			t.Fatalf("replay of %s: %d %q %v, want 201 with %q", o.key, st, id, err, o.id)
		}
	}
	if acked < 8 {
		t.Fatalf("only %d acknowledged writes; the test did not load the servers", acked)
	}

	// Exactly once: each acknowledged write is stored once with its id,
	// no key made two requests, and each request has one creation event.
	for _, o := range outcomes {
		cur, err := db.Collection("requests").Find(ctx, bson.D{{Key: "title", Value: o.title}})
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		switch {
		case len(docs) > 1:
			t.Fatalf("key %s made %d requests", o.key, len(docs))
		case o.id != "" && (len(docs) != 1 || docs[0].ID != o.id):
			t.Fatalf("acknowledged write %s (%s) stored as %v", o.key, o.id, docs)
		case len(docs) == 1:
			if n, err := db.Collection("audit").CountDocuments(ctx, bson.D{{Key: "object", Value: docs[0].ID}}); err != nil || n != 1 {
				t.Fatalf("request %s has %d events (%v), want 1", docs[0].ID, n, err)
			}
		}
	}

	// The daily lapse job ran once across every process and restart; the
	// sweep ran in the survivors.
	lapses, sweeps := 0, 0
	for _, p := range all {
		lapses += countJobRuns(p.log(), "lapse")
		sweeps += countJobRuns(p.log(), "recover")
	}
	if lapses != 1 {
		t.Fatalf("lapse runs over %d process starts = %d, want 1", len(all), lapses)
	}
	if sweeps == 0 {
		t.Fatal("no recovery sweep ran")
	}
	// One checkpoint series, in the database: written in seq order by one
	// lease holder at a time, none in a process's data dir.
	checkpoints := 0
	for _, p := range all {
		checkpoints += countJobRuns(p.log(), "audit checkpoint")
		if m, _ := filepath.Glob(filepath.Join(p.dir, "audit-checkpoint*")); len(m) > 0 {
			t.Fatalf("checkpoint files in a process's data dir: %v", m)
		}
	}
	cur, err := db.Collection("checkpoints").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var series []struct {
		Authority string    `bson:"authorityId"`
		Seq       int64     `bson:"seq"`
		At        time.Time `bson:"at"`
	}
	if err := cur.All(ctx, &series); err != nil {
		t.Fatal(err)
	}
	if len(series) < 2 || checkpoints == 0 {
		t.Fatalf("%d checkpoints in the database from %d logged runs, want a series", len(series), checkpoints)
	}
	for i := 1; i < len(series); i++ {
		if a, b := series[i-1], series[i]; a.Authority == b.Authority && (b.Seq <= a.Seq || b.At.Before(a.At)) {
			t.Fatalf("checkpoint series out of order: seq %d at %v, then seq %d at %v", a.Seq, a.At, b.Seq, b.At)
		}
	}

	pmu.Lock()
	for _, p := range procs {
		if p != nil {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			_ = p.cmd.Wait()
		}
	}
	pmu.Unlock()
	verify := exec.Command(bin, "audit", "verify", "--data-dir", t.TempDir())
	verify.Env = append(os.Environ(), env...)
	out, err := verify.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok authority") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	t.Logf("%d writes, %d acknowledged, over %d kills and %d process starts: each once, no key twice; %d half-done changes left by the kills and one planted, all swept %v after the last kill; lapse ran %d time(s), the sweep %d; %d checkpoints in one series; audit verifies; %v in all",
		len(outcomes), acked, kills, len(all), leftByKills, sweptIn.Round(100*time.Millisecond), lapses, sweeps, len(series), time.Since(started).Round(time.Second))
}
