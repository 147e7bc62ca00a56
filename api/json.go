package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// maxDepth bounds the nesting of request bodies.
const maxDepth = 8

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// decode reads the JSON body strictly into dst: the content type must be
// JSON; the text valid UTF-8; keys must match the fields' names exactly (no
// unknown, case-variant, duplicate, `$`-prefixed or dotted keys); nesting is
// bounded; and type errors name the field.
func decode(c *fiber.Ctx, dst any) error {
	if err := requireJSON(c); err != nil {
		return err
	}
	return decodeBytes(c.Body(), dst)
}

func requireJSON(c *fiber.Ctx) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != fiber.MIMEApplicationJSON {
		return domain.Errorf(domain.EUNSUPPORTED, "Send the body as application/json.")
	}
	return nil
}

func decodeBytes(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Errorf(domain.EINVALID, "The request body is empty; send a JSON object.")
	}
	if !utf8.Valid(body) {
		return domain.Errorf(domain.EINVALID, "The request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := walk(dec, reflect.TypeOf(dst), "", 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Errorf(domain.EINVALID, "The request body holds more than one JSON value.")
	}
	strict := json.NewDecoder(bytes.NewReader(body))
	strict.DisallowUnknownFields()
	if err := strict.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return domain.FieldErrorf(te.Field, "%s must be %s", te.Field, kindWord(te.Type))
		}
		return domain.Errorf(domain.EINVALID, "The request body is not valid JSON.")
	}
	return nil
}

func kindWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number within range"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of another type"
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if ft := f.Type; f.Anonymous && name == "" {
			// An embedded struct's fields are the outer object's, as
			// encoding/json reads them.
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				maps.Copy(m, jsonFields(ft))
				continue
			}
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldCache.Store(t, m)
	return m
}

func walk(dec *json.Decoder, t reflect.Type, path string, depth int) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return domain.Errorf(domain.EINVALID, "The request body is not valid JSON.")
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= maxDepth {
		return domain.Errorf(domain.EINVALID, "The request body is nested too deeply.")
	}
	switch d {
	case '{':
		var fields map[string]reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return domain.Errorf(domain.EINVALID, "The request body is not valid JSON.")
			}
			key := kt.(string)
			field := path + key
			switch {
			case seen[key]:
				return domain.FieldErrorf(field, "%s is given more than once", field)
			case strings.HasPrefix(key, "$") || strings.ContainsAny(key, ".\x00"):
				return domain.FieldErrorf(field, "%q is not an allowed field name", key)
			}
			seen[key] = true
			var ft reflect.Type
			switch {
			case fields != nil:
				var ok bool
				if ft, ok = fields[key]; !ok {
					return domain.FieldErrorf(field, "%s is not a field of this request (names are case-sensitive)", field)
				}
			case t != nil && t.Kind() == reflect.Map:
				ft = t.Elem()
			case t != nil && t.Kind() != reflect.Interface:
				return domain.FieldErrorf(strings.TrimSuffix(path, "."), "%s must be %s", strings.TrimSuffix(path, "."), kindWord(t))
			}
			if err := walk(dec, ft, field+".", depth+1); err != nil {
				return err
			}
		}
	case '[':
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walk(dec, et, fmt.Sprintf("%s%d.", path, i), depth+1); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // closing delimiter
		return domain.Errorf(domain.EINVALID, "The request body is not valid JSON.")
	}
	return nil
}
