package api_test

import (
	"testing"

	"needmatch/app"
)

// ids lists the id of every item of a list answer.
func ids(list map[string]any) []string {
	var out []string
	for _, it := range items(list) {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

// TestCouncilsAndDefault: GET /councils names the platform's councils and
// the default one; an anonymous public list that names no council shows the
// default, the first by slug unless NEEDMATCH_DEFAULT_AUTHORITY names one.
func TestCouncilsAndDefault(t *testing.T) {
	for _, tc := range []struct {
		setting, want, wantReq string
	}{
		{"", "stockport", "request"},
		{"trafford", "trafford", "otherReq"},
		{"atlantis", "stockport", "request"}, // no such council: the first
	} {
		t.Run("default="+tc.setting, func(t *testing.T) {
			e := newEnvWith(t, func(c *app.Config) { c.DefaultAuthority = tc.setting })
			l := e.call("GET", "/api/v1/councils", "", nil, 200)
			if d := l["default"].(map[string]any); d["slug"] != tc.want {
				t.Fatalf("default = %v", d)
			}
			if its := items(l); len(its) != 2 || its[0].(map[string]any)["slug"] != "stockport" || its[1].(map[string]any)["name"] != e.other.Name {
				t.Fatalf("councils = %v", its)
			}
			want := map[string]string{"request": e.request, "otherReq": e.otherReq}[tc.wantReq]
			if got := ids(e.call("GET", "/api/v1/requests", "", nil, 200)); len(got) != 1 || got[0] != want {
				t.Fatalf("anonymous requests = %v, want [%s]", got, want)
			}
			// Naming a council wins over the default; a council of none is refused on its field.
			if got := ids(e.call("GET", "/api/v1/requests?authority=trafford", "", nil, 200)); len(got) != 1 || got[0] != e.otherReq {
				t.Fatalf("Trafford's requests = %v", got)
			}
			for _, path := range []string{"/api/v1/requests?authority=atlantis", "/api/v1/pipeline?authority=atlantis", "/api/v1/opendata?authority=atlantis"} {
				if p := e.call("GET", path, "", nil, 400); p["field"] != "authority" {
					t.Fatalf("%s: %v", path, p)
				}
			}
			e.call("GET", "/api/v1/pipeline", "", nil, 200)
			if od := e.call("GET", "/api/v1/opendata", "", nil, 200); od["authority"] != tc.want {
				t.Fatalf("open data of %v, want %s", od["authority"], tc.want)
			}
		})
	}
}
