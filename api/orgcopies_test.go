package api_test

import (
	"context"
	"testing"

	"needmatch/domain"
)

// TestOrganisationCopiesInStep: the supplier edits its details working in
// Stockport; Trafford's officer reads them on Trafford's record, whose
// event is in Trafford's chain. Trafford's suspension leaves Stockport's
// record approved, and later edits still reach it.
func TestOrganisationCopiesInStep(t *testing.T) {
	e := newEnv(t)
	m := e.call("POST", "/api/v1/me/councils", "supplier", map[string]any{"authority": "trafford"}, 201)
	traffordOrg := m["organisationId"].(string)
	e.call("POST", "/api/v1/organisations/"+traffordOrg+"/approve", "otherOfficer", nil, 200)
	edit := map[string]any{"phone": "0161 474 4000", "website": "https://supplier.example.org",
		"socialValueLead": map[string]any{"name": "Asha Patel", "email": "asha@supplier.example.org"}}
	e.call("PATCH", "/api/v1/organisations/"+e.orgs["supplier"], "supplier", edit, 200)
	got := e.call("GET", "/api/v1/organisations/"+traffordOrg, "otherOfficer", nil, 200)
	if got["phone"] != "0161 474 4000" || got["website"] != "https://supplier.example.org" || got["socialValueLead"].(map[string]any)["name"] != "Asha Patel" {
		t.Fatalf("Trafford's record after the edit in Stockport = %v", got)
	}
	evs, err := e.app.Store.FindAudit(context.Background(), domain.AuditFilter{AuthorityID: e.other.ID, Object: traffordOrg})
	if err != nil || len(evs) == 0 || evs[len(evs)-1].Action != "organisation.update" {
		t.Fatalf("Trafford's chain: %+v, %v", evs, err)
	}
	e.call("POST", "/api/v1/organisations/"+traffordOrg+"/suspend", "otherOfficer", map[string]any{"reason": "Under investigation"}, 200)
	if home := e.call("GET", "/api/v1/organisations/"+e.orgs["supplier"], "officer", nil, 200); home["status"] != "approved" {
		t.Fatalf("Stockport's record after Trafford's suspension = %v", home["status"])
	}
	edit["phone"] = "0161 000 1111"
	e.call("PATCH", "/api/v1/organisations/"+e.orgs["supplier"], "supplier", edit, 200)
	if got := e.call("GET", "/api/v1/organisations/"+traffordOrg, "otherOfficer", nil, 200); got["phone"] != "0161 000 1111" || got["status"] != "suspended" {
		t.Fatalf("Trafford's suspended record after a second edit = %v", got)
	}
}
