package domain_test

import (
	"os/exec"
	"strings"
	"testing"
)

// goList returns the import paths go list prints for pkg with the format.
func goList(t *testing.T, format, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", format, pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// The layers keep to DESIGN.md: api reaches the matcher and the stores only
// through domain, and domain depends on no web, database or token library.
func TestLayersImports(t *testing.T) {
	for _, imp := range goList(t, `{{join .Imports " "}}`, "needmatch/api") {
		if imp == "needmatch/matcher" || strings.HasPrefix(imp, "needmatch/store") {
			t.Errorf("api imports %s: it must go through domain", imp)
		}
	}
	for _, dep := range goList(t, `{{join .Deps " "}}`, "needmatch/domain") {
		for _, banned := range []string{"github.com/gofiber/", "go.mongodb.org/", "github.com/golang-jwt/", "github.com/valyala/fasthttp"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("domain depends on %s", dep)
			}
		}
	}
}
