package api

import (
	"errors"
	"reflect"
	"testing"

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
