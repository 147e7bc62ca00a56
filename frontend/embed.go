// Package frontend embeds the built single-page app (frontend/dist, made by
// `make`) into the needmatch binary.
package frontend

import "embed"

// Dist holds the built app; dist/index.html is its entry point. Before the
// first build it holds only a placeholder and the server serves no app.
//
//go:embed all:dist
var Dist embed.FS
