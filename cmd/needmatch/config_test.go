package main

import (
	"needmatch/app"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfig(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, _, err := parseConfig("serve", nil, env(map[string]string{}))
	if err != nil || c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.MongoURI != "" || c.LeaseTTL != 30*time.Second {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, _, err = parseConfig("serve", []string{"--addr", ":9"}, env(map[string]string{"NEEDMATCH_ADDR": ":1"}))
	if err != nil || c.Addr != ":9" {
		t.Fatalf("a flag beats the environment: %+v %v", c, err)
	}
	for name, kv := range map[string]map[string]string{
		"short secret": {"NEEDMATCH_JWT_SECRET": "short"},
		"bad log":      {"NEEDMATCH_LOG_LEVEL": "loud"},
		"bad mongo":    {"MONGODB_URI": "http://x"},
		"bad lease":    {"NEEDMATCH_LEASE_TTL": "soon"},
		"short lease":  {"NEEDMATCH_LEASE_TTL": "1s"},
	} {
		if _, _, err := parseConfig("serve", nil, env(kv)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	// MongoDB without a shared secret is refused; the embedded mode makes one and keeps it.
	c, _, _ = parseConfig("serve", nil, env(map[string]string{"MONGODB_URI": "mongodb://127.0.0.1:1", "NEEDMATCH_DATA_DIR": t.TempDir()}))
	if _, err := app.JWTSecret(c.appConfig(nil)); err == nil || !strings.Contains(err.Error(), "NEEDMATCH_JWT_SECRET is required") {
		t.Fatalf("mongo without secret: %v", err)
	}
	dir := t.TempDir()
	c, _, _ = parseConfig("serve", nil, env(map[string]string{"NEEDMATCH_DATA_DIR": dir}))
	s1, err := app.JWTSecret(c.appConfig(nil))
	if err != nil || len(s1) < 32 {
		t.Fatalf("generated secret: %q %v", s1, err)
	}
	st, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", st, err)
	}
	if s2, _ := app.JWTSecret(c.appConfig(nil)); string(s2) != string(s1) {
		t.Fatal("the kept secret changed")
	}
}
