package main

import (
	"context"
	"time"

	"needmatch/domain"
	"needmatch/store/mongo"
)

// openMongo opens the MongoDB store (indexes created, half-written changes
// recovered) with a bounded wait for the server.
func openMongo(ctx context.Context, c *Config) (domain.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return mongo.Open(ctx, c.MongoURI, c.MongoDB)
}
