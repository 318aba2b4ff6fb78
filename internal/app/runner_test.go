package app

import (
	"strings"
	"testing"
)

func TestFindGatekeeperMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findGatekeeper("")
	if err == nil || !strings.Contains(err.Error(), "drift-action-gatekeeper not found") || !strings.Contains(err.Error(), "go build") {
		t.Errorf("error = %v, want one that says how to get the companion binary", err)
	}
	if p, err := findGatekeeper("/opt/gk"); err != nil || p != "/opt/gk" {
		t.Errorf("explicit path: %q %v", p, err)
	}
}
