package sqlite_test

import (
	"testing"

	"needmatch/domain"
	"needmatch/store/sqlite"
	"needmatch/store/storetest"
)

var harness = storetest.Harness{New: func(t *testing.T) domain.Store {
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}}

func TestConformance(t *testing.T) { storetest.Run(t, harness) }

func TestLedgerConformance(t *testing.T) { storetest.RunLedger(t, harness) }
