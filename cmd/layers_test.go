package cmd

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/cioaep/cioaep/"

// imports maps each non-test Go file of the package in dir to what it imports.
func imports(t *testing.T, dir string) map[string][]string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			out[filepath.Base(name)] = append(out[filepath.Base(name)], path)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return out
}

// TestLayers holds the layering the README draws: domain work lives in flow, so cmd reaches the Platform
// and Customer.io only through flow (never flow/aep or flow/cio), uses the local platform's package only
// for `local serve` and `local events` (cmd/local.go), and ui never imports the HTTP client.
func TestLayers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dir       string
		forbidden []string
		// only lists the files allowed to import a package; others may not.
		only map[string][]string
	}{
		{dir: ".", forbidden: []string{module + "flow/aep", module + "flow/cio"},
			only: map[string][]string{module + "flow/local": {"local.go"}}},
		{dir: filepath.Join("..", "ui"), forbidden: []string{module + "flow/aep", module + "flow/cio", module + "flow/local", module + "creds"}},
	} {
		for file, paths := range imports(t, tc.dir) {
			for _, p := range paths {
				for _, bad := range tc.forbidden {
					if p == bad || strings.HasPrefix(p, bad+"/") {
						t.Errorf("%s imports %s: ask flow instead", filepath.Join(tc.dir, file), p)
					}
				}
				if files, ok := tc.only[p]; ok && !slices.Contains(files, file) {
					t.Errorf("%s imports %s, which only %s may (local serve, local events)", filepath.Join(tc.dir, file), p, strings.Join(files, ", "))
				}
			}
		}
	}
}
