// Command starlark-go runs a Starlark file with starlark-go (Debian's
// golang-starlark-dev), with recursion, while loops and sets allowed, for
// the engine benchmark. Build: GOPATH=/usr/share/gocode GO111MODULE=off go build.
package main

import (
	"fmt"
	"os"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
)

func main() {
	resolve.AllowRecursion = true
	resolve.AllowSet = true
	resolve.AllowGlobalReassign = true
	thread := &starlark.Thread{Print: func(_ *starlark.Thread, msg string) { fmt.Println(msg) }}
	if _, err := starlark.ExecFile(thread, os.Args[1], nil, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
