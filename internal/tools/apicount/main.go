// Command apicount counts the public API: the exported identifiers (top-level
// funcs, types, vars and consts, methods on exported types, exported struct
// fields and interface methods) of every package a Go user can import
// (not internal/, not cmd/, not main, not tests), per package and in total.
//
//	go run ./internal/tools/apicount .              # with fields and interface methods
//	NOFIELDS=1 go run ./internal/tools/apicount .   # top-level names and methods only
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: apicount MODULE_ROOT")
		os.Exit(2)
	}
	root := os.Args[1]
	counts := map[string]int{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			if n == "testdata" || n == "internal" || strings.HasPrefix(n, ".") && p != root || n == "cmd" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		fs := token.NewFileSet()
		f, err := parser.ParseFile(fs, p, nil, 0)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					t := d.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if ix, ok := t.(*ast.IndexExpr); ok {
						t = ix.X
					}
					if id, ok := t.(*ast.Ident); ok && !id.IsExported() {
						continue
					}
				}
				counts[rel]++
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								counts[rel]++
							}
						}
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						counts[rel]++
						if os.Getenv("NOFIELDS") != "" {
							continue
						}
						switch tt := s.Type.(type) {
						case *ast.StructType:
							for _, fl := range tt.Fields.List {
								for _, n := range fl.Names {
									if n.IsExported() {
										counts[rel]++
									}
								}
							}
						case *ast.InterfaceType:
							for _, fl := range tt.Methods.List {
								for _, n := range fl.Names {
									if n.IsExported() {
										counts[rel]++
									}
								}
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "apicount:", err)
		os.Exit(1)
	}
	var ks []string
	tot := 0
	for k, v := range counts {
		ks = append(ks, k)
		tot += v
	}
	sort.Strings(ks)
	for _, k := range ks {
		fmt.Printf("%-22s %4d\n", k, counts[k])
	}
	fmt.Printf("%d packages, %d exported identifiers\n", len(ks), tot)
}
