package domain

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// TestJobSurvivesPanicsAndErrors: a run that panics or fails is logged and
// the next run goes ahead; Run returns when its context ends.
func TestJobSurvivesPanicsAndErrors(t *testing.T) {
	var runs atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	j := Job{Name: "test", Every: time.Millisecond, Do: func(context.Context, time.Time) (int64, error) {
		switch runs.Add(1) {
		case 1:
			panic("boom")
		case 2:
			return 0, errors.New("store down")
		case 4:
			cancel()
		}
		return 1, nil
	}}
	done := make(chan struct{})
	go func() { j.Run(ctx, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the job did not stop with its context")
	}
	if n := runs.Load(); n != 4 {
		t.Fatalf("runs = %d, want 4 (a panic and an error did not stop it; the cancel did)", n)
	}
}
