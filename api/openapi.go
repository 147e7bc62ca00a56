package api

import (
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

var paramRE = regexp.MustCompile(`:([a-zA-Z]+)`)

// OpenAPIPath turns a fiber path (/requests/:id) into an OpenAPI one (/requests/{id}).
func OpenAPIPath(p string) string { return paramRE.ReplaceAllString(p, "{$1}") }

var (
	openapiOnce sync.Once
	openapiDoc  []byte
)

func (s *Server) handleOpenAPI(c *fiber.Ctx) error {
	openapiOnce.Do(func() { openapiDoc, _ = jsonMarshal(s.OpenAPI()) })
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(openapiDoc)
}

// OpenAPI builds the OpenAPI 3.1 document from the route table.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]any{}
	for _, r := range s.routes {
		p := OpenAPIPath(r.Path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		op := map[string]any{
			"summary":     r.Summary,
			"operationId": operationID(r.Method, r.Path),
			"responses": map[string]any{
				"2XX":     map[string]any{"description": "Success", "content": map[string]any{"application/json": map[string]any{}}},
				"4XX":     map[string]any{"$ref": "#/components/responses/Problem"},
				"default": map[string]any{"$ref": "#/components/responses/Problem"},
			},
		}
		var params []any
		for _, m := range paramRE.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if len(r.Roles) > 0 {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
			op["x-roles"] = r.Roles
		}
		if r.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(r.Body))}}}
		}
		item[strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "needmatch API", "version": "1.0.0", "description": "Community need matching for social value in public procurement. Money in integer pence, times RFC 3339 UTC, errors RFC 9457 problem+json."},
		"servers": []any{map[string]any{"url": "/api/v1"}},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"responses":       map[string]any{"Problem": map[string]any{"description": "Problem details (RFC 9457)", "content": map[string]any{"application/problem+json": map[string]any{"schema": schemaOf(reflect.TypeOf(Problem{}))}}}},
		},
	}
}

func schemaOf(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		for name, ft := range jsonFields(t) {
			props[name] = schemaOf(ft)
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return map[string]any{}
}

// operationID makes a stable camelCase id such as postRequestsIdPublish.
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == ':' || r == '-' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}
