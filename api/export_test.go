package api

import "time"

// IssueAccessTokenIn lets tests sign a token naming any council.
func (s *Server) IssueAccessTokenIn(userID, council string, now time.Time) (string, error) {
	return s.issueAccessTokenIn(userID, council, now)
}

// PublicMaxAge is publicMaxAge, for the tests outside the package.
const PublicMaxAge = publicMaxAge
