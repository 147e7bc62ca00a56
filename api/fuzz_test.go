package api

import (
	"errors"
	"testing"

	"needmatch/domain"
)

// bodyTypes are every request body the API decodes.
func bodyTypes() map[string]func() any {
	return map[string]func() any{
		"register": func() any { return &registerBody{} },
		"login":    func() any { return &loginBody{} },
		"request":  func() any { return &requestBody{} },
		"pledge":   func() any { return &pledgeBody{} },
		"approve":  func() any { return &approveBody{} },
		"reason":   func() any { return &reasonBody{} },
	}
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
