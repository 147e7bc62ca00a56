package domain

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// csvSheet reads an imported CSV file by the column names of its header
// row, and gathers every problem with its line number so an import can be
// all or nothing. The area and measure imports share it.
type csvSheet struct {
	cr  *csv.Reader
	col map[string]int
	// v gathers the header's and the rows' problems, each as a "csv" field error.
	v Validation
}

// newSheet reads the header (at most limit bytes in all) and notes each
// required column that is missing.
func newSheet(r io.Reader, limit int64, required ...string) (*csvSheet, error) {
	cr := csv.NewReader(io.LimitReader(r, limit))
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, FieldErrorf("csv", "line 1: the file has no header row")
	}
	s := &csvSheet{cr: cr, col: map[string]int{}}
	for i, h := range head {
		s.col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range required {
		if !s.has(need) {
			s.v.Add("csv", "line 1: the header has no %q column", need)
		}
	}
	return s, nil
}

func (s *csvSheet) has(name string) bool {
	_, ok := s.col[name]
	return ok
}

// each calls row for every non-blank row with a getter of trimmed cells and
// a fresh validation; the row's problems are kept with its line number. A
// row is counted when it has none; past most rows reading stops with an
// error naming noun. It returns how many rows were counted.
func (s *csvSheet) each(most int, noun string, row func(line int, get func(string) string, rv *Validation)) int {
	n := 0
	for line := 2; ; line++ {
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			s.v.Add("csv", "line %d: %v", line, err)
			return n
		}
		// The line the row starts on in the file: the reader skips empty
		// lines, and a quoted cell may hold line breaks.
		line, _ = s.cr.FieldPos(0)
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue // a blank line
		}
		get := func(name string) string {
			if i, ok := s.col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		var rv Validation
		row(line, get, &rv)
		if err := rv.Err(); err != nil {
			for _, f := range err.(*Error).Fields {
				s.v.Add("csv", "line %d: %s", line, f.Detail)
			}
			continue
		}
		if n++; n > most {
			s.v.Add("csv", "line %d: more than %d %s", line, most, noun)
			return n
		}
	}
}

// done is the import's verdict: every problem found, or an error when no
// row was counted.
func (s *csvSheet) done(n int, noun string) error {
	if err := s.v.Err(); err != nil {
		return err
	}
	if n == 0 {
		return FieldErrorf("csv", "The file has no %s", noun)
	}
	return nil
}
