// Package tfsetting holds the terraform settings drift.yaml and the
// action's inputs give, as values: the terraform-version setting
// (ParseVersion), the names a target's env may not set (ReservedEnv) and
// the default releases site. config parses and checks them; tf and
// tfinstall apply them. It imports no package of drift-action, so config
// stays a leaf.
package tfsetting

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-version"
)

// Auto is the default terraform-version: each root gets the newest
// release its required_version (and .terraform-version) allows, or the
// configured executable when that satisfies them.
const Auto = "auto"

// DefaultReleasesURL is HashiCorp's releases site.
const DefaultReleasesURL = "https://releases.hashicorp.com"

// Version is a parsed terraform-version setting. The zero value is not
// set, which means Auto.
type Version struct {
	raw         string
	constraints version.Constraints // nil for auto
}

// ParseVersion reads a terraform-version setting: auto, an exact version
// such as 1.10.5, or a constraint such as ~> 1.10; "" is not set (auto).
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Version{}, nil
	}
	if s == Auto {
		return Version{raw: Auto}, nil
	}
	c, err := version.NewConstraint(strings.TrimPrefix(s, "v"))
	if err != nil {
		return Version{}, fmt.Errorf("%q is not accepted: use auto, an exact version such as 1.10.5, or a constraint such as \"~> 1.10\"", s)
	}
	return Version{raw: s, constraints: c}, nil
}

// IsSet reports whether the setting was given (auto included).
func (v Version) IsSet() bool { return v.raw != "" }

// IsAuto reports whether the setting leaves the choice to each root.
func (v Version) IsAuto() bool { return v.constraints == nil }

// Constraints are the versions the setting allows; nil for auto.
func (v Version) Constraints() version.Constraints { return v.constraints }

func (v Version) String() string {
	if v.raw == "" {
		return Auto
	}
	return v.raw
}

// Equal reports whether v and o are the same setting as written; cmp
// compares settings with it.
func (v Version) Equal(o Version) bool { return v.raw == o.raw }

// LogLevels are the values of TF_LOG terraform knows (the
// terraform-log-level setting).
var LogLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "JSON"}
