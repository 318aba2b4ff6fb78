package config

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/tfsetting"
)

// TestTerraformVersionSettings: the terraform-version input wins over
// drift.yaml's terraform-version; the releases inputs pass through; bad
// values are refused with what to write instead.
func TestTerraformVersionSettings(t *testing.T) {
	t.Parallel()
	type got struct{ Version, URL, Key string }
	const key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nxjMEZ\n-----END PGP PUBLIC KEY BLOCK-----"
	tests := []struct {
		name    string
		file    string
		inputs  map[string]string
		want    got
		wantErr string
	}{
		{name: "defaults", want: got{URL: tfsetting.DefaultReleasesURL}},
		{name: "drift.yaml", file: "terraform-version: \"~> 1.10\"\n", want: got{Version: "~> 1.10", URL: tfsetting.DefaultReleasesURL}},
		{name: "input wins over drift.yaml", file: "terraform-version: 1.9.0\n", inputs: map[string]string{"terraform-version": "auto"}, want: got{Version: "auto", URL: tfsetting.DefaultReleasesURL}},
		{name: "mirror and key", inputs: map[string]string{"terraform-releases-url": "https://mirror.example/releases", "terraform-releases-key": key},
			want: got{URL: "https://mirror.example/releases", Key: key}},
		{name: "bad drift.yaml value", file: "version: 1\nterraform-version: newest\n", wantErr: `drift.yaml:2: terraform-version "newest" is not accepted: use auto, an exact version such as 1.10.5, or a constraint`},
		{name: "bad input value", inputs: map[string]string{"terraform-version": "1.x.y"}, wantErr: `input terraform-version: "1.x.y" is not accepted`},
		{name: "bad mirror", inputs: map[string]string{"terraform-releases-url": "mirror.example"}, wantErr: `input terraform-releases-url: "mirror.example" is not accepted: use the base URL`},
		{name: "key that is not armored", inputs: map[string]string{"terraform-releases-key": "72D7468F"}, wantErr: "input terraform-releases-key: not an armored PGP public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			mkdir(t, filepath.Join(ws, ".git"))
			if tt.file != "" {
				mkdir(t, filepath.Join(ws, ".github"))
				writeFile(t, filepath.Join(ws, ".github", "drift.yaml"), tt.file)
			}
			vars := map[string]string{"GITHUB_WORKSPACE": ws}
			for k, v := range tt.inputs {
				vars["INPUT_"+strings.ToUpper(k)] = v
			}
			env := Env{Getenv: func(k string) string { return vars[k] }, Cwd: ws}
			a, err := ParseAction(env)
			var c Detect
			if err == nil {
				c, err = ActionDetect(a, Event{Name: "schedule"}, env)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			version := "" // not set
			if c.TerraformVersion.IsSet() {
				version = c.TerraformVersion.String()
			}
			if diff := cmp.Diff(tt.want, got{version, c.ReleasesURL, c.ReleasesKey}); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
		})
	}
}
