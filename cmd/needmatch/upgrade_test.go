package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditVerifyAfterUpgrade runs `needmatch audit verify` on a copy of the
// data directory made by the release before the numbered migrations (its
// database, audit key and checkpoints): the upgrade runs as the command
// opens the store, and the chain and the checkpoint must still verify.
func TestAuditVerifyAfterUpgrade(t *testing.T) {
	src, dir := filepath.Join("..", "..", "store", "sqlite", "testdata", "v1"), t.TempDir()
	for _, name := range []string{"needmatch.db", "audit-checkpoint.key", "audit-checkpoints.jsonl"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	getenv := func(k string) string {
		if k == "NEEDMATCH_DATA_DIR" {
			return dir
		}
		return ""
	}
	for range 2 { // the second time on the upgraded file
		var out bytes.Buffer
		if err := run(context.Background(), []string{"audit", "verify"}, strings.NewReader(""), &out, getenv); err != nil {
			t.Fatalf("audit verify: %v\n%s", err, out.String())
		}
		const want = "ok authority 01a2319c29774c3be8d23d94: 84 events, head 96895cc0076667a2f96ff52cb22b9bccdac5c9ea777449e6c41438b61a3b6054\n"
		if out.String() != want {
			t.Fatalf("audit verify said %q, want %q", out.String(), want)
		}
	}
}
