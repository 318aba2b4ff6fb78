package github

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/myorg/drift-action/internal/github/githubtest"
)

func manyFiles(n int) []githubtest.PullFile {
	out := make([]githubtest.PullFile, n)
	for i := range out {
		out[i] = githubtest.PullFile{Filename: fmt.Sprintf("stacks/s%04d/main.tf", i)}
	}
	return out
}

func TestPullRequestFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pr        *githubtest.PullRequest // nil: no such pull request
		perPage   int                     // the fake's page size cap
		want      []string
		wantPages int
		wantErr   string
		tooMany   bool
	}{
		{
			name: "paginated, renames by both names",
			pr: &githubtest.PullRequest{Files: []githubtest.PullFile{
				{Filename: "infra/app/main.tf"},
				{Filename: "infra/db/new.tf", Status: "added"},
				{Filename: "modules/net/old.tf", Status: "removed"},
				{Filename: "vars/prod.tfvars", Status: "renamed", PreviousFilename: "vars/production.tfvars"},
				{Filename: "README.md"},
			}},
			perPage:   2,
			want:      []string{"infra/app/main.tf", "infra/db/new.tf", "modules/net/old.tf", "vars/prod.tfvars", "vars/production.tfvars", "README.md"},
			wantPages: 3,
		},
		{name: "no files", pr: &githubtest.PullRequest{}, want: []string{}, wantPages: 1},
		{name: "just under the limit", pr: &githubtest.PullRequest{Files: manyFiles(2999)}, wantPages: 30},
		{name: "changed_files at the limit: not listed at all", pr: &githubtest.PullRequest{Files: manyFiles(3200)}, tooMany: true,
			wantErr: "github: pull request #7 changes 3200 files; GitHub lists at most 3000"},
		{name: "the list hits the limit", pr: &githubtest.PullRequest{Files: manyFiles(3001), ChangedFiles: 2990}, tooMany: true, wantPages: 30,
			wantErr: "github: pull request #7 changes 3000 files; GitHub lists at most 3000"},
		{name: "no such pull request", wantErr: "github: reading a pull request was refused (404): not found, or the token cannot see it: the workflow needs `permissions: pull-requests: read`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := []githubtest.Option{}
			if tt.perPage > 0 {
				opts = append(opts, githubtest.WithMaxPerPage(tt.perPage))
			}
			srv := githubtest.NewServer(t, opts...)
			if tt.pr != nil {
				pr := *tt.pr
				pr.Number, pr.HeadRef, pr.BaseRef = prNum, "feature", "main"
				srv.SetPullRequest(owner, repo, pr)
			}
			c, _ := newTestClient(t, srv, "")
			got, err := c.PullRequestFiles(t.Context(), owner, repo, prNum)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if errors.Is(err, ErrTooManyFiles) != tt.tooMany {
					t.Errorf("errors.Is(err, ErrTooManyFiles) = %v, want %v", !tt.tooMany, tt.tooMany)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("files (-want +got):\n%s", diff)
				}
			} else if tt.wantErr == "" && len(got) != len(tt.pr.Files) {
				t.Errorf("%d files, want %d", len(got), len(tt.pr.Files))
			}
			pages := 0
			for _, r := range srv.Requests() {
				if r == fmt.Sprintf("GET /repos/%s/%s/pulls/%d/files", owner, repo, prNum) {
					pages++
				}
			}
			if pages != tt.wantPages {
				t.Errorf("%d page request(s), want %d", pages, tt.wantPages)
			}
			if tt.pr != nil && !slices.Contains(srv.Requests(), fmt.Sprintf("GET /repos/%s/%s/pulls/%d", owner, repo, prNum)) {
				t.Errorf("the pull request's changed_files was not read first: %v", srv.Requests())
			}
		})
	}
}
