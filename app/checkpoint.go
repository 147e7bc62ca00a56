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
	"os"
	"path/filepath"
	"strings"
	"time"

	"needmatch/domain"
)

// AuditKey is the key that signs the audit checkpoints: NEEDMATCH_AUDIT_KEY
// (c.AuditKey), the same secret in every process. The embedded store,
// the only process on its data, falls back to a key kept in a file of the
// data dir (made once, 0600; c.AuditKeyFile); with MongoDB, where several
// processes write one checkpoint series, the setting is required.
func AuditKey(c Config) ([]byte, error) {
	switch {
	case c.AuditKey != "":
		if len(c.AuditKey) < 32 {
			return nil, errors.New("NEEDMATCH_AUDIT_KEY must be at least 32 characters")
		}
		return []byte(c.AuditKey), nil
	case c.MongoURI != "":
		return nil, errors.New("NEEDMATCH_AUDIT_KEY is required with MongoDB: every API process signs the audit checkpoints with it")
	}
	return CheckpointKey(c.auditKeyFile())
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

// ImportCheckpointFile moves the checkpoints of the file that releases
// before #15 kept in the data dir (CheckpointPath, signed with the key
// file's key) into the store: the latest of each authority, its signature
// checked with the file's key, is signed again with key and stored (one
// already there at its seq stays), and the file is renamed *.imported so
// it is read once. It says how many it imported; no file: none.
func ImportCheckpointFile(ctx context.Context, st domain.CheckpointStore, c Config, key []byte) (int, error) {
	path := c.CheckpointPath()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	fileKey, err := os.ReadFile(c.auditKeyFile())
	if err != nil {
		return 0, fmt.Errorf("%s needs its key %s: %w", path, c.auditKeyFile(), err)
	}
	old, err := hex.DecodeString(strings.TrimSpace(string(fileKey)))
	if err != nil {
		return 0, fmt.Errorf("%s does not hold a hex key", c.auditKeyFile())
	}
	cps, err := ReadCheckpoints(path, old)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, cp := range cps {
		cp.At = cp.At.Truncate(time.Millisecond) // as every store keeps it
		cp.Sign(key)
		if err := st.AddCheckpoint(ctx, &cp); err != nil && domain.ErrorCode(err) != domain.ECONFLICT {
			return n, err
		}
		n++
	}
	return n, os.Rename(path, path+".imported")
}
