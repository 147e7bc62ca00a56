// Command server runs FerretDB v1 (SQLite handler) on a Unix socket until
// its standard input closes: the test server that internal/ferret starts
// as a process of its own, built without the race detector (see
// ferret.Start). Usage: server SOCKET SQLITEDIR.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: server SOCKET SQLITEDIR")
		os.Exit(2)
	}
	var out io.Writer = os.Stderr
	if os.Getenv("FERRETDB_LOG") == "" {
		out = io.Discard
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: os.Args[1]},
		Logger:    slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelError})),
		Handler:   "sqlite",
		SQLiteURL: "file:" + os.Args[2] + "/",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// The test process holds our stdin: when it ends, killed or not, so do we.
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}
