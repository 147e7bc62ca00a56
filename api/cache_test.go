package api

import (
	"testing"
	"time"
)

func TestPageCache(t *testing.T) {
	var p pageCache
	t0 := time.Now()
	p.put(1, "/a", []byte("one"), t0)
	if b, ok := p.get(1, "/a", t0.Add(time.Hour)); !ok || string(b) != "one" {
		t.Fatal("a page of the current generation must be served")
	}
	if _, ok := p.get(2, "/a", t0.Add(500*time.Millisecond)); !ok {
		t.Fatal("a page one write old and under a second old may be served")
	}
	if _, ok := p.get(2, "/a", t0.Add(1500*time.Millisecond)); ok {
		t.Fatal("a stale page over a second old was served")
	}
	if _, ok := p.get(1, "/b", t0); ok {
		t.Fatal("a page never stored was served")
	}
}
