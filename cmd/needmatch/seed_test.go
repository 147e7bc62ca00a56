package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

// The demo seed gives a contract in each stage, published questions and
// answers and three directorates, and a second run adds nothing.
func TestSeedProcurement(t *testing.T) {
	dir := t.TempDir()
	getenv := func(string) string { return "" }
	for range 2 {
		if err := run(context.Background(), []string{"seed", "--data-dir", dir}, nil, io.Discard, getenv); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(dir, "needmatch.db")
	for _, c := range []struct {
		q    string
		want int
	}{
		{`SELECT COUNT(*) FROM contracts`, 7},
		{`SELECT COUNT(DISTINCT stage) FROM contracts`, 7},
		{`SELECT COUNT(*) FROM contracts WHERE contract_manager_id != '' AND priorities_json != '{}' AND directorate_id != ''`, 7},
		{`SELECT COUNT(*) FROM questions WHERE status = 'published'`, 5},
		{`SELECT COUNT(*) FROM bids WHERE status = 'awarded'`, 2},
		// The winning bids are the second supplier's: the first starts with none.
		{`SELECT COUNT(*) FROM bids b JOIN organisations o ON o.id = b.organisation_id WHERE o.name = 'Pennine Facilities Ltd'`, 2},
		{`SELECT COUNT(*) FROM bids b JOIN organisations o ON o.id = b.organisation_id WHERE o.name = 'Mersey Build Ltd'`, 0},
		{`SELECT json_array_length(directorates_json) FROM authorities WHERE slug = 'stockport'`, 3},
	} {
		var n int
		if err := querySQL(db, c.q, &n); err != nil || n != c.want {
			t.Errorf("%s = %d (%v), want %d", c.q, n, err, c.want)
		}
	}
}
