package main

import (
	"context"
	"errors"

	"needmatch/domain"
)

// openMongo is wired to store/mongo once that package lands.
func openMongo(ctx context.Context, c *Config) (domain.Store, error) {
	return nil, errors.New("this build has no MongoDB store yet")
}
