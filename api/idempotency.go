package api

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

// HeaderIdempotencyKey names the retry-safety header on POSTs.
const HeaderIdempotencyKey = "Idempotency-Key"

// idempotent makes a POST that creates or approves safe to retry: with an
// Idempotency-Key the first answer is stored (in the database, per user) and
// a retry gets it back; a retry while the first is running gets 409, and the
// same key with another body 422. The store records an answer with the
// change itself (domain.WithIdempotency), so a request that fails or dies
// after its change committed leaves the key answered, not released.
func (s *Server) idempotent(c *fiber.Ctx) error {
	key := c.Get(HeaderIdempotencyKey)
	a := actor(c)
	st := s.svc
	if key == "" || a == nil {
		return c.Next()
	}
	if len(key) > 200 || strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return &domain.Error{Code: domain.EINVALID, Field: HeaderIdempotencyKey, Message: "Idempotency-Key must be 1 to 200 visible ASCII characters."}
	}
	h := sha256.New()
	h.Write([]byte(c.Method() + " " + c.Path() + "\n"))
	h.Write(c.Body())
	rec := &domain.IdempotencyRecord{UserID: a.UserID, Key: key, Fingerprint: hex.EncodeToString(h.Sum(nil)), CreatedAt: s.svc.Now()}
	prev, err := st.ClaimIdempotency(c.UserContext(), rec)
	switch {
	case err == nil:
	case domain.ErrorCode(err) == domain.ECONFLICT && prev != nil:
		if prev.Fingerprint != rec.Fingerprint {
			return &domain.Error{Code: domain.EIDEMPOTENCY, Field: HeaderIdempotencyKey, Message: "This Idempotency-Key was used with another request; use a new key."}
		}
		if !prev.Done {
			return &domain.Error{Code: domain.ECONFLICT, Field: HeaderIdempotencyKey, Message: "The first request with this Idempotency-Key is still running; retry shortly."}
		}
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, prev.ContentType)
		return c.Status(prev.Status).Send(prev.Body)
	default:
		return err
	}
	// The change the request makes answers the key in its own commit, so
	// a retry after a crash past the commit point finds that answer.
	c.SetUserContext(domain.WithIdempotency(c.UserContext(), rec))
	// A panic below is caught here, not further out, so that the key is
	// released like after any other 500 (unless the change committed).
	if herr := recovered(c.Next); herr != nil {
		if err := s.App.ErrorHandler(c, herr); err != nil {
			return err
		}
	}
	status := c.Response().StatusCode()
	if status >= 500 {
		if err := st.ReleaseIdempotency(c.UserContext(), a.UserID, key); err != nil {
			s.log.Error("release idempotency key", "err", err, "requestId", requestID(c))
		}
		return nil
	}
	rec.Done, rec.Status = true, status
	rec.ContentType = string(c.Response().Header.ContentType())
	rec.Body = append([]byte(nil), c.Response().Body()...)
	if err := st.CompleteIdempotency(c.UserContext(), rec); err != nil {
		s.log.Error("store idempotent answer", "err", err, "requestId", requestID(c))
	}
	return nil
}
