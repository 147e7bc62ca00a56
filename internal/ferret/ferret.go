// Package ferret runs FerretDB v1 (SQLite handler, on a Unix socket) inside
// a test binary: the MongoDB-wire server that the MongoDB store, and
// several app instances sharing one database, are tested against when no
// real MongoDB is given (see DESIGN.md, "Why two stores").
package ferret

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Start runs FerretDB until stop is called and returns its URI. The
// socket lives in a short temporary directory (socket paths must stay
// under ~100 bytes); a stale socket file is removed first. With
// FERRETDB_LOG set, FerretDB's errors go to stderr. The URI sets
// maxPoolSize=1: FerretDB's updates are not atomic, so one client's
// operations must not overlap on it.
func Start() (uri string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "fdb")
	if err != nil {
		return "", nil, err
	}
	sock := filepath.Join(dir, "fdb.sock")
	if err := os.Remove(sock); err != nil && !os.IsNotExist(err) {
		os.RemoveAll(dir)
		return "", nil, err
	}
	var out io.Writer = os.Stderr
	if os.Getenv("FERRETDB_LOG") == "" {
		out = io.Discard
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Logger:    slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelError})),
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	stop = func() {
		cancel()
		<-done
		os.RemoveAll(dir)
	}
	return "mongodb://" + url.PathEscape(sock) + "/?maxPoolSize=1", stop, nil
}

var shared struct {
	sync.Mutex
	uri  string
	stop func()
}

// Shared returns the URI of the test binary's FerretDB, started on first
// use and kept until StopShared; with MONGODB_TEST_URI set, that server's
// URI instead (a real MongoDB).
func Shared() (string, error) {
	if uri := os.Getenv("MONGODB_TEST_URI"); uri != "" {
		return uri, nil
	}
	shared.Lock()
	defer shared.Unlock()
	if shared.stop == nil {
		uri, stop, err := Start()
		if err != nil {
			return "", err
		}
		shared.uri, shared.stop = uri, stop
	}
	return shared.uri, nil
}

// StopShared stops the FerretDB that Shared started, if any.
func StopShared() {
	shared.Lock()
	defer shared.Unlock()
	if shared.stop != nil {
		shared.stop()
		shared.stop = nil
	}
}
