package api

import "github.com/gofiber/fiber/v2"

type verifyBody struct {
	Token string `json:"token"`
}

// handleAuthVerifyEmail handles POST /api/v1/auth/verify-email.
func (s *Server) handleAuthVerifyEmail(c *fiber.Ctx) error {
	var b verifyBody
	if err := decode(c, &b); err != nil {
		return err
	}
	u, err := s.svc.VerifyEmail(c.UserContext(), b.Token)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "verified", "emailVerified": !u.EmailUnverified, "message": "Your email address is verified. You can now post requests, pledge and bid once an officer has approved your organisation."})
}

// handleAuthVerifyEmailResend handles POST /api/v1/auth/verify-email/resend.
func (s *Server) handleAuthVerifyEmailResend(c *fiber.Ctx) error {
	if err := s.svc.ResendVerification(c.UserContext(), actor(c)); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": "sent", "message": "We have sent you a new link. It works once, for 48 hours."})
}
