package api

import (
	"io"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"needmatch/domain"
)

// EvidencePath is the one upload route (multipart/form-data, field "file").
const EvidencePath = "/api/v1/evidence"

// EvidenceBodyLimit is the largest body the upload route reads: the file
// limit and room for the multipart headers. Every other route keeps
// BodyLimit: fasthttp asks bodyLimitFor for each request's limit as soon as
// its headers are read, so an oversize body is refused before it is read.
const EvidenceBodyLimit = domain.MaxEvidenceBytes + 64<<10

// bodyLimitFor raises the body limit for POST /api/v1/evidence alone.
func bodyLimitFor(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if string(h.Method()) == fiber.MethodPost {
		path, _, _ := strings.Cut(string(h.RequestURI()), "?")
		if path == EvidencePath {
			return fasthttp.RequestConfig{MaxRequestBodySize: EvidenceBodyLimit}
		}
	}
	return fasthttp.RequestConfig{}
}

func (s *Server) handleEvidenceUpload(c *fiber.Ctx) error {
	ct := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Get(fiber.HeaderContentType), ";", 2)[0]))
	if ct != fiber.MIMEMultipartForm {
		return domain.Errorf(domain.EUNSUPPORTED, "Send the file as multipart/form-data in a field named \"file\".")
	}
	form, err := c.MultipartForm()
	if err != nil {
		return domain.Errorf(domain.EINVALID, "The multipart body could not be read.")
	}
	files := form.File["file"]
	if len(files) != 1 {
		return domain.FieldErrorf("file", "Send exactly one file in a field named \"file\".")
	}
	for name := range form.File {
		if name != "file" {
			return domain.FieldErrorf(name, "%q is not a field of this upload; send only \"file\".", truncate(name, 40))
		}
	}
	fh := files[0]
	if fh.Size > domain.MaxEvidenceBytes {
		return &domain.Error{Code: domain.ETOOLARGE, Field: "file", Message: "The file is larger than 10 MiB."}
	}
	f, err := fh.Open()
	if err != nil {
		return domain.Errorf(domain.EINVALID, "The file could not be read.")
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, domain.MaxEvidenceBytes+1))
	if err != nil {
		return domain.Errorf(domain.EINVALID, "The file could not be read.")
	}
	// mime/multipart keeps only the base of the name; the service judges the
	// name as it was sent, so that path tricks are refused, not trimmed.
	name := fh.Filename
	if _, params, err := mime.ParseMediaType(fh.Header.Get(fiber.HeaderContentDisposition)); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	e, err := s.svc.UploadEvidence(c.UserContext(), actor(c), name, content)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (s *Server) handleEvidenceGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	e, err := s.svc.GetEvidence(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func (s *Server) handleEvidenceFile(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	e, rc, err := s.svc.OpenEvidence(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, domain.MaxEvidenceBytes+1))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, e.ContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+e.FileName+`"`)
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Send(b)
}
