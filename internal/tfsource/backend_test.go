package tfsource

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindBackend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  Backend // Pos.File relative to the module
		ok    bool
	}{
		{"s3 backend", map[string]string{"versions.tf": "terraform {\n  required_version = \">= 1.6\"\n\n  backend \"s3\" {}\n}\n"},
			Backend{Type: "s3", Pos: Pos{File: "versions.tf", Line: 4}}, true},
		{"json backend", map[string]string{"backend.tf.json": `{"terraform": {"backend": {"http": {"address": "x"}}}}`},
			Backend{Type: "http", Pos: Pos{File: "backend.tf.json", Line: 1}}, true},
		{"local backend is a backend block too", map[string]string{"main.tf": "terraform {\n  backend \"local\" {}\n}\n"},
			Backend{Type: "local", Pos: Pos{File: "main.tf", Line: 2}}, true},
		{"no terraform block", map[string]string{"main.tf": "resource \"terraform_data\" \"x\" {}\n"}, Backend{}, false},
		{"terraform block without backend", map[string]string{"main.tf": "terraform {\n  required_version = \">= 1.6\"\n}\n"}, Backend{}, false},
		{"cloud block is not a backend block", map[string]string{"main.tf": "terraform {\n  cloud {}\n}\n"}, Backend{}, false},
		{"a file that does not parse is skipped", map[string]string{"broken.tf": "terraform {", "main.tf": "terraform {\n  backend \"gcs\" {}\n}\n"},
			Backend{Type: "gcs", Pos: Pos{File: "main.tf", Line: 2}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for n, c := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, ok := FindBackend(dir)
			if ok {
				got.Pos.File, _ = filepath.Rel(dir, got.Pos.File)
			}
			if ok != tt.ok {
				t.Fatalf("FindBackend ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindBackend (-want +got):\n%s", diff)
			}
		})
	}
}
