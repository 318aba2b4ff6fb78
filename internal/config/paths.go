package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/myorg/drift-action/internal/wsfile"
	"go.yaml.in/yaml/v3"
)

// Paths given to the action or in drift.yaml name places in the
// repository. Each is checked as written, before it is cleaned or joined,
// so a segment cleaning would cancel (drift/../.github/x) cannot walk out
// of the place the path seems to name; see wsfile.Inside.

// inputPath checks an input that names a path or glob in the repository.
func inputPath(name, v, example string) error {
	if err := wsfile.Inside(v); err != nil {
		return fmt.Errorf("input %s: %q must be a path inside the repository, relative to its root (%s), e.g. %s", name, v, why(err), example)
	}
	return nil
}

// filePath checks a drift.yaml key that names a path or glob in the
// repository; the error names the file, line and key.
func (d decoder) filePath(n *yaml.Node, key, v, example string) error {
	if err := wsfile.Inside(v); err != nil {
		return fmt.Errorf("%s:%d: %s %q must be a path inside the repository, relative to its root (%s), e.g. %s", d.file, n.Line, key, v, why(err), example)
	}
	return nil
}

// paths checks each of a drift.yaml list of paths (vs, decoded from n
// with err) by filePath.
func (d decoder) paths(n *yaml.Node, err error, key string, vs []string, example string) error {
	if err != nil {
		return err
	}
	var errs []error
	for i, v := range vs {
		at := n
		if n.Kind == yaml.SequenceNode {
			at = n.Content[i]
		}
		errs = append(errs, d.filePath(at, fmt.Sprintf("%s[%d]", key, i), v, example))
	}
	return errors.Join(errs...)
}

// nodeLines are the lines of a scalar's or a sequence's items.
func nodeLines(n *yaml.Node) []int {
	if n.Kind != yaml.SequenceNode {
		return []int{n.Line}
	}
	out := make([]int, len(n.Content))
	for i, c := range n.Content {
		out[i] = c.Line
	}
	return out
}

// pathExamples are examples for the file inputs without a default.
var pathExamples = map[string]string{"sarif-file": "drift.sarif", "metrics-file": "drift/metrics.prom"}

// recordPath checks a file the action commits (report-path, log-path) or
// writes for a later step (sarif-file):
// inside the repository by wsfile.Rel, outside git's and GitHub's own
// files (no segment named .git*, whatever its case: a record must never
// land in .github/workflows, .git/hooks or .gitattributes), and, in
// workspace, not through a symbolic link the checkout holds. It returns
// the path cleaned and slash-separated.
func recordPath(workspace, name, v string) (string, error) {
	example := ActionDefaults[name]
	if example == "" {
		example = pathExamples[name]
	}
	fail := func(why string) (string, error) {
		return "", fmt.Errorf("input %s: %q must be a file path inside the repository, outside .git and .github (%s), e.g. %s", name, v, why, example)
	}
	clean, err := wsfile.Rel(v)
	if err != nil {
		return fail(why(err))
	}
	clean = filepath.ToSlash(clean)
	for _, s := range strings.Split(clean, "/") {
		// Windows and macOS file systems ignore case, Windows trailing
		// dots and spaces too.
		if strings.HasPrefix(strings.ToLower(strings.TrimRight(s, ". ")), ".git") {
			return fail(fmt.Sprintf("%s is git's or GitHub's own", s))
		}
	}
	if workspace != "" {
		if err := wsfile.Check(workspace, clean); err != nil {
			return fail(err.Error())
		}
	}
	return clean, nil
}

// logDir checks the terraform-log-dir input: a directory inside the
// repository, outside git's and GitHub's own files, not reached through a
// symbolic link the checkout holds (terraform would write through it). It
// returns the path cleaned and slash-separated.
func logDir(workspace, v string) (string, error) {
	fail := func(why string) (string, error) {
		return "", fmt.Errorf("input terraform-log-dir: %q must be a directory inside the repository, outside .git and .github (%s), e.g. terraform-logs", v, why)
	}
	if err := wsfile.Inside(v); err != nil {
		return fail(why(err))
	}
	clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(v)))
	if clean == "." {
		return fail("it is the repository's root; name a directory of its own")
	}
	for _, s := range strings.Split(clean, "/") {
		if strings.HasPrefix(strings.ToLower(strings.TrimRight(s, ". ")), ".git") {
			return fail(fmt.Sprintf("%s is git's or GitHub's own", s))
		}
	}
	if workspace != "" {
		// A file below it stands for the files terraform will write.
		if err := wsfile.Check(workspace, clean+"/x.log"); err != nil {
			return fail(err.Error())
		}
	}
	return clean, nil
}

// why is the reason in a wsfile.PathError, or the error itself.
func why(err error) string {
	if pe := (*wsfile.PathError)(nil); errors.As(err, &pe) {
		return pe.Why
	}
	return err.Error()
}
