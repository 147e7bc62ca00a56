// Package ferret runs FerretDB v1 (SQLite handler, on a Unix socket) for
// tests: the MongoDB-wire server that the MongoDB store, and several app
// instances sharing one database, are tested against when no real MongoDB
// is given (see DESIGN.md, "Why two stores").
//
// FerretDB runs as a process of its own (./server), built without the race
// detector: it is the test's database server, not code under test, and
// inside a -race test binary its SQLite engine ran about five times slower.
// The store's own code still runs under the detector in the test binary.
package ferret

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// build is the server binary, shared by the servers running; the last to
// stop removes it.
var build struct {
	sync.Mutex
	dir     string
	running int
}

// binary builds ./server unless a running server's binary is there (go
// build: compiled once, cached by the go command) and returns its path;
// release gives it back.
func binary() (string, error) {
	build.Lock()
	defer build.Unlock()
	if build.running == 0 {
		dir, err := os.MkdirTemp("", "fdbbin")
		if err != nil {
			return "", err
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "ferretdb"), "needmatch/internal/ferret/server").CombinedOutput()
		if err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("build the FerretDB server: %v\n%s", err, out)
		}
		build.dir = dir
	}
	build.running++
	return filepath.Join(build.dir, "ferretdb"), nil
}

func release() {
	build.Lock()
	defer build.Unlock()
	if build.running--; build.running == 0 {
		os.RemoveAll(build.dir)
	}
}

// Start runs FerretDB until stop is called and returns its URI. The
// socket lives in a short temporary directory (socket paths must stay
// under ~100 bytes). With FERRETDB_LOG set, FerretDB's errors go to
// stderr. The URI sets maxPoolSize=1: FerretDB's updates are not atomic,
// so one client's operations must not overlap on it. The server also
// ends when the test process does (it watches its stdin).
func Start() (uri string, stop func(), err error) {
	bin, err := binary()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "fdb")
	if err != nil {
		release()
		return "", nil, err
	}
	sock := filepath.Join(dir, "fdb.sock")
	cmd := exec.Command(bin, sock, dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		os.RemoveAll(dir)
		release()
		return "", nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		os.RemoveAll(dir)
		release()
	}
	// A loaded machine can take a while to start it; it has no reason to
	// take a minute.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			exited <- err
			stop()
			return "", nil, fmt.Errorf("the FerretDB server exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, errors.New("the FerretDB server did not listen within a minute")
		}
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
