package app

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"needmatch/domain"
)

// checkpointer appends signed checkpoints of every authority's audit chain
// head to a file, periodically and on shutdown.
type checkpointer struct {
	store domain.Store
	key   []byte
	path  string
	mu    sync.Mutex
	seen  map[string]int64 // authority -> seq of its last checkpoint
}

// CheckpointKey reads the HMAC key from path, creating it (0600) when missing.
func CheckpointKey(path string) ([]byte, error) {
	if b, err := os.ReadFile(path); err == nil {
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("%s does not hold a 32-byte hex key", path)
		}
		return k, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		return nil, err
	}
	return k, f.Sync()
}

// write records the current head of every authority whose chain moved.
func (cp *checkpointer) write(ctx context.Context) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.seen == nil {
		cp.seen = map[string]int64{}
	}
	auths, err := cp.store.AuditAuthorities(ctx)
	if err != nil {
		return err
	}
	var lines []string
	moved := map[string]int64{}
	for _, id := range auths {
		// The head alone: the chain is verified by audit verify, not here.
		seq, hash, err := cp.store.AuditHead(ctx, id)
		if err != nil {
			return err
		}
		if seq == 0 || seq == cp.seen[id] {
			continue
		}
		moved[id] = seq
		c := domain.Checkpoint{AuthorityID: id, Seq: seq, Hash: hash, At: time.Now().UTC()}
		c.Sign(cp.key)
		b, _ := json.Marshal(c)
		lines = append(lines, string(b))
	}
	if len(lines) == 0 {
		return nil
	}
	f, err := os.OpenFile(cp.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	for id, seq := range moved { // only once on disk: a failed write is tried again
		cp.seen[id] = seq
	}
	return nil
}

// run writes a checkpoint every interval until ctx ends, then a last one.
func (cp *checkpointer) run(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := cp.write(context.Background()); err != nil {
				log.Error("audit checkpoint on shutdown", "err", err)
			}
			return
		case <-t.C:
			if err := cp.write(ctx); err != nil {
				log.Error("audit checkpoint", "err", err)
			}
		}
	}
}

// ReadCheckpoints returns the latest valid checkpoint per authority; a line
// whose MAC does not verify is an error (a forged or edited checkpoint).
func ReadCheckpoints(path string, key []byte) (map[string]domain.Checkpoint, error) {
	out := map[string]domain.Checkpoint{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var c domain.Checkpoint
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("%s line %d: not a checkpoint", path, n)
		}
		if !c.Valid(key) {
			return nil, fmt.Errorf("%s line %d: checkpoint signature does not verify (forged or edited)", path, n)
		}
		if c.Seq >= out[c.AuthorityID].Seq {
			out[c.AuthorityID] = c
		}
	}
	return out, sc.Err()
}
