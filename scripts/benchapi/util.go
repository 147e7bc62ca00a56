package main

import (
	"runtime"
	"strings"
)

func runtimeGOMAXPROCS() int { return runtime.GOMAXPROCS(0) }

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
