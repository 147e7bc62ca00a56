package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// SIGUSR1 starts serve's CPU profile again from an empty file (scripts/load
// sends it as its measured run begins), and the process keeps running (the
// signal's default action ends it).
func TestCPUProfileRestartsOnSIGUSR1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	restarted := make(chan struct{}, 1)
	profileRestarted = func() { restarted <- struct{}{} }
	defer func() { profileRestarted = func() {} }()
	stop, err := startCPUProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-restarted:
	case <-time.After(30 * time.Second):
		t.Fatal("SIGUSR1 did not start the profile again")
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Fatalf("the profile started again is not in an emptied file: %v %v", fi, err)
	}
	stop()
	stop() // at shutdown again: nothing more to do
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Fatalf("the profile is not a gzipped profile: %d bytes, %v", len(b), err)
	}
}
