package domain

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxEvidenceBytes is the largest evidence file: 10 MiB.
const MaxEvidenceBytes = 10 << 20

// Evidence is a file that backs a delivery report. The file is stored under
// its id, never under the name it was uploaded with.
type Evidence struct {
	ID             string    `json:"id"`
	AuthorityID    string    `json:"-"`
	OrganisationID string    `json:"organisationId"`
	UploadedBy     string    `json:"uploadedBy"`
	FileName       string    `json:"fileName"`
	ContentType    string    `json:"contentType"`
	Size           int64     `json:"size"`
	SHA256         string    `json:"sha256"`
	DeliveryID     string    `json:"deliveryId,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
}

// EvidenceStore persists evidence files and their records.
type EvidenceStore interface {
	// CreateEvidence stores the file and its record with the audit event:
	// both or neither.
	CreateEvidence(ctx context.Context, e *Evidence, content []byte, ev *AuditEvent) error
	// EvidenceByID returns ENOTFOUND when there is none.
	EvidenceByID(ctx context.Context, id string) (*Evidence, error)
	// EvidenceContent opens the stored file.
	EvidenceContent(ctx context.Context, e *Evidence) (io.ReadCloser, error)
}

// evidence types by content, with the extensions a name may carry.
var evidenceTypes = []struct {
	ctype, label string
	exts         []string
	magic        []byte
}{
	{"application/pdf", "a PDF", []string{".pdf"}, []byte("%PDF-")},
	{"image/png", "a PNG image", []string{".png"}, []byte("\x89PNG\r\n\x1a\n")},
	{"image/jpeg", "a JPEG image", []string{".jpg", ".jpeg"}, []byte{0xFF, 0xD8, 0xFF}},
	{"text/plain; charset=utf-8", "plain text", []string{".txt", ".text", ".csv", ".md"}, nil},
}

// SniffEvidence returns the content type of an allowed evidence file, read
// from its bytes (never from its name), and the extensions that fit it.
func SniffEvidence(b []byte) (ctype, label string, exts []string, ok bool) {
	for _, t := range evidenceTypes {
		if t.magic != nil && bytes.HasPrefix(b, t.magic) {
			return t.ctype, t.label, t.exts, true
		}
	}
	if isPlainText(b) {
		t := evidenceTypes[len(evidenceTypes)-1]
		return t.ctype, t.label, t.exts, true
	}
	return "", "", nil, false
}

func isPlainText(b []byte) bool {
	if len(b) == 0 || !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if r == '\n' || r == '\r' || r == '\t' || r == '\f' {
			continue
		}
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// CleanFileName checks an uploaded file's name: a plain name, no folders,
// no parent links, no control characters, at most 120 characters. Spaces
// and characters outside letters, digits, "._-()" become "_".
func CleanFileName(name string) (string, error) {
	if name == "" {
		return "", FieldErrorf("file", "The file has no name.")
	}
	if !utf8.ValidString(name) || strings.ContainsAny(name, "/\\\x00:") || strings.Contains(name, "..") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~") {
		return "", FieldErrorf("file", "The file name %q is not allowed: give a plain name without folders, like report.pdf.", truncateText(strings.ToValidUTF8(name, "?"), 60))
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsControl(r):
			return "", FieldErrorf("file", "The file name contains control characters.")
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-()", r)):
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := b.String()
	if utf8.RuneCountInString(out) > 120 {
		return "", FieldErrorf("file", "The file name must be 120 characters or fewer.")
	}
	return out, nil
}

// UploadEvidence stores a supplier's evidence file. The type comes from
// the content (PDF, PNG, JPEG or plain text); a name whose extension says
// another type is refused. Nothing is written when anything is refused.
func (s *Service) UploadEvidence(ctx context.Context, a *Actor, name string, content []byte) (*Evidence, error) {
	if err := requireRole(a, RoleSupplier); err != nil {
		return nil, err
	}
	vs := s.Store
	// A suspended supplier still delivers what it committed to.
	if _, err := s.organisationIn(ctx, a, OrgApproved, OrgSuspended); err != nil {
		return nil, err
	}
	if len(content) > MaxEvidenceBytes {
		return nil, &Error{Code: ETOOLARGE, Field: "file", Message: "The file is larger than 10 MiB."}
	}
	if len(content) == 0 {
		return nil, FieldErrorf("file", "The file is empty.")
	}
	clean, err := CleanFileName(name)
	if err != nil {
		return nil, err
	}
	ctype, label, exts, ok := SniffEvidence(content)
	if !ok {
		return nil, &Error{Code: EUNSUPPORTED, Field: "file", Message: "The file is not a PDF, PNG, JPEG or plain text file (judged by its content, not its name)."}
	}
	ext := ""
	if i := strings.LastIndexByte(clean, '.'); i > 0 {
		ext = strings.ToLower(clean[i:])
	}
	fits := ext == ""
	for _, e := range exts {
		fits = fits || e == ext
	}
	if !fits {
		return nil, &Error{Code: EUNSUPPORTED, Field: "file", Message: sprintf("The file name ends in %s but the file is %s: rename it or upload the right file.", ext, label)}
	}
	if ext == "" {
		clean += exts[0]
	}
	sum := sha256.Sum256(content)
	now := s.now()
	e := &Evidence{ID: NewID(), AuthorityID: a.AuthorityID, OrganisationID: a.OrganisationID, UploadedBy: a.UserID, FileName: clean, ContentType: ctype,
		Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]), CreatedAt: now}
	ev := NewAuditEvent(e.AuthorityID, a.UserID, "evidence.upload", "evidence", e.ID, nil, e, now)
	if err := vs.CreateEvidence(ctx, e, content, ev); err != nil {
		return nil, err
	}
	return e, nil
}

// GetEvidence returns an evidence record the actor may see: the uploading
// supplier, officers of the authority, and the group of the request whose
// delivery the file backs. Others get ENOTFOUND.
func (s *Service) GetEvidence(ctx context.Context, a *Actor, id string) (*Evidence, error) {
	if err := requireSignedIn(a); err != nil {
		return nil, err
	}
	vs := s.Store
	e, err := vs.EvidenceByID(ctx, id)
	if err != nil {
		return nil, err
	}
	notFound := Errorf(ENOTFOUND, "Evidence not found.")
	if e.AuthorityID != a.AuthorityID {
		return nil, notFound
	}
	switch {
	case a.IsOfficer():
		return e, nil
	case a.Role == RoleSupplier && a.OrganisationID == e.OrganisationID:
		return e, nil
	case a.Role == RoleGroup && e.DeliveryID != "":
		d, err := vs.DeliveryByID(ctx, e.DeliveryID)
		if err != nil {
			return nil, err
		}
		if d.RequestOrgID == a.OrganisationID {
			return e, nil
		}
	}
	return nil, notFound
}

// OpenEvidence returns the record and the file of evidence the actor may see.
func (s *Service) OpenEvidence(ctx context.Context, a *Actor, id string) (*Evidence, io.ReadCloser, error) {
	e, err := s.GetEvidence(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.Store.EvidenceContent(ctx, e)
	return e, rc, err
}
