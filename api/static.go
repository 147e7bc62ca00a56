package api

import (
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// staticFiles is the built SPA held in memory, with each file's compressed
// forms: the build writes name.br and name.gz next to each compressible
// file (frontend/vite.config.mjs); a file the build left without .gz is
// gzipped once here, when the server starts.
type staticFiles struct {
	files map[string]*staticFile
}

type staticFile struct {
	contentType, cacheControl string
	page                      *publicPage
}

// staticCompressible says which files are worth sending compressed (fonts
// in woff2 and images in png are compressed already).
func staticCompressible(name string) bool {
	switch path.Ext(name) {
	case ".html", ".js", ".mjs", ".css", ".svg", ".json", ".txt", ".map", ".ico", ".xml", ".webmanifest":
		return true
	}
	return false
}

// Cache-Control of the app's files: Vite names what it puts under assets/
// by a hash of its content, so they never change; the rest (index.html)
// must be revalidated, cheaply, by ETag.
const (
	assetCacheControl = "public, max-age=31536000, immutable"
	appCacheControl   = "no-cache"
)

func newStaticFiles(root fs.FS) (*staticFiles, error) {
	sf := &staticFiles{files: map[string]*staticFile{}}
	err := fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".br") || path.Base(name) == ".gitkeep" {
			return nil
		}
		b, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		f := &staticFile{contentType: mime.TypeByExtension(path.Ext(name)), cacheControl: appCacheControl, page: newPage(b)}
		if f.contentType == "" {
			f.contentType = "application/octet-stream"
		}
		if strings.HasPrefix(name, "assets/") {
			f.cacheControl = assetCacheControl
		}
		if staticCompressible(name) {
			// Kept only when the build made them; the Once is spent so
			// that none is made per request.
			if br, err := fs.ReadFile(root, name+".br"); err == nil {
				f.page.brOnce.Do(func() { f.page.br = br })
			} else {
				f.page.brOnce.Do(func() {})
			}
			if gz, err := fs.ReadFile(root, name+".gz"); err == nil {
				f.page.gzipOnce.Do(func() { f.page.gzip = gz })
			} else {
				f.page.gzipOnce.Do(func() { f.page.gzip = fasthttp.AppendGzipBytesLevel(nil, b, fasthttp.CompressBestCompression) })
			}
		} else {
			f.page.brOnce.Do(func() {})
			f.page.gzipOnce.Do(func() {})
		}
		sf.files[name] = f
		return nil
	})
	return sf, err
}

// handler serves GET and HEAD of the app's files; any other path is the
// app's own (index.html), for the SPA's router to read.
func (sf *staticFiles) handler(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return c.Next()
	}
	name := strings.TrimPrefix(path.Clean("/"+c.Path()), "/")
	f, ok := sf.files[name]
	if !ok {
		f, ok = sf.files[path.Join(name, "index.html")]
	}
	if !ok {
		f, ok = sf.files["index.html"]
	}
	if !ok {
		return c.Next()
	}
	coding := pageCoding(c.Get(fiber.HeaderAcceptEncoding), f.page.br != nil, f.page.gzip != nil)
	h := &c.Response().Header
	h.Set(fiber.HeaderCacheControl, f.cacheControl)
	h.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	h.Set(fiber.HeaderETag, f.page.etag(coding))
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && f.page.matches(inm) {
		c.Status(fiber.StatusNotModified)
		return nil
	}
	h.SetContentType(f.contentType)
	if coding != "" {
		h.Set(fiber.HeaderContentEncoding, coding)
	}
	return c.Send(f.page.encoded(coding))
}
