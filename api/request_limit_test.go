package api_test

import (
	"strings"
	"testing"

	"needmatch/domain"
)

// A request's value has a maximum for its kind (defect: the value question
// took £99,999,999,999): one penny over is refused with the field named
// and the maximum said, the maximum itself is taken, an edit is held to
// the same rule, and the council's public details give the maxima so the
// form can say them before anyone types.
func TestRequestValueHasAMaximumPerKind(t *testing.T) {
	e := newEnv(t)
	for kind, most := range domain.MaxRequestPence {
		body := validRequest()
		body["kind"] = kind
		body["valuePence"] = most + 1
		over := e.call("POST", "/api/v1/requests", "group", body, 400)
		wantField(t, over, "valuePence")
		if !strings.Contains(e.problemText(over), domain.Pounds(most)) {
			t.Fatalf("%s: the problem does not say the maximum %s: %v", kind, domain.Pounds(most), over)
		}
		body["valuePence"] = most
		e.call("POST", "/api/v1/requests", "group", body, 201)
	}
	e.call("POST", "/api/v1/requests", "group", map[string]any{"title": "x", "description": "y", "kind": "goods", "area": "E05015018",
		"quantity": 1, "unit": "lot", "valuePence": 9_999_999_999_900, "deadline": validRequest()["deadline"]}, 400)
	// An edit of the draft is held to the same maximum.
	edit := e.call("PATCH", "/api/v1/requests/"+e.draft, "group", map[string]any{"kind": "advice", "valuePence": domain.MaxRequestPence["advice"] + 100}, 400)
	wantField(t, edit, "valuePence")
	auth := e.call("GET", "/api/v1/authorities/stockport", "", nil, 200)
	maxima, _ := auth["maxRequestPence"].(map[string]any)
	if len(maxima) != len(domain.RequestKinds) || maxima["works"] != float64(100_000_000) {
		t.Fatalf("authority maxRequestPence = %v", auth["maxRequestPence"])
	}
}

// problemText joins a problem's detail and its field errors' details.
func (e *env) problemText(m map[string]any) string {
	var b strings.Builder
	b.WriteString(m["detail"].(string))
	if errs, ok := m["errors"].([]any); ok {
		for _, x := range errs {
			b.WriteString(" " + x.(map[string]any)["detail"].(string))
		}
	}
	return b.String()
}

// A request's title and description are held to the lengths the council's
// public details give (the app had its own, shorter ones): the longest of
// each is taken, one character more is refused with the field named, and
// a title of two characters is too short.
func TestRequestTextLengthsAreTheOnesPublished(t *testing.T) {
	e := newEnv(t)
	auth := e.call("GET", "/api/v1/authorities/stockport", "", nil, 200)
	text, _ := auth["requestText"].(map[string]any)
	if text["titleMin"] != float64(3) || text["titleMax"] != float64(200) || text["descriptionMax"] != float64(5000) {
		t.Fatalf("authority requestText = %v, want titleMin 3, titleMax 200, descriptionMax 5000", auth["requestText"])
	}
	body := validRequest()
	body["title"] = strings.Repeat("é", 200) // characters, not bytes
	body["description"] = strings.Repeat("a", 5000)
	e.call("POST", "/api/v1/requests", "group", body, 201)
	for field, value := range map[string]string{"title": strings.Repeat("é", 201), "description": strings.Repeat("a", 5001)} {
		b := validRequest()
		b[field] = value
		wantField(t, e.call("POST", "/api/v1/requests", "group", b, 400), field)
	}
	b := validRequest()
	b["title"] = "ab"
	wantField(t, e.call("POST", "/api/v1/requests", "group", b, 400), "title")
}
