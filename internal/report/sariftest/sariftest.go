// Package sariftest is test-only: it checks a SARIF log against the SARIF
// 2.1.0 JSON schema, offline.
//
// sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 schema (its id:
// docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/), copied
// unchanged from github.com/securego/gosec/v2 v2.30.0,
// report/sarif/testdata/sarif-schema-2.1.0.json (SHA-256
// c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e). The
// schema is OASIS's work, which OASIS's copyright notice lets anyone copy
// and distribute; gosec ships it under Apache-2.0.
package sariftest

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed sarif-schema-2.1.0.json
var schemaJSON []byte

const schemaURL = "urn:drift-action:sarif-schema-2.1.0.json"

var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri and uri-reference members are checked too
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
})

// Validate reports whether data is a SARIF 2.1.0 log the schema accepts.
func Validate(data []byte) error {
	s, err := compiled()
	if err != nil {
		return fmt.Errorf("sarif schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("sarif log is not JSON: %w", err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("sarif log does not match the SARIF 2.1.0 schema: %w", err)
	}
	return nil
}
