package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles needmatch once for the process tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "needmatch")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type proc struct {
	cmd  *exec.Cmd
	addr string
}

func startServe(t *testing.T, bin, dir string) *proc {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "NEEDMATCH_DATA_DIR="+dir, "NEEDMATCH_ADDR="+addr, "NEEDMATCH_RATE_LIMITS=off")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if ready(addr, 20*time.Second) {
		return &proc{cmd: cmd, addr: addr}
	}
	_ = cmd.Process.Kill()
	t.Fatalf("server did not start: %s", logs.String())
	return nil
}

// ready waits up to within for the server at addr to answer /readyz.
func ready(addr string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func postJSON(url, token string, body any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	err = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, err
}

func getJSON(url, token string) (int, map[string]any) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func login(t *testing.T, addr, email, password string) string {
	t.Helper()
	st, body, err := postJSON("http://"+addr+"/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
	if err != nil || st != 200 {
		t.Fatalf("login %s: %d %v %v", email, st, body, err)
	}
	return body["accessToken"].(string)
}

// TestKill9KeepsAcknowledgedWrites kills the server with SIGKILL while
// writers are busy, restarts it, and checks every acknowledged request and
// its audit event are there and the audit chain verifies.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	bin, dir := seededDataDir(t)
	kills := 3
	if n, err := strconv.Atoi(os.Getenv("NEEDMATCH_CHAOS_KILLS")); err == nil && n > 0 {
		kills = n // scripts/chaos runs the long version
	}
	var acked []string
	var mu sync.Mutex
	for round := 0; round < kills; round++ {
		p := startServe(t, bin, dir)
		token := login(t, p.addr, "group@stockport.example", "group-demo-pass1")
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					st, body, err := postJSON("http://"+p.addr+"/api/v1/requests", token, map[string]any{
						"title": fmt.Sprintf("Crash round %d writer %d no %d", round, w, i), "kind": "goods", "area": "E05015018",
						"quantity": 1, "unit": "box", "valuePence": 100, "deadline": inAYear()})
					if err == nil && st == 201 {
						mu.Lock()
						acked = append(acked, body["id"].(string))
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(200+rand.IntN(800)) * time.Millisecond) // a random moment under load
		if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = p.cmd.Wait()
		cancel()
		wg.Wait()
	}
	if len(acked) < 10 {
		t.Fatalf("only %d acknowledged writes; the test did not load the server", len(acked))
	}
	p := startServe(t, bin, dir)
	defer func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() }()
	officer := login(t, p.addr, "officer@stockport.example", "officer-demo-pass")
	for _, id := range acked {
		st, r := getJSON("http://"+p.addr+"/api/v1/requests/"+id, officer)
		if st != 200 || r["id"] != id {
			t.Fatalf("acknowledged request %s lost after kill -9: %d", id, st)
		}
		st, a := getJSON("http://"+p.addr+"/api/v1/audit?object="+id, officer)
		if items, _ := a["items"].([]any); st != 200 || len(items) != 1 || items[0].(map[string]any)["action"] != "request.create" {
			t.Fatalf("audit event of acknowledged request %s: %d %v", id, st, a)
		}
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	out, err := exec.Command(bin, "audit", "verify", "--data-dir", dir).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok authority") {
		t.Fatalf("audit verify after kills: %v\n%s", err, out)
	}
	// Exactly once, and nothing half there: every stored request (acknowledged
	// or not) has exactly one creation event, every event its request, and no
	// title (unique per attempt) is stored twice.
	var dupTitles, orphanReq, orphanEv int
	q := func(sql string, dst *int) {
		t.Helper()
		if err := querySQL(filepath.Join(dir, "needmatch.db"), sql, dst); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT count(*) FROM (SELECT title FROM requests GROUP BY title HAVING count(*) > 1)`, &dupTitles)
	q(`SELECT count(*) FROM requests r WHERE (SELECT count(*) FROM audit a WHERE a.object = r.id) != 1 AND r.title LIKE 'Crash%'`, &orphanReq)
	q(`SELECT count(*) FROM audit a WHERE a.doc LIKE '%"action":"request.create"%' AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = a.object)`, &orphanEv)
	if dupTitles != 0 || orphanReq != 0 || orphanEv != 0 {
		t.Fatalf("after kills: %d duplicated writes, %d requests without exactly one event, %d events without their request", dupTitles, orphanReq, orphanEv)
	}
	t.Logf("%d acknowledged writes over %d kills: all present once with their audit events; chain verifies", len(acked), kills)
}

// TestAuditVerifyDetectsTampering edits, deletes and reorders events in the
// database file directly and expects `audit verify` to fail and say where.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	bin := buildBinary(t)
	for name, sql := range map[string]string{
		"edit":    `UPDATE audit SET doc = replace(doc, '"action":"request.publish"', '"action":"request.reject"') WHERE seq = (SELECT max(seq) FROM audit WHERE doc LIKE '%request.publish%')`,
		"delete":  `DELETE FROM audit WHERE seq = 5`,
		"reorder": `UPDATE audit SET seq = CASE seq WHEN 6 THEN -7 WHEN 7 THEN -6 END WHERE seq IN (6,7); UPDATE audit SET seq = -seq WHERE seq < 0`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if out, err := exec.Command(bin, "seed", "--data-dir", dir).CombinedOutput(); err != nil {
				t.Fatalf("seed: %v %s", err, out)
			}
			if out, err := exec.Command(bin, "audit", "verify", "--data-dir", dir).CombinedOutput(); err != nil {
				t.Fatalf("verify before tampering: %v %s", err, out)
			}
			if err := execSQL(filepath.Join(dir, "needmatch.db"), sql); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "audit", "verify", "--data-dir", dir).CombinedOutput()
			var ee *exec.ExitError
			if !errorsAs(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "BROKEN") || !strings.Contains(string(out), "at seq") {
				t.Fatalf("tampering (%s) not detected: %v\n%s", name, err, out)
			}
		})
	}
}

// TestAuditVerifyDetectsTruncation: events cut from the end of the chain
// leave no broken link; the signed checkpoint written on shutdown (in the
// database, signed with the key file of the data dir) finds it.
func TestAuditVerifyDetectsTruncation(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	bin, dir := seededDataDir(t)
	p := startServe(t, bin, dir)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("graceful shutdown on SIGTERM: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "audit-checkpoints.jsonl")); err == nil {
		t.Fatal("checkpoints written to a file, not the database")
	}
	if out, err := exec.Command(bin, "audit", "verify", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("verify before truncation: %v %s", err, out)
	}
	if err := execSQL(filepath.Join(dir, "needmatch.db"), `DELETE FROM audit WHERE seq > (SELECT max(seq) - 3 FROM audit)`); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "audit", "verify", "--data-dir", dir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "truncated") {
		t.Fatalf("truncation not detected: %v\n%s", err, out)
	}
	// A forged checkpoint (wrong MAC) is refused too.
	if err := execSQL(filepath.Join(dir, "needmatch.db"), `INSERT INTO audit_checkpoints VALUES ('x', 1, 'h', '2026-01-01T00:00:00Z', '00')`); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "audit", "verify", "--data-dir", dir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "BROKEN authority x at seq 1") || !strings.Contains(string(out), "does not verify with the audit key") {
		t.Fatalf("forged checkpoint not detected: %v\n%s", err, out)
	}
	// Another NEEDMATCH_AUDIT_KEY than the one that signed: every checkpoint fails.
	cmd := exec.Command(bin, "audit", "verify", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "NEEDMATCH_AUDIT_KEY=another-audit-key-0123456789abcdef")
	out, err = cmd.CombinedOutput()
	if err == nil || strings.Count(string(out), "does not verify with the audit key") < 2 {
		t.Fatalf("wrong key not reported: %v\n%s", err, out)
	}
}

// TestServeWiring checks what only the real binary wires together: the
// timed store still keeps allocations and idempotency keys, /metrics answers
// loopback, and unknown paths outside /api fall back to the app.
func TestServeWiring(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	bin, dir := seededDataDir(t)
	p := startServe(t, bin, dir)
	defer func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() }()
	base := "http://" + p.addr
	officer := login(t, p.addr, "officer@stockport.example", "officer-demo-pass")
	if st, body, err := postJSON(base+"/api/v1/allocations", officer, map[string]any{}); err != nil || st != 201 || body["status"] != "proposed" {
		t.Fatalf("allocation through the binary: %d %v %v", st, body, err)
	}
	supplier := login(t, p.addr, "supplier@stockport.example", "supplier-demo-pass")
	st, list := getJSON(base+"/api/v1/requests", supplier)
	if st != 200 || len(list["items"].([]any)) == 0 {
		t.Fatalf("requests: %d %v", st, list)
	}
	rid := list["items"].([]any)[0].(map[string]any)["id"].(string)
	var ids []string
	for i := 0; i < 2; i++ {
		b, _ := json.Marshal(map[string]any{"offer": "Two volunteers", "quantity": 2, "unit": "days", "valuePence": 20000})
		req, _ := http.NewRequest("POST", base+"/api/v1/requests/"+rid+"/pledges", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+supplier)
		req.Header.Set("Idempotency-Key", "wiring-test-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("pledge %d: %d %v", i, resp.StatusCode, out)
		}
		ids = append(ids, out["id"].(string))
	}
	if ids[0] != ids[1] {
		t.Fatalf("the retry with the same Idempotency-Key made a second pledge: %v", ids)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(mb), "needmatch_store_duration_seconds") || !strings.Contains(string(mb), `kind="allocate"`) {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, mb)
	}
	resp, err = http.Get(base + "/officer/some/deep/link")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := os.Stat("../../frontend/dist/index.html"); err == nil && (resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")) {
		t.Fatalf("deep link fallback: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = http.Get(base + "/api/v1/no-such-route")
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("unknown API path: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestSIGTERMDrainsInFlight sends half a request, asks the server to stop,
// then sends the rest: the request is served and acknowledged before the
// process exits cleanly.
func TestSIGTERMDrainsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("process test")
	}
	bin, dir := seededDataDir(t)
	p := startServe(t, bin, dir)
	token := login(t, p.addr, "group@stockport.example", "group-demo-pass1")
	body := `{"title":"Sent across a shutdown","kind":"goods","area":"E05015018","quantity":1,"unit":"box","valuePence":100,"deadline":"` + inAYear() + `"}`
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s", token, len(body), body[:20])
	time.Sleep(300 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	fmt.Fprint(conn, body[20:])
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request dropped on SIGTERM: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("in-flight request: %d, want 201", resp.StatusCode)
	}
	conn.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatal("server did not exit after SIGTERM")
	}
}

// seededDataDir builds the binary and seeds a fresh data dir with it.
func seededDataDir(t *testing.T) (bin, dir string) {
	t.Helper()
	bin, dir = buildBinary(t), t.TempDir()
	if out, err := exec.Command(bin, "seed", "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v %s", err, out)
	}
	return bin, dir
}

// inAYear is a deadline inside every council's horizon, whenever the test runs.
func inAYear() string { return time.Now().AddDate(1, 0, 0).Format(time.DateOnly) }
