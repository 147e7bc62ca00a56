package api

import (
	"testing"
	"time"
)

func TestPageCacheRebuildsOnce(t *testing.T) {
	var p pageCache
	t0 := time.Now()
	p.put(1, "/a", newPage([]byte("one")), t0)
	current := func(gen uint64, _ time.Time) bool { return gen == 2 }
	stale := func(uint64, time.Time) bool { return false }
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	if b, ok := p.get("/a", func(gen uint64, _ time.Time) bool { return gen == 1 }, false, t0); !ok || string(b.body) != "one" {
		t.Fatal("a fresh page must be served")
	}
	if _, ok := p.get("/a", stale, false, at(100*time.Millisecond)); ok {
		t.Fatal("a stale page was served without grace")
	}
	if _, ok := p.get("/a", stale, true, at(200*time.Millisecond)); ok {
		t.Fatal("the first caller to find the page stale must rebuild it")
	}
	if b, ok := p.get("/a", stale, true, at(300*time.Millisecond)); !ok || string(b.body) != "one" {
		t.Fatal("while one caller rebuilds, the others get the stale page")
	}
	if _, ok := p.get("/a", stale, true, at(800*time.Millisecond)); ok {
		t.Fatal("a rebuild that never finished must let another caller try")
	}
	if _, ok := p.get("/a", stale, true, at(900*time.Millisecond)); !ok {
		t.Fatal("the second rebuild must be waited for like the first")
	}
	if _, ok := p.get("/a", stale, true, at(1600*time.Millisecond+publicMaxAge)); ok {
		t.Fatal("a page over publicMaxAge+rebuildGrace old was served")
	}
	p.put(2, "/a", newPage([]byte("two")), at(2*time.Second))
	if b, ok := p.get("/a", current, true, at(2*time.Second)); !ok || string(b.body) != "two" {
		t.Fatal("the rebuilt page must replace the stale one")
	}
	if _, ok := p.get("/b", stale, true, t0); ok {
		t.Fatal("a page never stored was served")
	}
}
