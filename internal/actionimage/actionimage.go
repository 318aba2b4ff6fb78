// Package actionimage points a Docker container action's action.yml at a
// published image by digest (runs.image: docker://<repository>@sha256:...),
// changing no other byte of the file: the release workflow's step between
// pushing the image and tagging the release commit.
package actionimage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"go.yaml.in/yaml/v3"
)

// Ref is the runs.image value for an image pushed to repository (a fully
// qualified name such as ghcr.io/myorg/drift-action: registry host, lower
// case, no tag) with the given manifest digest (sha256:<64 hex>). A digest,
// unlike a tag, cannot be moved to other content after the release.
func Ref(repository, dgst string) (string, error) {
	named, err := reference.ParseNamed(repository)
	if err != nil {
		return "", fmt.Errorf("image ref: repository %q: %w (want a fully qualified, lower-case name such as ghcr.io/owner/repo)", repository, err)
	}
	if !reference.IsNameOnly(named) {
		return "", fmt.Errorf("image ref: repository %q carries a tag or digest; give the name alone and the digest separately", repository)
	}
	d, err := digest.Parse(dgst)
	if err == nil && d.Algorithm() != digest.SHA256 {
		err = digest.ErrDigestUnsupported
	}
	if err != nil {
		return "", fmt.Errorf("image ref: digest %q: %w (want sha256:<64 lower-case hex>, the digest the registry returned for the push)", dgst, err)
	}
	canonical, err := reference.WithDigest(named, d)
	if err != nil {
		return "", fmt.Errorf("image ref: %w", err)
	}
	return "docker://" + canonical.String(), nil
}

// Pin returns src (an action.yml) with runs.image set to image, every other
// byte kept: comments, folded descriptions and key order are what the
// reviewers of the default branch read, and the released file must say the
// same. The value is replaced where it is written, in the quoting it is
// written in; the result is then decoded again and must equal src's
// document but for runs.image.
func Pin(src []byte, image string) ([]byte, error) {
	if strings.ContainsAny(image, " \t\r\n\"'#") || !strings.HasPrefix(image, "docker://") {
		return nil, fmt.Errorf("pin action image: %q is not a docker:// image reference", image)
	}
	doc, err := decodeOne(src)
	if err != nil {
		return nil, fmt.Errorf("pin action image: %w", err)
	}
	runs := mappingValue(doc, "runs")
	if runs == nil || runs.Kind != yaml.MappingNode {
		return nil, errors.New("pin action image: action.yml has no runs mapping")
	}
	if using := mappingValue(runs, "using"); using == nil || using.Value != "docker" {
		return nil, errors.New("pin action image: runs.using is not docker; only a Docker container action runs an image")
	}
	node := mappingValue(runs, "image")
	if node == nil || node.Kind != yaml.ScalarNode {
		return nil, errors.New("pin action image: action.yml has no runs.image scalar; add `image: Dockerfile` under runs")
	}
	start, end, err := scalarSpan(src, node)
	if err != nil {
		return nil, fmt.Errorf("pin action image: %w", err)
	}
	out := make([]byte, 0, len(src)+len(image))
	out = append(out, src[:start]...)
	out = append(out, image...)
	out = append(out, src[end:]...)

	if err := sameButImage(src, out, image); err != nil {
		return nil, fmt.Errorf("pin action image: %w", err)
	}
	return out, nil
}

// scalarSpan returns the byte range of the value of node in src, inside
// its quotes if it is quoted. Only one-line plain or quoted scalars without
// escapes are accepted: anything else could not be replaced in place.
func scalarSpan(src []byte, node *yaml.Node) (int, int, error) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	if node.Line < 1 || node.Line > len(lines) {
		return 0, 0, fmt.Errorf("runs.image: line %d is outside the file", node.Line)
	}
	lineStart := 0
	for _, l := range lines[:node.Line-1] {
		lineStart += len(l)
	}
	line := string(lines[node.Line-1])
	// yaml.v3 counts columns in runes.
	col := len(string([]rune(line)[:min(node.Column-1, len([]rune(line)))]))
	rest := line[col:]
	if node.Style&yaml.TaggedStyle != 0 || node.Anchor != "" {
		return 0, 0, fmt.Errorf("runs.image at line %d is not a one-line value without anchor, tag or escape; write it as image: Dockerfile", node.Line)
	}
	quote := ""
	switch node.Style {
	case 0:
	case yaml.DoubleQuotedStyle:
		quote = `"`
	case yaml.SingleQuotedStyle:
		quote = `'`
	default:
		return 0, 0, fmt.Errorf("runs.image at line %d is a block or flow scalar; write it on one line (image: Dockerfile)", node.Line)
	}
	written := quote + node.Value + quote
	if node.Value == "" || !strings.HasPrefix(rest, written) {
		return 0, 0, fmt.Errorf("runs.image at line %d is not a one-line value without anchor, tag or escape; write it as image: Dockerfile", node.Line)
	}
	start := lineStart + col + len(quote)
	return start, start + len(node.Value), nil
}

// sameButImage decodes both documents and checks that they differ in
// runs.image alone, and that it now holds image.
func sameButImage(src, out []byte, image string) error {
	var before, after map[string]any
	if err := yaml.Unmarshal(src, &before); err != nil {
		return err
	}
	if err := yaml.Unmarshal(out, &after); err != nil {
		return fmt.Errorf("the rewritten file does not parse: %w", err)
	}
	runs, _ := after["runs"].(map[string]any)
	if got, _ := runs["image"].(string); got != image {
		return fmt.Errorf("the rewritten file's runs.image is %q, want %q", got, image)
	}
	srcRuns, ok := before["runs"].(map[string]any)
	if !ok {
		return errors.New("the source has no runs mapping")
	}
	srcRuns["image"] = image
	if !reflect.DeepEqual(before, after) {
		return errors.New("the rewritten file differs from the source in more than runs.image")
	}
	return nil
}

// decodeOne decodes the single YAML document of src; a second document is
// refused, since GitHub reads only the first and a reader could be misled.
func decodeOne(src []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("action.yml: %w", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("action.yml: holds more than one YAML document")
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("action.yml: the document is not a mapping")
	}
	return doc.Content[0], nil
}

// mappingValue is the value node of key in mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
