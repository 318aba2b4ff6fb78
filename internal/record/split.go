package record

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/myorg/drift-action/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// chunk is one YAML document of a file: its bytes without the "---" line
// that opens it, and the line (1-based) its first byte is on.
type chunk struct {
	text []byte
	line int
	// sep: the chunk was opened by a "---" line (the first chunk of a file
	// need not be).
	sep bool
}

// blank reports whether the chunk holds only blank lines and comments.
func (c chunk) blank() bool {
	for _, l := range strings.Split(string(c.text), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}

// split cuts a multi-document YAML file at its "---" lines. Markers with
// content after them ("--- {a: 1}"), document end markers ("...") and
// directives are refused, so every document can be kept byte for byte.
func split(name string, data []byte) ([]chunk, error) {
	var out []chunk
	cur := chunk{line: 1}
	line := 1
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		var l []byte
		if end < 0 {
			l, data = data, nil
		} else {
			l, data = data[:end+1], data[end+1:]
		}
		trimmed := strings.TrimRight(string(l), " \t\r\n")
		switch {
		case trimmed == "---":
			out = append(out, cur)
			cur = chunk{line: line + 1, sep: true}
		case strings.HasPrefix(trimmed, "---") && (trimmed[3] == ' ' || trimmed[3] == '\t'):
			return nil, fmt.Errorf("%s:%d: put nothing after a document's opening ---; start the document on the next line", name, line)
		case trimmed == "..." || strings.HasPrefix(trimmed, "... "):
			return nil, fmt.Errorf("%s:%d: document end markers (...) are not supported; separate documents with a line of ---", name, line)
		case strings.HasPrefix(trimmed, "%"):
			return nil, fmt.Errorf("%s:%d: YAML directives are not supported; remove the line", name, line)
		default:
			cur.text = append(cur.text, l...)
		}
		line++
	}
	out = append(out, cur)
	return out, nil
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// shapes names record's types by what a record file holds there.
var shapes = yamlerr.Shapes{
	"record.Event":         "a log event (a mapping: time, event, root, target, ...)",
	"record.Report":        "a DriftReport",
	"record.reportDoc":     "a DriftReport",
	"record.ReportSpec":    "a DriftReport's spec",
	"record.Metadata":      "a DriftReport's metadata",
	"record.ReportStatus":  "a DriftReport's status",
	"[]record.PolicyEntry": "a list of policy entries (mappings)",
}

// plainTypeErrors says the YAML decoder's type errors in the file's terms,
// not Go's ("field x not found in type record.Event").
func plainTypeErrors(msg string) string {
	return yamlerr.Plain(msg, shapes, "(remove it, or read the file with the drift-action version that wrote it)")
}

// decodeChunk decodes one document strictly (unknown fields are errors) and
// names the file and line in any error.
func decodeChunk(name string, c chunk, v any) error { return decodeChunkAs(name, c, v, true) }

// decodeChunkAs is decodeChunk, refusing unknown fields only when strict.
func decodeChunkAs(name string, c chunk, v any, strict bool) error {
	dec := yaml.NewDecoder(bytes.NewReader(c.text))
	dec.KnownFields(strict)
	err := dec.Decode(v)
	if err == nil {
		var extra yaml.Node
		if dec.Decode(&extra) == nil {
			return fmt.Errorf("%s:%d: two documents where one was expected; separate them with a line of ---", name, c.line+extra.Line-1)
		}
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = strings.Join(te.Errors, "; ")
	}
	msg = plainTypeErrors(msg)
	first, found := c.line, false
	msg = lineRE.ReplaceAllStringFunc(msg, func(s string) string {
		n, _ := strconv.Atoi(s[len("line "):])
		abs := c.line + n - 1
		if !found {
			first, found = abs, true
		}
		return "line " + strconv.Itoa(abs)
	})
	msg = strings.TrimPrefix(msg, "line "+strconv.Itoa(first)+": ")
	return fmt.Errorf("%s:%d: %s", name, first, msg)
}
