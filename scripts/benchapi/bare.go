package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// bareEndpoint is one page as the API served it: what the bare endpoint
// sends back for the same path.
type bareEndpoint struct {
	body                  []byte
	contentType, encoding string
}

// serveBare fetches every page the load's readers ask for (the list paths
// in dir/lists.txt, /api/v1/requests/<id> for each id in dir/ids.txt) from
// the running API at from, then serves the same bytes per path from memory
// on addr with a bare fiber app, so that scripts/load measures the API
// against what this machine can do with no work per request. With
// acceptEncoding set the pages are fetched, and served, encoded as the API
// encodes them for a client that accepts it.
func serveBare(addr, from, dir, acceptEncoding string) error {
	paths, err := readLines(filepath.Join(dir, "lists.txt"))
	if err != nil {
		return err
	}
	ids, err := readLines(filepath.Join(dir, "ids.txt"))
	if err != nil {
		return err
	}
	for _, id := range ids {
		paths = append(paths, "/api/v1/requests/"+id)
	}
	// Not Go's transparent gzip: the pages as asked for, and no
	// compression work on the server that the load does not ask for.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	pages := make(map[string]bareEndpoint, len(paths))
	var listBytes, requestBytes int
	for i, p := range paths {
		req, err := http.NewRequest(http.MethodGet, from+p, nil)
		if err != nil {
			return err
		}
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", p, resp.StatusCode, b)
		}
		pages[p] = bareEndpoint{body: b, contentType: resp.Header.Get("Content-Type"), encoding: resp.Header.Get("Content-Encoding")}
		if i < len(paths)-len(ids) {
			listBytes += len(b)
		} else {
			requestBytes += len(b)
		}
	}
	nLists := len(paths) - len(ids)
	fmt.Printf("bare endpoint on http://%s: %d list pages, %.0f bytes each on average; %d request pages, %.0f bytes each (Accept-Encoding %q)\n",
		addr, nLists, float64(listBytes)/float64(nLists), len(ids), float64(requestBytes)/float64(len(ids)), acceptEncoding)
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/ready", func(c *fiber.Ctx) error { return c.SendString("ok") })
	bare.Get("/*", func(c *fiber.Ctx) error {
		p, ok := pages[c.OriginalURL()]
		if !ok {
			return c.SendStatus(fiber.StatusNotFound)
		}
		c.Set(fiber.HeaderContentType, p.contentType)
		if p.encoding != "" {
			c.Set(fiber.HeaderContentEncoding, p.encoding)
		}
		return c.Send(p.body)
	})
	// A write (the load's pledges) is answered 201 with the pledge the
	// load made before its run (dir/write.out), from memory: the bare
	// endpoint under the same mix of connections is what the machine can
	// do with no work per write either.
	created, err := os.ReadFile(filepath.Join(dir, "write.out"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	bare.Post("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Status(fiber.StatusCreated).Send(created)
	})
	return bare.Listen(addr)
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}
