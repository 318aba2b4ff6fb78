package tfsetting

import "strings"

// The rule for a target's env: it may set anything the target's terraform
// and providers read (cloud credentials, TF_VAR_*, TF_CLOUD_*), but not a
// variable that changes where terraform reads its CLI configuration,
// credentials, providers or data, which commands it runs and how, or
// where it writes logs. Those are the run's: drift-action gives every
// target its own data directory and a view of the one plugin cache
// (tf's cache.go), and a target (drift.yaml may come from a pull request) must
// not point terraform at another CLI config (provider_installation,
// credentials helpers), another cache, registry tokens, a log file
// anywhere on the runner, or extra arguments for every command.

// reservedEnv are names, each with why and what to do instead.
var reservedEnv = map[string]string{
	// Where terraform reads its CLI configuration, credentials and providers.
	"TERRAFORM_CONFIG": "the old name of TF_CLI_CONFIG_FILE; the CLI configuration is the run's",
	"HOME":             "terraform reads its CLI configuration, credentials and plugins under it; the run's is used",
	"XDG_DATA_HOME":    "terraform looks for provider plugins under it; the run's is used",
	"XDG_DATA_DIRS":    "terraform looks for provider plugins under it; the run's is used",
	// Where it keeps data.
	"TF_DATA_DIR": "each target gets its own data directory",
	// What it runs and how.
	"TF_WORKSPACE":           "use the target's workspace key",
	"TF_INPUT":               "terraform never prompts in a drift run",
	"TF_IN_AUTOMATION":       "always set for terraform",
	"TF_FORCE_LOCAL_BACKEND": "the root's backend is what drift-action plans against",
	"TF_IGNORE":              "a debugging aid for terraform's own developers",
	// Providers.
	"TF_REATTACH_PROVIDERS":   "providers are started by terraform",
	"TF_DISABLE_PLUGIN_TLS":   "providers always talk TLS",
	"TF_SKIP_PROVIDER_VERIFY": "providers are always verified",
	"TF_APPEND_USER_AGENT":    "set by drift-action",
}

// reservedPrefixes are families of names, each with why.
var reservedPrefixes = []struct{ prefix, why string }{
	{"TF_CLI_ARGS", "it would change every terraform command drift-action runs; use backend-config, vars or var-files"},
	{"TF_CLI_CONFIG_FILE", "the CLI configuration (provider installation, credentials) is the run's; set it in the workflow's env"},
	{"TF_PLUGIN", "the plugin cache and plugin handshake are the run's: each target installs through a view of one shared cache"},
	{"TF_TOKEN_", "registry and HCP Terraform credentials are the run's; set them in the workflow's env"},
	{"TF_REGISTRY_", "how providers and modules are fetched is the run's"},
	{"TF_LOG", "terraform's logs would mix with its machine-readable output, or be written to any file on the runner"},
}

// ReservedEnv reports whether a target's environment may not set name, and
// why (with what to do instead). TF_VAR_* is never reserved. drift.yaml's
// parser (config) and the runner (tf) apply this one rule.
func ReservedEnv(name string) (why string, reserved bool) {
	if strings.HasPrefix(name, "TF_VAR_") {
		return "", false
	}
	if why, ok := reservedEnv[name]; ok {
		return why, true
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(name, p.prefix) {
			return p.why, true
		}
	}
	return "", false
}
