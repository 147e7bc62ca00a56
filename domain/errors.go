package domain

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the api package.
const (
	ECONFLICT      = "conflict"      // state or version conflict, duplicate
	EINTERNAL      = "internal"      // a fault of ours; details are logged, never shown
	EINVALID       = "invalid"       // bad input
	ENOTFOUND      = "not_found"     // missing, or not visible to the caller
	EUNAUTHORIZED  = "unauthorized"  // not signed in, or a bad token
	EFORBIDDEN     = "forbidden"     // signed in but the role may not do this
	ETOOLARGE      = "too_large"     // body or file over the limit
	EUNSUPPORTED   = "unsupported"   // wrong media type
	ERATELIMIT     = "rate_limited"  // too many requests
	EUNAVAILABLE   = "unavailable"   // the store cannot take writes now
	EIDEMPOTENCY   = "idempotency"   // idempotency key reused with another body
	EPRECONDITION  = "precondition"  // a precondition such as a version did not hold
	EUNPROCESSABLE = "unprocessable" // well-formed but refused by a rule
)

// Error is needmatch's one error type: a code, a message safe to show to the
// client, and the field at fault when the input is to blame.
type Error struct {
	Code    string
	Message string
	Field   string
	// Fields holds further field errors when more than one field is at fault.
	Fields []FieldError
}

// FieldError names one field at fault and why.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("needmatch error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("needmatch error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error naming the field at fault.
func FieldErrorf(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Message: msg, Field: field, Fields: []FieldError{{Field: field, Detail: msg}}}
}

// EmailTaken is the ECONFLICT a store returns when another user has the
// (normalised) email address.
func EmailTaken() *Error {
	return &Error{Code: ECONFLICT, Field: "email", Message: "An account with this email address already exists."}
}

func isEmailTaken(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == ECONFLICT && e.Field == "email"
}

// ErrorCode returns the code of err if it is (or wraps) an *Error,
// EINTERNAL for any other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err; for errors that are not
// *Error it returns a generic message so internal causes never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// Validation gathers field errors so a form can show all of them at once.
type Validation struct{ fields []FieldError }

// Add records a field error.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

// merge adds the field errors of err, an EINVALID *Error or nil.
func (v *Validation) merge(err error) {
	if e, ok := err.(*Error); ok {
		v.fields = append(v.fields, e.Fields...)
	}
}

// Err returns nil when nothing was added, otherwise an EINVALID *Error
// whose Field and Message are those of the first problem.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: v.fields[0].Detail, Field: v.fields[0].Field, Fields: v.fields}
}
