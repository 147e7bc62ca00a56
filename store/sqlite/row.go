package sqlite

import (
	"strings"
	"time"
)

// table is a table of the store's own columns: the columns in the order of
// its row struct's fields, and the statements that write a row.
type table struct {
	name string
	cols []string
	// list is the columns as a SELECT list.
	list      string
	insertSQL string
	// setSQL updates every column but the fixed ones, which a row never
	// changes once written.
	setSQL string
	fixed  map[string]bool
}

func newTable(name, cols string, fixed ...string) *table {
	t := &table{name: name, fixed: map[string]bool{}}
	for _, c := range strings.Split(cols, ",") {
		t.cols = append(t.cols, strings.TrimSpace(c))
	}
	for _, c := range fixed {
		t.fixed[c] = true
	}
	t.list = strings.Join(t.cols, ", ")
	t.insertSQL = `INSERT INTO ` + name + ` (` + t.list + `) VALUES (?` + strings.Repeat(",?", len(t.cols)-1) + `)`
	var set []string
	for _, c := range t.cols {
		if !t.fixed[c] {
			set = append(set, c+" = ?")
		}
	}
	t.setSQL = strings.Join(set, ", ")
	return t
}

// listOf is the SELECT list with the columns of a table alias.
func (t *table) listOf(alias string) string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = alias + "." + c
	}
	return strings.Join(out, ", ")
}

// insert writes a row; fields are the row struct's field pointers in
// column order.
func (t *table) insert(tx *wtx, fields []any) error {
	_, err := tx.Exec(t.insertSQL, values(fields)...)
	return err
}

// update writes the row's unfixed columns if the stored version is prev.
func (t *table) update(tx *wtx, id string, prev int64, fields []any) error {
	args := make([]any, 0, len(fields))
	for i, v := range values(fields) {
		if !t.fixed[t.cols[i]] {
			args = append(args, v)
		}
	}
	return casUpdate(tx, t.name, id, prev, t.setSQL, args...)
}

// values turns a row's field pointers into the values they point at.
func values(fields []any) []any {
	out := make([]any, len(fields))
	for i, p := range fields {
		switch v := p.(type) {
		case *string:
			out[i] = *v
		case *int64:
			out[i] = *v
		case *int:
			out[i] = *v
		case *bool:
			out[i] = *v
		case *float64:
			out[i] = *v
		default:
			panic("sqlite: a row field of an unknown type")
		}
	}
	return out
}

// optTime is how the store writes a time that may be missing: ” for none.
func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return storeTime(*t)
}

// times reads a row's stored times, keeping the first error.
type times struct{ err error }

func (l *times) at(s string) time.Time {
	t, err := loadTime(s)
	if err != nil && l.err == nil {
		l.err = err
	}
	return t
}

// opt reads a time that may be missing (”).
func (l *times) opt(s string) *time.Time {
	if s == "" {
		return nil
	}
	t := l.at(s)
	return &t
}
