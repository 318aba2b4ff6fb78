package gatekeeper

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// document is one object read from a file, with where it came from.
type document struct {
	obj   *unstructured.Unstructured
	file  string // path as given (or as found below a given directory)
	index int    // 1-based index of the YAML document (or JSON value) in file
	line  int    // 1-based line where the document's content starts; 0 if unknown
	text  []byte // the document's text (YAML only)
	first int    // line of text's first line
}

// where is "file:line (document N)" for error messages.
func (d *document) where() string {
	if d.line > 0 {
		return fmt.Sprintf("%s:%d (document %d)", d.file, d.line, d.index)
	}
	return fmt.Sprintf("%s (document %d)", d.file, d.index)
}

// location is "file:line" when the line is known, else the file.
func (d *document) location() string {
	if d.line > 0 {
		return d.file + ":" + strconv.Itoa(d.line)
	}
	return d.file
}

// readPaths reads every object of every file in paths, in order. A
// directory stands for the .yaml, .yml and .json files below it (sorted),
// as with `gator test -f DIR`.
func readPaths(paths []string) ([]*document, error) {
	var docs []*document
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			ds, err := readFile(f)
			if err != nil {
				return nil, err
			}
			docs = append(docs, ds...)
		}
	}
	return docs, nil
}

func expand(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && gator.IsSupportedExtension(filepath.Ext(path)) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	return files, nil
}

// readFile splits a YAML file into documents (keeping each one's start
// line) and decodes every document with gator's own reader
// (reader.ReadK8sResources, the decoder `gator test` uses). A JSON file is
// decoded whole.
func readFile(file string) ([]*document, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var chunks []chunk
	if strings.EqualFold(filepath.Ext(file), gator.ExtJSON) {
		chunks = []chunk{{data: data}}
	} else {
		chunks, err = splitYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid YAML: %w", file, err)
		}
	}
	var docs []*document
	for i, c := range chunks {
		objs, err := reader.ReadK8sResources(bytes.NewReader(c.data))
		if err != nil {
			d := document{file: file, index: i + 1, line: c.content}
			return nil, fmt.Errorf("%s: invalid YAML: %w", d.where(), shiftYAMLLines(err, c.first))
		}
		for _, obj := range objs {
			docs = append(docs, &document{obj: obj, file: file, index: i + 1, line: c.content, text: c.data, first: c.first})
		}
	}
	return docs, nil
}

// chunk is one YAML document's text.
type chunk struct {
	data    []byte
	first   int // line of data's first line (after the separator), 1-based
	content int // line of the first line that is neither blank nor a comment; 0 if none
}

// splitYAML splits data at document separators the way Kubernetes'
// YAMLReader (and so gator) does: a line starting with "---" followed only
// by blanks or a comment. Chunks without content are dropped.
func splitYAML(data []byte) ([]chunk, error) {
	var chunks []chunk
	cur := chunk{first: 1}
	var buf bytes.Buffer
	flush := func() {
		if cur.content > 0 {
			cur.data = bytes.Clone(buf.Bytes())
			chunks = append(chunks, cur)
		}
		buf.Reset()
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, l := range lines {
		n := i + 1
		if bytes.HasPrefix(l, []byte("---")) {
			rest := strings.TrimSpace(string(l[3:]))
			if rest != "" && rest[0] != '#' {
				return nil, fmt.Errorf("line %d: invalid document separator %q (only a comment may follow ---)", n, strings.TrimRight(string(l), "\r\n"))
			}
			flush()
			cur = chunk{first: n + 1}
			continue
		}
		t := strings.TrimSpace(string(l))
		if cur.content == 0 && t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "%") {
			cur.content = n
		}
		buf.Write(l)
	}
	flush()
	return chunks, nil
}

var yamlLineRE = regexp.MustCompile(`\bline (\d+)\b`)

// shiftYAMLLines rewrites "line N" in a YAML error (relative to the
// document) to the line in the file.
func shiftYAMLLines(err error, first int) error {
	if first <= 1 {
		return err
	}
	msg := yamlLineRE.ReplaceAllStringFunc(err.Error(), func(m string) string {
		n, convErr := strconv.Atoi(yamlLineRE.FindStringSubmatch(m)[1])
		if convErr != nil {
			return m
		}
		return "line " + strconv.Itoa(n+first-1)
	})
	return errors.New(msg)
}

var (
	regoKeyRE     = regexp.MustCompile(`^\s*-?\s*rego:\s*[|>][-+0-9]*\s*(#.*)?$`)
	regoErrLineRE = regexp.MustCompile(`\btemplate:(\d+):`)
)

// regoLine maps the first "template:N:" position in a Gatekeeper Rego
// error to the line of d's file, when d has exactly one block-scalar
// "rego:" field. It returns "" when it cannot.
func regoLine(d *document, msg string) string {
	m := regoErrLineRE.FindStringSubmatch(msg)
	if m == nil || d.text == nil {
		return ""
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return ""
	}
	at := -1
	for i, l := range strings.Split(string(d.text), "\n") {
		if regoKeyRE.MatchString(strings.TrimRight(l, "\r")) {
			if at >= 0 {
				return "" // several rego blocks: ambiguous
			}
			at = i
		}
	}
	if at < 0 {
		return ""
	}
	return fmt.Sprintf(" (rego line %d is %s:%d)", n, d.file, d.first+at+n)
}
