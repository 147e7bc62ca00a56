package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"needmatch/domain"
)

type resetBody struct {
	Email string `json:"email"`
}

type resetConfirmBody struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// ResetSentMessage is the whole answer to a reset request, whether or not
// the address has an account.
const ResetSentMessage = "If an account has this address, we have sent it a link to reset the password. The link works once, for 30 minutes."

// handleAuthPasswordReset handles POST /api/v1/auth/password-reset.
func (s *Server) handleAuthPasswordReset(c *fiber.Ctx) error {
	var b resetBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if strings.TrimSpace(b.Email) == "" || len(b.Email) > 320 {
		return domain.FieldErrorf("email", "Enter your email address")
	}
	if err := s.svc.RequestPasswordReset(c.UserContext(), b.Email); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "received", "message": ResetSentMessage})
}

// handleAuthPasswordResetConfirm handles POST /api/v1/auth/password-reset/confirm.
func (s *Server) handleAuthPasswordResetConfirm(c *fiber.Ctx) error {
	var b resetConfirmBody
	if err := decode(c, &b); err != nil {
		return err
	}
	if _, err := s.svc.ResetPassword(c.UserContext(), b.Token, b.Password); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "reset", "message": "Your password is changed. Sign in with the new one."})
}
