package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// TestCatalogueHasEveryCodeOnce: every Code declared in codes.go is in Catalogue, no name is
// used twice, and each has an error status and a meaning.
func TestCatalogueHasEveryCodeOnce(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.CompositeLit); ok {
			if id, ok := lit.Type.(*ast.Ident); ok && id.Name == "Code" {
				declared++
			}
		}
		return true
	})
	if declared != len(Catalogue) {
		t.Errorf("codes.go declares %d codes, Catalogue lists %d", declared, len(Catalogue))
	}
	seen := map[string]bool{}
	for _, c := range Catalogue {
		if seen[c.Name] {
			t.Errorf("%s: listed twice", c.Name)
		}
		seen[c.Name] = true
		if c.Status < 400 || c.Status > 599 || c.Meaning == "" {
			t.Errorf("%s: status %d, meaning %q", c.Name, c.Status, c.Meaning)
		}
	}
}

func TestErrorfSendsTheCodesStatus(t *testing.T) {
	e := Errorf(CodeBundleTooLarge, "the modules total %d bytes", 11)
	if e.Status != 413 || e.Code != "bundle_too_large" || e.Message != "the modules total 11 bytes" || e.Error() != "bundle_too_large: the modules total 11 bytes" {
		t.Fatalf("%+v", e)
	}
}
