package api

import (
	"os"
	"testing"

	"needmatch/domain"
	"needmatch/internal/ferret"
)

// TestMain makes password hashes cheap for this package's tests: each test
// platform registers about ten users, and a production argon2id hash costs
// about 350 ms under the race detector. domain's own tests keep the
// production parameters and check them. The FerretDB that tests of
// several processes share stops at the end.
func TestMain(m *testing.M) {
	domain.UseLightPasswordHashing()
	code := m.Run()
	ferret.StopShared()
	os.Exit(code)
}
