package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/discover"
	"github.com/myorg/drift-action/internal/drift"
	"github.com/myorg/drift-action/internal/github"
	"github.com/myorg/drift-action/internal/glob"
	"github.com/myorg/drift-action/internal/report"
	"github.com/myorg/drift-action/internal/tfsource"
	"github.com/sethvargo/go-githubactions"
)

// Commenter keeps one sticky comment per pull request up to date.
type Commenter interface {
	UpsertStickyComment(ctx context.Context, owner, repo string, pr int, marker string, bodies []string) ([]string, error)
}

// newCommenter is replaced in tests by one pointed at a fake GitHub.
var newCommenter = func(ctx context.Context, token, apiURL string) (Commenter, error) {
	return github.NewClient(ctx, token, apiURL, nil)
}

// runner wraps go-githubactions so a failure to write a runner file is an
// error, not a panic, and output values cannot smuggle in other outputs.
type runner struct {
	gha *githubactions.Action
	out io.Writer
}

func (r runner) call(f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("runner file command: %v", p)
		}
	}()
	f()
	return nil
}

func (r runner) setOutput(k, v string) error {
	// The output file uses a fixed heredoc delimiter: a value with a line
	// break could end it early and inject outputs of its own.
	if strings.ContainsAny(v, "\r\n") {
		return fmt.Errorf("output %s: refusing a multi-line value", k)
	}
	return r.call(func() { r.gha.SetOutput(k, v) })
}

// untrusted prints text from the repository, terraform or the cloud with
// workflow commands switched off, so it cannot issue any.
func (r runner) untrusted(text string) {
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	fmt.Fprintf(r.out, "::stop-commands::%s\n%s", token, text)
	if !strings.HasSuffix(text, "\n") {
		fmt.Fprintln(r.out)
	}
	fmt.Fprintf(r.out, "::%s::\n", token)
}

// runAction is the GitHub Action: inputs from INPUT_*, results to the job
// summary, annotations, outputs and the pull request.
func runAction(ctx context.Context, env config.Env, stdout, stderr io.Writer) error {
	r := runner{gha: githubactions.New(githubactions.WithGetenv(env.Getenv), githubactions.WithWriter(stdout)), out: stdout}
	a, err := config.ParseAction(env)
	if err != nil {
		return err
	}
	if a.Token != "" {
		r.gha.AddMask(a.Token)
	}
	ev, err := config.ParseEvent(a.EventName, a.EventPath)
	if err != nil {
		return err
	}
	switch a.Mode {
	case "list":
		return actionList(ctx, a, env, r)
	case "aggregate":
		return actionAggregate(ctx, a, ev, r)
	}
	return actionDetect(ctx, a, ev, env, r)
}

// detectConfig turns action inputs into the detect configuration.
func detectConfig(a config.Action, env config.Env, stderr io.Writer) (config.Detect, error) {
	args := []string{"--terraform", a.Terraform}
	cfg := a.ConfigFile
	if _, err := os.Stat(filepath.Join(a.Workspace, cfg)); err == nil || cfg != config.DefaultFile {
		args = append(args, "--config", cfg)
	}
	if a.Parallelism > 0 {
		args = append(args, "--parallelism", strconv.Itoa(a.Parallelism))
	}
	if a.Policy.Disabled {
		args = append(args, "--no-policy")
	} else {
		// The input means what --policy and --bundled mean; left empty, the
		// config file decides exactly as it does for the CLI.
		for _, d := range a.Policy.Dirs {
			args = append(args, "--policy", d)
		}
		if a.Policy.Bundled {
			args = append(args, "--bundled=true")
		}
		for _, m := range a.Policy.Manifests {
			args = append(args, "--manifests", m)
		}
	}
	args = append(args, a.Dirs...)
	denv := config.Env{Getenv: env.Getenv, Environ: env.Environ, Cwd: a.Workspace}
	c, err := config.ParseDetect(args, denv, stderr)
	if err != nil {
		return c, err
	}
	c.Policy.Overrides = append(c.Policy.Overrides, a.Policy.Overrides...) // recorded as from the input
	c.Color = false
	return c, nil
}

func actionDetect(ctx context.Context, a config.Action, ev config.Event, env config.Env, r runner) error {
	c, err := detectConfig(a, env, r.out)
	if err != nil {
		return err
	}
	c.Event = ev.Name
	if ev.DispatchType == "drift-detected" {
		c.OnlyRoots = ev.Roots
	}
	c.Shard = a.Shard
	// Labels override soft-mandatory policies on pull requests; recorded like any override.
	c.Policy.Overrides = append(c.Policy.Overrides, ev.Overrides()...)

	fmt.Fprintf(r.out, "drift-action: planning (%s)\n", describeEvent(ev))
	det, err := Detect(ctx, c, &lineWriter{r: r})
	if det.PlanDir != "" {
		defer os.RemoveAll(det.PlanDir)
	}
	if err != nil {
		return err
	}
	return publish(ctx, a, ev, det.Doc, r)
}

// lineWriter streams progress lines as they come, each with workflow
// commands off: directory names and terraform's words are untrusted.
type lineWriter struct {
	r       runner
	pending []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.pending = append(w.pending, p...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.r.untrusted(string(w.pending[:i+1]))
		w.pending = w.pending[i+1:]
	}
}

func describeEvent(ev config.Event) string {
	switch {
	case ev.Name == "":
		return "no event"
	case ev.PR > 0:
		return fmt.Sprintf("%s #%d", ev.Name, ev.PR)
	case ev.DispatchType != "":
		s := ev.Name + " " + ev.DispatchType
		if len(ev.Roots) > 0 {
			s += " for " + strings.Join(ev.Roots, ", ")
		}
		return s
	}
	return ev.Name
}

// publish writes everything a run reports: log groups, annotations, the
// JSON result, the job summary, the pull request comment and the outputs.
func publish(ctx context.Context, a config.Action, ev config.Event, doc report.Document, r runner) error {
	var errs []error
	for _, root := range doc.Roots {
		r.gha.Group(fmt.Sprintf("%s (%s): %s", root.Dir, root.Target, root.Status))
		var b bytes.Buffer
		one := doc
		one.Roots = []report.Root{root}
		one.Manifests = nil
		report.Text(&b, one, false)
		r.untrusted(b.String())
		r.gha.EndGroup()
	}
	annotate(a.Workspace, doc, r)

	resultPath := filepath.Join(".drift-action", "result.json")
	if a.Shard.IsSet() {
		resultPath = filepath.Join(".drift-action", fmt.Sprintf("result-%d-of-%d.json", a.Shard.Index, a.Shard.Count))
	}
	if err := writeResult(filepath.Join(a.Workspace, resultPath), doc); err != nil {
		errs = append(errs, err)
		resultPath = ""
	}

	var commentURL string
	switch {
	case ev.PR == 0:
	case ev.ReadsOnly():
		r.gha.Warningf("drift-action: not commenting on pull request #%d: runs for forks and pull_request_target never write to the repository", ev.PR)
	case a.Token == "":
		r.gha.Warningf("drift-action: no github-token; not commenting on the pull request")
	default:
		url, err := comment(ctx, a, ev, doc)
		if err != nil {
			errs = append(errs, err)
		}
		commentURL = url
	}

	runURL := ""
	if a.ServerURL != "" && a.Repository != "" && a.RunID != "" {
		runURL = fmt.Sprintf("%s/%s/actions/runs/%s", a.ServerURL, a.Repository, a.RunID)
	}
	var sum bytes.Buffer
	if err := report.JobSummary(&sum, doc, report.Links{Run: runURL, Comment: commentURL, ResultJSON: resultPath, Source: ev.Source, Shard: a.Shard.String()}, report.StepSummaryLimit); err != nil {
		errs = append(errs, err)
	}
	if a.SummaryFile != "" {
		if err := r.call(func() { r.gha.AddStepSummary(sum.String()) }); err != nil {
			errs = append(errs, err)
		}
	}

	violations := 0
	if doc.Policy != nil {
		violations = doc.Policy.Denies - doc.Policy.Waived
	}
	outputs := []struct{ k, v string }{
		{"drift-detected", strconv.FormatBool(doc.Drifted)},
		{"drifted-resources", strconv.Itoa(doc.Summary.DriftedResources)},
		{"policy-violations", strconv.Itoa(violations)},
		{"report-path", ""}, // written by mode: record
		{"result-json", resultPath},
		{"pull-request-url", ""}, // opened by remediation
	}
	for _, o := range outputs {
		if err := r.setOutput(o.k, o.v); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	switch code := doc.ExitCode(); {
	case code == ExitError || code == ExitPolicy:
		return ExitStatus(code)
	case code == ExitDrift && a.FailOnDrift && doc.Drifted:
		r.gha.Errorf("drift-action: drift detected and fail-on-drift is true")
		return ExitStatus(ExitDrift)
	}
	return nil
}

func comment(ctx context.Context, a config.Action, ev config.Event, doc report.Document) (string, error) {
	owner, repo, ok := strings.Cut(a.Repository, "/")
	if !ok {
		return "", fmt.Errorf("comment: GITHUB_REPOSITORY %q is not owner/name", a.Repository)
	}
	var body bytes.Buffer
	if err := report.Markdown(&body, doc); err != nil {
		return "", err
	}
	cm, err := newCommenter(ctx, a.Token, a.APIURL)
	if err != nil {
		return "", fmt.Errorf("comment: %w", err)
	}
	marker := "report"
	if a.Shard.IsSet() {
		marker = "report-" + a.Shard.String()
	}
	urls, err := cm.UpsertStickyComment(ctx, owner, repo, ev.PR, marker, github.Split(body.String(), github.CommentPartLimit))
	if err != nil {
		return "", fmt.Errorf("comment: %w", err)
	}
	if len(urls) == 0 {
		return "", nil
	}
	return urls[0], nil
}

// annotate puts each drifted resource, failed policy and failed target on
// the .tf line that declares it.
func annotate(workspace string, doc report.Document, r runner) {
	for _, root := range doc.Roots {
		ix := tfsource.Load(filepath.Join(workspace, filepath.FromSlash(root.Dir)))
		at := func(address string) map[string]string {
			f := map[string]string{}
			if p, ok := ix.Find(address); ok {
				if rel, err := filepath.Rel(workspace, p.File); err == nil {
					f["file"] = filepath.ToSlash(rel)
					f["line"] = strconv.Itoa(p.Line)
				}
			}
			return f
		}
		if root.Status == drift.StatusError {
			first, _, _ := strings.Cut(root.Error, "\n")
			r.gha.WithFieldsMap(map[string]string{"title": "drift-action: " + root.Dir}).Errorf("%s (%s): %s", root.Dir, root.Target, first)
		}
		for _, d := range root.Drift {
			f := at(d.Address)
			f["title"] = "Drift: " + d.Address
			r.gha.WithFieldsMap(f).Warningf("%s (%s) was %s outside terraform%s", d.Address, root.Target, verbFor(d.Actions), attrList(d))
		}
		for _, p := range root.Policy {
			if !p.Failed {
				continue
			}
			f := at(p.Resource)
			f["title"] = fmt.Sprintf("Policy %s.%s (%s, %s)", p.Policy, p.Rule, p.Level, p.Severity)
			r.gha.WithFieldsMap(f).Errorf("%s", p.Msg)
		}
	}
	for _, m := range doc.Manifests {
		if m.Failed {
			r.gha.WithFieldsMap(map[string]string{"title": "Gatekeeper " + m.Rule}).Errorf("%s: %s", m.Resource, m.Msg)
		}
	}
}

func verbFor(actions []string) string {
	switch strings.Join(actions, ",") {
	case "delete":
		return "deleted"
	case "create":
		return "created"
	}
	return "changed"
}

func attrList(d drift.Resource) string {
	if len(d.Attributes) == 0 || strings.Join(d.Actions, ",") == "delete" {
		return ""
	}
	var paths []string
	for i, a := range d.Attributes {
		if i == 5 {
			paths = append(paths, fmt.Sprintf("and %d more", len(d.Attributes)-5))
			break
		}
		paths = append(paths, a.Path)
	}
	return ": " + strings.Join(paths, ", ")
}

func writeResult(path string, doc report.Document) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("result json: %w", err)
	}
	var b bytes.Buffer
	if err := report.JSON(&b, doc); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("result json: %w", err)
	}
	return nil
}

// maxMatrixJobs is GitHub's limit on jobs one matrix may generate.
const maxMatrixJobs = 256

// actionList writes the matrix of shards for a fan-out: each job runs
// detect with shard: ${{ matrix.shard }}.
func actionList(ctx context.Context, a config.Action, env config.Env, r runner) error {
	c, err := detectConfig(a, env, r.out)
	if err != nil {
		return err
	}
	targets, err := discover.Targets(discover.Request{Cwd: c.Cwd, RepoRoot: c.RepoRoot, Args: c.Dirs, File: c.File})
	if err != nil {
		return err
	}
	size := c.File.ShardSize
	if size <= 0 {
		size = 10
	}
	jobs := (len(targets) + size - 1) / size
	if jobs > maxMatrixJobs {
		jobs = maxMatrixJobs
	}
	type job struct {
		Shard   string `json:"shard"`
		Roots   string `json:"roots"`
		Targets int    `json:"targets"`
	}
	m := struct {
		Include []job `json:"include"`
	}{Include: []job{}}
	for i := 1; i <= jobs; i++ {
		part := discover.Shard(targets, i, jobs)
		var names []string
		for _, t := range part {
			names = append(names, t.Dir+"@"+t.Name)
		}
		m.Include = append(m.Include, job{Shard: fmt.Sprintf("%d/%d", i, jobs), Roots: strings.Join(names, " "), Targets: len(part)})
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.out, "drift-action: %d target(s) in %d matrix job(s) of up to %d\n", len(targets), jobs, size)
	return r.setOutput("matrix", string(b))
}

// actionAggregate merges the JSON results of matrix jobs into one report.
func actionAggregate(ctx context.Context, a config.Action, ev config.Event, r runner) error {
	files, err := findResults(a.Workspace, a.Results)
	if err != nil {
		return err
	}
	var docs []report.Document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("aggregate: %w", err)
		}
		var d report.Document
		if err := json.Unmarshal(data, &d); err != nil {
			return fmt.Errorf("aggregate: %s is not a drift-action JSON result: %w", f, err)
		}
		docs = append(docs, d)
	}
	doc, err := report.Merge(docs)
	if err != nil {
		return fmt.Errorf("aggregate: %w", err)
	}
	fmt.Fprintf(r.out, "drift-action: merged %d result file(s), %d target(s)\n", len(files), len(doc.Roots))
	a.Shard = config.Shard{}
	return publish(ctx, a, ev, doc, r)
}

// findResults expands the results globs (with ** for any depth) under the
// workspace.
func findResults(workspace string, patterns []string) ([]string, error) {
	var out []string
	for _, p := range patterns {
		var found []string
		err := filepath.WalkDir(workspace, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(workspace, path)
			if glob.MatchDir(p, filepath.ToSlash(rel)) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("aggregate: %w", err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("aggregate: input results %q matches no file under the workspace; download the matrix jobs' artifacts there first (actions/download-artifact)", p)
		}
		out = append(out, found...)
	}
	return out, nil
}
