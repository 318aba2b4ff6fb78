// Package policies holds the policies bundled with drift-action: Rego for
// terraform plans (terraform/), their data (data/), the default enforcement
// levels (policy-set.yaml) and Gatekeeper constraints (gatekeeper/). They are
// compiled into the binary so the action needs no checkout of them.
package policies

import "embed"

// FS is this directory, as shipped.
//
//go:embed *
var FS embed.FS

// SetFile is the bundled policy set (default enforcement levels).
const SetFile = "policy-set.yaml"
