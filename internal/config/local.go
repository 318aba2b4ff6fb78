package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/myorg/drift-action/internal/apigroup"
)

// Local is `drift-action record` or `drift-action remediate` run outside
// GitHub Actions: the action's mode, with detect's flags, its inputs as
// flags and its secrets from the environment.
type Local struct {
	Detect Detect
	// Action holds what the gitops stage and Slack read, as the action's
	// inputs and the runner would give them.
	Action Action
	// DryRun computes everything and shows every side effect (the record's
	// diff, heals, pull requests, Slack messages) instead of making it: no
	// commit, apply or network call.
	DryRun bool
	// Push pushes the record commit as the action does; without it the
	// record is committed to the checkout alone.
	Push bool
}

// LocalEnv are the variables `record` and `remediate` read beyond
// detect's: secrets stay off the command line. Each is optional; README's
// "Try it locally" says when one is needed.
var LocalEnv = []string{
	"GITHUB_TOKEN",                   // remediation pull requests; a refused push's pull request (--push)
	"GITHUB_API_URL",                 // GitHub Enterprise Server's API (default https://api.github.com)
	"GITHUB_REPOSITORY",              // --repository's default
	"DRIFT_ACTION_SLACK_WEBHOOK_URL", // Slack incoming webhook (secret)
	"DRIFT_ACTION_SLACK_TOKEN",       // Slack bot token (secret), with --slack-channel
}

// LocalRunID names a local run in the record, its commit and Slack.
const LocalRunID = "local"

// ParseLocal reads the flags of `record` or `remediate` (mode) and the
// variables of LocalEnv. Paths are relative to --workspace, the checkout
// the record is kept in (default: the current directory's repository).
func ParseLocal(mode string, args []string, env Env, usage io.Writer) (Local, error) {
	l := Local{Detect: Detect{Cwd: env.Cwd, Environ: env.Environ}}
	cmd, configPath := detectCommand(&l.Detect)
	fset := flag.NewFlagSet(mode, flag.ContinueOnError)
	cmd.Flags.VisitAll(func(f *flag.Flag) { fset.Var(f.Value, f.Name, f.Usage) })
	cmd.Flags = fset
	var workspace, reportPath, logPath, channel string
	var heartbeat bool
	a := &l.Action
	fset.BoolVar(&l.DryRun, "dry-run", false, "show what the run would commit, apply, open and post, and do none of it: no commit, no terraform apply, no network call")
	fset.BoolVar(&l.Push, "push", false, "push the record commit to the checkout's branch as the action does (default: commit to the checkout only)")
	fset.StringVar(&workspace, "workspace", "", "the git checkout to plan and record in, as GITHUB_WORKSPACE (`DIR`; default: the current directory)")
	fset.StringVar(&reportPath, "report-path", ActionDefaults["report-path"], "the DriftReport `FILE`, in the repository")
	fset.StringVar(&logPath, "log-path", ActionDefaults["log-path"], "the append-only drift log `FILE`, in the repository")
	fset.StringVar(&a.RecordGroup, "record-group", ActionDefaults["record-group"], "the API `GROUP` of the DriftReport resources, as the action's record-group input")
	fset.StringVar(&a.Repository, "repository", env.Getenv("GITHUB_REPOSITORY"), "`OWNER/NAME` remediation pull requests are opened in (default: $GITHUB_REPOSITORY; under --dry-run, local/ and the checkout's name)")
	fset.StringVar(&a.RefName, "base", "main", "the `BRANCH` remediation pull requests merge into")
	fset.StringVar(&channel, "slack-channel", "", "the `CHANNEL` the bot token ($DRIFT_ACTION_SLACK_TOKEN) posts to")
	fset.BoolVar(&a.FailOnDrift, "fail-on-drift", false, "exit 2 when drift is found, as the action's fail-on-drift input")
	fset.BoolVar(&heartbeat, "slack-heartbeat", false, "also tell Slack \"checked N targets, no drift\" when nothing changed")
	if mode == "remediate" {
		fset.StringVar(&a.Remediation, "remediation", "", "the default `STRATEGY`: pr, apply, adopt or auto (default: drift.yaml's remediation.strategy, else pr)")
	}
	cmd.Header = localHeader(mode)
	dirs, err := cmd.Parse(args, usage)
	if err != nil {
		return l, err
	}
	l.Detect.Dirs = dirs
	set := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := l.Detect.checkFlags(); err != nil {
		return l, err
	}
	if l.DryRun && l.Push {
		return l, errors.New("--dry-run and --push: a dry run pushes nothing; drop one")
	}
	if l.DryRun && l.Detect.MetricsFile != "" {
		// Its heals and pull requests are made up (an apply that "succeeded"):
		// a collector would read them as what happened.
		return l, errors.New("--dry-run and --metrics-file: a dry run's metrics would report heals and pull requests that never happened; drop one")
	}
	if a.Remediation != "" && !slices.Contains([]string{"pr", "apply", "adopt", "auto"}, a.Remediation) {
		return l, fmt.Errorf("--remediation %q is not accepted: use pr, apply, adopt or auto", a.Remediation)
	}
	if workspace != "" {
		abs, err := filepath.Abs(filepath.Join(env.Cwd, workspace))
		if filepath.IsAbs(workspace) {
			abs, err = filepath.Clean(workspace), nil
		}
		if err != nil {
			return l, fmt.Errorf("--workspace %q: %w", workspace, err)
		}
		env.Cwd, l.Detect.Cwd = abs, abs
	}
	if err := resolveDetect(&l.Detect, *configPath, set, env); err != nil {
		return l, err
	}
	a.Mode, a.Workspace, a.Environ = mode, l.Detect.RepoRoot, env.Environ
	if a.Repository == "" && l.DryRun {
		// Named in the pull requests a dry run shows, never called.
		a.Repository = "local/" + filepath.Base(a.Workspace)
	}
	a.RunID, a.EventName = LocalRunID, "cli"
	a.Token, a.APIURL = strings.TrimSpace(env.Getenv("GITHUB_TOKEN")), env.Getenv("GITHUB_API_URL")
	a.Terraform, a.PluginCacheDir = l.Detect.Terraform, l.Detect.PluginCacheDir
	if a.ReportPath, err = recordPath(a.Workspace, "report-path", reportPath); err != nil {
		return l, flagError(err)
	}
	if a.LogPath, err = recordPath(a.Workspace, "log-path", logPath); err != nil {
		return l, flagError(err)
	}
	if err := apigroup.Check(a.RecordGroup); err != nil {
		return l, fmt.Errorf("--record-group: %w; give the group the action's record-group input names", err)
	}
	if a.ReportPath == a.LogPath {
		return l, fmt.Errorf("--report-path and --log-path both name %q: give each its own file", a.ReportPath)
	}
	a.Slack = Slack{WebhookURL: strings.TrimSpace(env.Getenv("DRIFT_ACTION_SLACK_WEBHOOK_URL")),
		Token: strings.TrimSpace(env.Getenv("DRIFT_ACTION_SLACK_TOKEN")), Channel: channel, Heartbeat: heartbeat}
	return l, checkLocalSlack(a.Slack, l.DryRun)
}

// flagError names the flag where recordPath names the action's input.
func flagError(err error) error {
	return errors.New(strings.Replace(err.Error(), "input ", "--", 1))
}

// checkLocalSlack is the action's Slack check with the CLI's names. A dry
// run contacts no URL, so it takes http:// (a local listener, say); a real
// post never goes over plain HTTP: the webhook URL is a secret.
func checkLocalSlack(s Slack, dryRun bool) error {
	switch {
	case s.WebhookURL != "" && s.Token != "":
		return errors.New("DRIFT_ACTION_SLACK_WEBHOOK_URL and DRIFT_ACTION_SLACK_TOKEN are both set: use one")
	case s.Token != "" && s.Channel == "":
		return errors.New("DRIFT_ACTION_SLACK_TOKEN needs --slack-channel: the channel ID (e.g. C0123456789) or name the bot posts to")
	case s.Channel != "" && s.Token == "":
		return errors.New("--slack-channel is set without DRIFT_ACTION_SLACK_TOKEN: a webhook's channel is fixed when it is created")
	case s.WebhookURL != "" && !strings.HasPrefix(s.WebhookURL, "https://") && !(dryRun && strings.HasPrefix(s.WebhookURL, "http://")):
		return errors.New("DRIFT_ACTION_SLACK_WEBHOOK_URL is not an https:// URL (value not shown: it is a secret): a real post goes over https only; --dry-run posts nothing and takes http://")
	case s.Token != "" && !strings.HasPrefix(s.Token, "xoxb-") && !strings.HasPrefix(s.Token, "xoxp-"):
		return errors.New("DRIFT_ACTION_SLACK_TOKEN is not a Slack bot token (value not shown: it is a secret): use the app's Bot User OAuth Token, which starts with xoxb-")
	}
	return nil
}

func localHeader(mode string) string {
	what := "Plans like detect, then commits the record (drift report and log) to the\n" +
		"checkout's branch: locally, unless --push pushes it as the action does.\n"
	if mode == "remediate" {
		what = "Plans like detect, then heals as the action's mode remediate does: applies\n" +
			"the saved plans remediation allows, opens remediation pull requests (needs\n" +
			"GITHUB_TOKEN and --repository), and commits the record locally (--push pushes).\n"
	}
	return "usage: drift-action " + mode + " [flags] [DIR|GLOB...]\n\n" + what +
		"Slack is told when DRIFT_ACTION_SLACK_WEBHOOK_URL, or DRIFT_ACTION_SLACK_TOKEN\n" +
		"with --slack-channel, is set. --dry-run does none of it and prints each side\n" +
		"effect instead: the record's diff, what heal would apply or refuse, each pull\n" +
		"request's branch diff, title and body, and the Slack messages; it needs no token.\n\n" +
		"Environment: " + strings.Join(LocalEnv, ", ") + ".\n\n" +
		"Exit codes, as the action's: 0 done (drift or not), 1 error, 3 mandatory policy\n" +
		"failed, 2 drift with --fail-on-drift.\n"
}
