package api

import (
	"os"
	"testing"

	"needmatch/domain"
)

// TestMain makes password hashes cheap for this package's tests: each test
// platform registers about ten users, and a production argon2id hash costs
// about 350 ms under the race detector. domain's own tests keep the
// production parameters and check them.
func TestMain(m *testing.M) {
	domain.UseLightPasswordHashing()
	os.Exit(m.Run())
}
