package app

import (
	"flag"
	"fmt"
	"io"

	"github.com/myorg/drift-action/internal/config"
	"github.com/myorg/drift-action/internal/record"
)

// runCRD prints the DriftReport CRD for a group: the file to install
// before the record is synced (deploy/crds/driftreport.yaml is its output
// for the default group).
func runCRD(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("crd", flag.ContinueOnError)
	group := fset.String("group", record.DefaultGroup, "API `GROUP` of the DriftReport resources, as the action's record-group input")
	cmd := config.Command{Flags: fset, Header: "usage: drift-action crd [--group GROUP]\n\n" +
		"Prints the DriftReport CustomResourceDefinition for GROUP, to apply (or sync\n" +
		"with Argo CD) before the record: the reports modes record and remediate write\n" +
		"with record-group GROUP validate against it.\n\n" +
		"Exit codes: 0 printed, 1 error.\n"}
	extra, err := cmd.Parse(args, stderr)
	if err != nil {
		return err
	}
	if len(extra) > 0 {
		fmt.Fprint(stderr, cmd.Usage())
		return fmt.Errorf("crd: unexpected argument %q: crd takes only --group", extra[0])
	}
	if err := record.CheckGroup(*group); err != nil {
		return fmt.Errorf("crd: --group: %w", err)
	}
	crd, err := record.CRD(*group)
	if err != nil {
		return err
	}
	_, err = stdout.Write(crd)
	return err
}
