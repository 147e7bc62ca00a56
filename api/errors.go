package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

var codeStatus = map[string]int{
	domain.EINVALID:       http.StatusBadRequest,
	domain.EUNAUTHORIZED:  http.StatusUnauthorized,
	domain.EFORBIDDEN:     http.StatusForbidden,
	domain.ENOTFOUND:      http.StatusNotFound,
	domain.ECONFLICT:      http.StatusConflict,
	domain.ETOOLARGE:      http.StatusRequestEntityTooLarge,
	domain.EUNSUPPORTED:   http.StatusUnsupportedMediaType,
	domain.ERATELIMIT:     http.StatusTooManyRequests,
	domain.EUNAVAILABLE:   http.StatusServiceUnavailable,
	domain.EIDEMPOTENCY:   http.StatusUnprocessableEntity,
	domain.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	domain.EPRECONDITION:  http.StatusPreconditionFailed,
	domain.EINTERNAL:      http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Code     string              `json:"code"`
	Field    string              `json:"field,omitempty"`
	Errors   []domain.FieldError `json:"errors,omitempty"`
}

// errorHandler turns every error a handler returns into problem+json.
// Internal causes are logged with the request id, never sent.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		// Errors raised by fiber or fasthttp themselves (404 route, 413 body, 405 ...).
		code := domain.EINVALID
		switch fe.Code {
		case http.StatusNotFound:
			code = domain.ENOTFOUND
		case http.StatusRequestEntityTooLarge:
			code = domain.ETOOLARGE
		case http.StatusUnsupportedMediaType:
			code = domain.EUNSUPPORTED
		case http.StatusTooManyRequests:
			code = domain.ERATELIMIT
		case http.StatusMethodNotAllowed:
			code = "method_not_allowed"
		case http.StatusRequestTimeout:
			code = "timeout"
		case http.StatusServiceUnavailable:
			code = domain.EUNAVAILABLE
		}
		if fe.Code >= 500 {
			s.log.Error("server error", "status", fe.Code, "err", fe.Message, "requestId", requestID(c))
		}
		return s.writeProblem(c, Problem{Status: fe.Code, Title: http.StatusText(fe.Code), Detail: fe.Message, Code: code})
	}
	code := domain.ErrorCode(err)
	status, ok := codeStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := Problem{Status: status, Title: http.StatusText(status), Code: code, Detail: domain.ErrorMessage(err)}
	if code == domain.EINTERNAL {
		// The cause is for the log alone.
		p.Detail = "Something went wrong on our side. It is logged as request " + requestID(c) + "."
	}
	var de *domain.Error
	if errors.As(err, &de) {
		p.Field, p.Errors = de.Field, de.Fields
	}
	if status >= 500 {
		level := slog.LevelError
		if code == domain.EUNAVAILABLE {
			level = slog.LevelWarn
		}
		s.log.Log(c.UserContext(), level, "request failed", "err", err.Error(), "method", c.Method(), "route", c.Route().Path, "requestId", requestID(c))
	}
	return s.writeProblem(c, p)
}

func (s *Server) writeProblem(c *fiber.Ctx, p Problem) error {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	p.Instance = c.Path()
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	b, _ := jsonMarshal(p)
	return c.Send(b)
}
