// Package mailpit runs a real Mailpit (SMTP server with an HTTP API) for
// tests, and reads what arrived through its API. The binary is found in
// NEEDMATCH_MAILPIT, or in the cache directory scripts/ensure-mailpit
// installs into, or installed there with go install.
package mailpit

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Version is the Mailpit the tests run.
const Version = "v1.33.1"

// Server is a running Mailpit.
type Server struct {
	// SMTPAddr is host:port of its SMTP server; API the base of its HTTP API.
	SMTPAddr, API string
}

// Binary returns the path of the mailpit binary, installing it when missing.
func Binary() (string, error) {
	if p := os.Getenv("NEEDMATCH_MAILPIT"); p != "" {
		return p, nil
	}
	dir := os.Getenv("NEEDMATCH_TOOLS_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(cache, "needmatch", "mailpit-"+Version)
	}
	bin := filepath.Join(dir, "mailpit")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command("go", "install", "github.com/axllent/mailpit@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install mailpit: %v\n%s", err, out)
	}
	return bin, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start runs a Mailpit on free ports until the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		tb.Fatal(err)
	}
	smtpPort, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	httpPort, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{SMTPAddr: "127.0.0.1:" + strconv.Itoa(smtpPort), API: "http://127.0.0.1:" + strconv.Itoa(httpPort)}
	cmd := exec.Command(bin, "--smtp", s.SMTPAddr, "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--max", "0", "--quiet", "--disable-version-check", "--database", filepath.Join(tb.TempDir(), "mailpit.db"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.API + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				if c, err := net.Dial("tcp", s.SMTPAddr); err == nil {
					c.Close()
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("mailpit did not start on %s", s.API)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the SMTP URL of the server, for NEEDMATCH_SMTP_URL.
func (s *Server) URL() string { return "smtp://" + s.SMTPAddr }

// Address is a mailbox in a message's headers.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Message is a message as Mailpit lists it.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
}

// Body is a message's text and HTML.
type Body struct {
	Text string `json:"Text"`
	HTML string `json:"HTML"`
}

func (s *Server) get(tb testing.TB, path string, v any) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.API+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		tb.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatal(err)
	}
}

// Messages lists every message that arrived, newest first.
func (s *Server) Messages(tb testing.TB) []Message {
	tb.Helper()
	var out []Message
	for start := 0; ; start += 500 {
		var page struct {
			Total    int       `json:"total"`
			Messages []Message `json:"messages"`
		}
		s.get(tb, "/api/v1/messages?limit=500&start="+strconv.Itoa(start), &page)
		out = append(out, page.Messages...)
		if len(page.Messages) < 500 {
			return out
		}
	}
}

// Body reads a message's text and HTML.
func (s *Server) Body(tb testing.TB, id string) Body {
	tb.Helper()
	var b Body
	s.get(tb, "/api/v1/message/"+id, &b)
	return b
}

// Wait waits until at least n messages arrived and returns them all.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.Messages(tb)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			tb.Fatalf("mailpit has %d messages after %v, want %d", len(ms), timeout, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
