package config

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Event is what triggered the workflow, read from GITHUB_EVENT_PATH.
type Event struct {
	Name string // GITHUB_EVENT_NAME
	// Pull requests.
	PR       int
	Fork     bool // head repository differs from the base: never write
	Target   bool // pull_request_target: never write
	HeadRef  string
	HeadSHA  string // pull_request.head.sha: the commit planned, not the merge commit
	BaseSHA  string // pull_request.base.sha: the base branch's commit the pull request was compared with
	PRTitle  string
	PRLabels []string
	// LabelAdded and LabelBy: the label a `labeled` event added and who
	// added it (sender.login); the payload names no author for other labels.
	LabelAdded string
	LabelBy    string
	// repository_dispatch.
	DispatchType string
	Roots        []string // client_payload.roots narrows the run
	Source       string   // client_payload.source, e.g. "HCP Terraform assessment"
}

// ReadsOnly reports whether the run must not write to the repository.
func (e Event) ReadsOnly() bool { return e.Fork || e.Target }

// ParseEvent reads the event payload; a missing payload file is fine for
// schedule and workflow_dispatch but an error where the payload matters.
func ParseEvent(name, path string) (Event, error) {
	ev := Event{Name: name}
	if path == "" {
		if name == "pull_request" || name == "pull_request_target" || name == "repository_dispatch" {
			return ev, fmt.Errorf("event %s: GITHUB_EVENT_PATH is not set; the runner always sets it, so run this as a GitHub Action", name)
		}
		return ev, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ev, fmt.Errorf("event %s: read payload: %w", name, err)
	}
	var p struct {
		Action      string `json:"action"`
		Number      int    `json:"number"`
		PullRequest *struct {
			Number int    `json:"number"`
			Title  string `json:"title"`
			Head   struct {
				Ref  string `json:"ref"`
				SHA  string `json:"sha"`
				Repo *struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			} `json:"head"`
			Base struct {
				SHA  string `json:"sha"`
				Repo *struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			} `json:"base"`
			Labels []struct {
				Name string `json:"name"`
			} `json:"labels"`
		} `json:"pull_request"`
		ClientPayload json.RawMessage `json:"client_payload"`
		Label         *struct {
			Name string `json:"name"`
		} `json:"label"`
		Sender *struct {
			Login string `json:"login"`
		} `json:"sender"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return ev, fmt.Errorf("event %s: payload %s is not valid JSON: %w", name, path, err)
	}
	switch name {
	case "pull_request", "pull_request_target":
		ev.Target = name == "pull_request_target"
		if p.PullRequest == nil {
			return ev, fmt.Errorf("event %s: payload has no pull_request object", name)
		}
		ev.PR = p.PullRequest.Number
		ev.PRTitle = p.PullRequest.Title
		ev.HeadRef = p.PullRequest.Head.Ref
		ev.HeadSHA = p.PullRequest.Head.SHA
		ev.BaseSHA = p.PullRequest.Base.SHA
		head, base := p.PullRequest.Head.Repo, p.PullRequest.Base.Repo
		// A deleted fork has no head repo: treat it as a fork, never trust it.
		ev.Fork = head == nil || base == nil || !strings.EqualFold(head.FullName, base.FullName)
		for _, l := range p.PullRequest.Labels {
			ev.PRLabels = append(ev.PRLabels, l.Name)
		}
		if p.Action == "labeled" && p.Label != nil && p.Sender != nil {
			ev.LabelAdded, ev.LabelBy = p.Label.Name, p.Sender.Login
		}
	case "repository_dispatch":
		ev.DispatchType = p.Action
		if len(p.ClientPayload) > 0 && string(p.ClientPayload) != "null" {
			var cp struct {
				Roots  json.RawMessage `json:"roots"`
				Source json.RawMessage `json:"source"`
			}
			if err := json.Unmarshal(p.ClientPayload, &cp); err != nil {
				return ev, fmt.Errorf("event repository_dispatch: client_payload must be an object like {\"roots\": [\"infra/app\"], \"source\": \"...\"}: %w", err)
			}
			if len(cp.Roots) > 0 && string(cp.Roots) != "null" {
				if err := json.Unmarshal(cp.Roots, &ev.Roots); err != nil {
					return ev, fmt.Errorf("event repository_dispatch: client_payload.roots must be a list of directory paths or globs: %w", err)
				}
			}
			if len(cp.Source) > 0 && string(cp.Source) != "null" {
				// A string, or an object such as {"name": "argocd", ...}: keep it readable.
				var s string
				if json.Unmarshal(cp.Source, &s) == nil {
					ev.Source = s
				} else {
					var obj map[string]any
					if json.Unmarshal(cp.Source, &obj) == nil {
						for _, k := range []string{"name", "type", "system"} {
							if v, ok := obj[k].(string); ok && v != "" {
								ev.Source = v
								break
							}
						}
					}
					if ev.Source == "" {
						ev.Source = string(cp.Source)
					}
				}
			}
		}
		for _, r := range ev.Roots {
			if strings.Contains(r, "..") || strings.HasPrefix(r, "/") {
				return ev, fmt.Errorf("event repository_dispatch: client_payload.roots entry %q must be a path inside the repository", r)
			}
		}
	}
	return ev, nil
}

// Overrides are soft-mandatory policies a pull request label overrides,
// from labels named drift-override:<policy>, each with who added it when the
// payload says (a labeled event, for the label it added), else UnknownAuthor.
func (e Event) Overrides() []Override {
	var out []Override
	for _, l := range e.PRLabels {
		if p, ok := strings.CutPrefix(l, "drift-override:"); ok && strings.TrimSpace(p) != "" {
			by := UnknownAuthor
			if l == e.LabelAdded && e.LabelBy != "" {
				by = e.LabelBy
			}
			out = append(out, Override{Name: strings.TrimSpace(p), Source: OverrideLabel, By: by})
		}
	}
	return out
}
