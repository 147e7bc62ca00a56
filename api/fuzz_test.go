package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"needmatch/domain"
)

// bodyTypes are every request body the API decodes, read from the route
// table so a new route's body is fuzzed without anyone listing it.
func bodyTypes() map[string]func() any {
	out := map[string]func() any{}
	srv, err := New(Config{}) // no app's files: cannot fail
	if err != nil {
		panic(err)
	}
	for _, r := range srv.routes {
		if r.Body == nil {
			continue
		}
		t := reflect.TypeOf(r.Body)
		out[r.Method+" "+r.Path] = func() any { return reflect.New(t).Interface() }
	}
	return out
}

// FuzzDecode feeds arbitrary bytes to the strict decoder of every body
// type: it must never panic and must fail only with an EINVALID *domain.Error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"title":"x","quantity":5}`, `{"email":"a@b.c","password":"p"}`, `{"organisation":{"name":"n","authority":"stockport"}}`,
		`{"Role":"admin"}`, `{"$where":"1"}`, `{"a.b":1}`, `{"title":"a","title":"b"}`, `[[[[[[[[[[]]]]]]]]]]`,
		`{"valuePence":1e400}`, `{"quantity":-9223372036854775809}`, "{\"title\":\"\xff\"}", `{"title":"\u0000"}`, `nul`, `{"amountPence":"5"}`,
	} {
		f.Add([]byte(s))
	}
	types := bodyTypes()
	if len(types) < 20 {
		f.Fatalf("only %d body types found in the route table", len(types))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, mk := range types {
			err := decodeBytes(body, mk())
			if err == nil {
				continue
			}
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EINVALID {
				t.Fatalf("%s: %q gave %v, want an EINVALID domain error", name, body, err)
			}
		}
	})
}

// FuzzParseTime: any text either is refused naming the field, or becomes a
// UTC time; and a time inside a council's window can always be encoded.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2027-03-31", "9999-12-31T23:59:59-12:00", "0000-01-01T00:00:00+00:01", "2027-03-31T17:00:00.123456789+05:30", "", "2027-02-30", "1e9"} {
		f.Add(s)
	}
	now := time.Now()
	window := (&domain.Authority{}).AheadWindow(now)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime("deadline", s)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.EINVALID || de.Field != "deadline" {
				t.Fatalf("%q: %v, want an EINVALID error naming deadline", s, err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q gave %v, not in UTC", s, got)
		}
		if domain.CheckDate("deadline", got, window) == nil {
			if _, err := json.Marshal(got); err != nil {
				t.Fatalf("%q passes the window but cannot be encoded: %v", s, err)
			}
		}
	})
}
