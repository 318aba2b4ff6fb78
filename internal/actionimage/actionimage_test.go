package actionimage

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	hex64  = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	pinned = "docker://ghcr.io/myorg/drift-action@sha256:" + hex64
)

func TestRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, repository, digest string
		want, wantErr            string
	}{
		{name: "ghcr repository", repository: "ghcr.io/myorg/drift-action", digest: "sha256:" + hex64, want: pinned},
		{name: "registry with a port and a nested path", repository: "registry.example.com:5000/team/tools/drift-action", digest: "sha256:" + hex64,
			want: "docker://registry.example.com:5000/team/tools/drift-action@sha256:" + hex64},
		{name: "upper-case owner", repository: "ghcr.io/MyOrg/drift-action", digest: "sha256:" + hex64, wantErr: "must be lowercase"},
		{name: "no registry host", repository: "myorg/drift-action", digest: "sha256:" + hex64, wantErr: "fully qualified"},
		{name: "repository with a tag", repository: "ghcr.io/myorg/drift-action:v1", digest: "sha256:" + hex64, wantErr: "carries a tag or digest"},
		{name: "empty repository", repository: "", digest: "sha256:" + hex64, wantErr: "fully qualified"},
		{name: "short digest", repository: "ghcr.io/myorg/drift-action", digest: "sha256:" + hex64[:63], wantErr: "want sha256:<64 lower-case hex>"},
		{name: "upper-case digest", repository: "ghcr.io/myorg/drift-action", digest: "sha256:" + strings.ToUpper(hex64), wantErr: "want sha256:<64 lower-case hex>"},
		{name: "sha512 digest", repository: "ghcr.io/myorg/drift-action", digest: "sha512:" + hex64 + hex64, wantErr: "unsupported digest algorithm"},
		{name: "bare hex", repository: "ghcr.io/myorg/drift-action", digest: hex64, wantErr: "want sha256:<64 lower-case hex>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Ref(tt.repository, tt.digest)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Ref(%q, %q) = %q, %v; want an error containing %q", tt.repository, tt.digest, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Ref (-want +got):\n%s", diff)
			}
		})
	}
}

// action is a small action.yml with what makes rewriting by re-encoding
// lossy: comments, a folded description, an input whose default is also
// "Dockerfile", and keys in no sorted order.
const action = `# The action's metadata.
name: demo
description: >-
  A folded description
  over two lines.
inputs:
  image:
    description: not the image that runs # a comment
    default: Dockerfile
runs:
  # the image GitHub runs
  using: docker
  image: Dockerfile
  args: []
`

func TestPin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"plain value; comments, folding and the input default kept", action,
			strings.Replace(action, "  image: Dockerfile\n", "  image: "+pinned+"\n", 1)},
		{"double-quoted value keeps its quotes", "runs:\n  using: docker\n  image: \"Dockerfile\"\n",
			"runs:\n  using: docker\n  image: \"" + pinned + "\"\n"},
		{"single-quoted value keeps its quotes", "runs:\n  using: 'docker'\n  image: 'Dockerfile'\n",
			"runs:\n  using: 'docker'\n  image: '" + pinned + "'\n"},
		{"trailing comment kept", "runs:\n  using: docker\n  image: Dockerfile   # built on the runner\n",
			"runs:\n  using: docker\n  image: " + pinned + "   # built on the runner\n"},
		{"already pinned to another digest", "runs:\n  using: docker\n  image: docker://ghcr.io/myorg/drift-action@sha256:" + strings.Repeat("f", 64) + "\n",
			"runs:\n  using: docker\n  image: " + pinned + "\n"},
		{"flow mapping", "runs: {using: docker, image: Dockerfile}\n", "runs: {using: docker, image: " + pinned + "}\n"},
		{"CRLF line endings", "name: demo\r\nruns:\r\n  using: docker\r\n  image: Dockerfile\r\n",
			"name: demo\r\nruns:\r\n  using: docker\r\n  image: " + pinned + "\r\n"},
		{"non-ASCII text before the value on its line", "runs: {using: docker, é: ü, image: Dockerfile}\n",
			"runs: {using: docker, é: ü, image: " + pinned + "}\n"},
		{"no newline at the end", "runs:\n  using: docker\n  image: Dockerfile", "runs:\n  using: docker\n  image: " + pinned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Pin([]byte(tt.src), pinned)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Pin (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPinRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, image, wantErr string
	}{
		{"no runs", "name: demo\n", pinned, "no runs mapping"},
		{"a JavaScript action", "runs:\n  using: node20\n  main: index.js\n", pinned, "runs.using is not docker"},
		{"no image", "runs:\n  using: docker\n", pinned, "no runs.image scalar"},
		{"image is a block scalar", "runs:\n  using: docker\n  image: >-\n    Dockerfile\n", pinned, "write it on one line"},
		{"image with an escape", "runs:\n  using: docker\n  image: \"Docker\\x66ile\"\n", pinned, "without anchor, tag or escape"},
		{"image is an alias", "x: &img Dockerfile\nruns:\n  using: docker\n  image: *img\n", pinned, "no runs.image scalar"},
		{"image is an anchor another key uses", "runs:\n  using: docker\n  image: &img Dockerfile\ninputs:\n  i:\n    default: *img\n", pinned, "without anchor, tag or escape"},
		{"image with a tag", "runs:\n  using: docker\n  image: !!str Dockerfile\n", pinned, "without anchor, tag or escape"},
		{"two documents", "runs:\n  using: docker\n  image: Dockerfile\n---\nruns: {}\n", pinned, "more than one YAML document"},
		{"not YAML", "runs: [\n", pinned, "action.yml:"},
		{"a list at the top", "- runs\n", pinned, "not a mapping"},
		{"image not docker://", action, "ghcr.io/myorg/drift-action@sha256:" + hex64, "not a docker:// image reference"},
		{"image that would break the line", action, pinned + " # x", "not a docker:// image reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Pin([]byte(tt.src), tt.image)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Pin = %q, %v; want an error containing %q", got, err, tt.wantErr)
			}
		})
	}
}

// TestSameButImage is Pin's last check, which in-place replacement should
// never trip: it has to catch a rewrite that changed anything else.
func TestSameButImage(t *testing.T) {
	t.Parallel()
	src := action
	tests := []struct {
		name, out, wantErr string
		src                string // default: action
	}{
		{"only runs.image changed", strings.Replace(src, "  image: Dockerfile", "  image: "+pinned, 1), "", ""},
		{"only runs.image changed, comments dropped", "name: demo\ndescription: A folded description over two lines.\ninputs: {image: {description: not the image that runs, default: Dockerfile}}\nruns: {using: docker, image: '" + pinned + "', args: []}\n", "", ""},
		{"an input default changed too", strings.Replace(strings.Replace(src, "  image: Dockerfile", "  image: "+pinned, 1), "    default: Dockerfile", "    default: "+pinned, 1), "more than runs.image", ""},
		{"a key dropped", strings.Replace(strings.Replace(src, "  image: Dockerfile", "  image: "+pinned, 1), "  args: []\n", "", 1), "more than runs.image", ""},
		{"runs.image not the wanted one", src, "runs.image is \"Dockerfile\"", ""},
		{"result does not parse", src + "runs: [\n", "does not parse", ""},
		{"source without runs", "runs:\n  using: docker\n  image: " + pinned + "\n", "no runs mapping", "name: demo\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from := src
			if tt.src != "" {
				from = tt.src
			}
			err := sameButImage([]byte(from), []byte(tt.out), pinned)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("sameButImage = %v; want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
