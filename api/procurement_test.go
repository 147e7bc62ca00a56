package api_test

import (
	"context"

	"needmatch/domain"
	"needmatch/store/storetest"
)

// tender creates a contract as the officer and brings it to tender with
// every engagement step of its tier done; it returns its id.
func (e *env) tender(officer string, in domain.ContractInput) string {
	e.t.Helper()
	return storetest.MustTenderContract(e.t, e.svc, e.actor(officer), in).ID
}

// readyForTender marks every step of the contract's tier done over the API.
func (e *env) readyForTender(id string) {
	e.t.Helper()
	c := must(e.svc.GetContract(context.Background(), e.actor("officer"), id))
	for _, st := range c.Tier.Steps {
		e.call("POST", "/api/v1/contracts/"+id+"/steps/"+st.Key, "officer", map[string]any{"done": true}, 200)
	}
}

// procurementFixtures gives the access matrix procurement's objects and
// bodies: directorates and questions of two councils (w's contracts).
func procurementFixtures(e *env, objects map[string]map[string]string) map[string]any {
	ctx := context.Background()
	dir := func(who, name string) string {
		return must(e.svc.CreateDirectorate(ctx, e.actor(who), name)).ID
	}
	ask := func(who, contract string) string {
		return must(e.svc.AskQuestion(ctx, e.actor(who), contract, "When does the tender close?")).ID
	}
	contracts := objects["contracts"]
	objects["directorates"] = map[string]string{"own": dir("officer", "Place"), "otherOrg": dir("officer", "People"), "otherCouncil": dir("otherOfficer", "Place")}
	objects["questions"] = map[string]string{"own": ask("supplier", contracts["own"]), "otherOrg": ask("supplier2", contracts["own"]),
		"otherCouncil": ask("otherSupplier", contracts["otherCouncil"])}
	tiers := []map[string]any{}
	for _, t := range domain.DefaultTiers.Tiers {
		tiers = append(tiers, map[string]any{"name": t.Name, "label": t.Label, "fromPence": t.FromPence, "steps": t.Steps})
	}
	return map[string]any{
		"POST /directorates":             map[string]any{"name": "Children's services"},
		"PATCH /directorates/:id":        map[string]any{"active": false},
		"PATCH /contracts/:id":           map[string]any{"brief": "Local jobs first.", "version": 1},
		"POST /contracts/:id/steps/:key": map[string]any{"done": true},
		"PUT /engagement/tiers":          map[string]any{"tiers": tiers},
		"POST /contracts/:id/questions":  map[string]any{"text": "Can a consortium bid?"},
		"POST /questions/:id/answer":     map[string]any{"text": "Yes, led by one supplier."},
	}
}
