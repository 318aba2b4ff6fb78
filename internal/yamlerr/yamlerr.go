// Package yamlerr says a YAML decoder's type errors in the terms of the
// file being read, not Go's: "field reop not found in type
// config.ServeMapping" becomes "the mapping file has no field reop", and
// "cannot unmarshal !!str `x` into []string" becomes "want a list of
// strings, got a string `x`". It imports nothing of this module, so any
// package (config included) may use it.
package yamlerr

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Shapes names the caller's Go types, as the decoder prints them
// ("record.Event", "[]record.PolicyEntry"), by what the file must hold
// there ("a log event (a mapping: time, event, ...)"). Builtin types,
// lists and maps have shapes of their own.
type Shapes map[string]string

var (
	unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type ([\w.\[\]]+)`)
	// A type is a name, possibly in a list or map ("[]record.Event",
	// "map[string]interface {}").
	wrongTypeRE = regexp.MustCompile("cannot unmarshal !!(\\w+) (`[^`]*` )?into ([\\w.\\[\\]]+(?: \\{\\})?)")
)

// Plain rewrites every type error in msg (yaml.v3's, lines kept as they
// are). unknownHint follows an unknown field, e.g. "(remove it)".
func Plain(msg string, shapes Shapes, unknownHint string) string {
	msg = unknownFieldRE.ReplaceAllStringFunc(msg, func(s string) string {
		m := unknownFieldRE.FindStringSubmatch(s)
		out := fmt.Sprintf("%s has no field %s", shapes.of(m[2]), m[1])
		if unknownHint != "" {
			out += " " + unknownHint
		}
		return out
	})
	return wrongTypeRE.ReplaceAllStringFunc(msg, func(s string) string {
		m := wrongTypeRE.FindStringSubmatch(s)
		got := map[string]string{"seq": "a list", "map": "a mapping", "str": "a string", "int": "a number", "float": "a number", "bool": "true or false", "null": "nothing"}[m[1]]
		if got == "" {
			got = "!!" + m[1]
		}
		if m[2] != "" {
			got += " " + strings.TrimSpace(m[2])
		}
		return fmt.Sprintf("want %s, got %s", shapes.of(m[3]), got)
	})
}

// of names goType by what the file must hold there.
func (s Shapes) of(goType string) string {
	if shape, ok := s[goType]; ok {
		return shape
	}
	switch goType {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "interface {}":
		return "a value"
	}
	if elem, ok := strings.CutPrefix(goType, "[]"); ok {
		if elem == "string" {
			return "a list of strings"
		}
		return "a list"
	}
	if strings.HasPrefix(goType, "map[") {
		return "a mapping"
	}
	if _, name, ok := strings.Cut(goType, "."); ok {
		return "a mapping (" + name + ")"
	}
	return goType
}

// Error is a yaml.v3 decoder's err made plain: each type error (Plain) on
// its own, "line N: ...", joined by "; ", and no "yaml: " prefix. The
// decoded text starts on the file's line firstLine (1 for a whole file),
// so a line is the file's, not the text's. Nil stays nil.
func Error(err error, shapes Shapes, unknownHint string, firstLine int) error {
	if err == nil {
		return nil
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = strings.Join(te.Errors, "; ")
	}
	msg = lineRE.ReplaceAllStringFunc(msg, func(s string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
		return "line " + strconv.Itoa(n+firstLine-1)
	})
	return errors.New(Plain(msg, shapes, unknownHint))
}

var lineRE = regexp.MustCompile(`line (\d+)`)
