// Command pin-action-image points action.yml at a published image by digest
// (internal/actionimage), in place: the release workflow runs it after
// pushing the image and before committing the release.
//
//	go run ./internal/actionimage/cmd/pin-action-image \
//	  -repository ghcr.io/myorg/drift-action -digest sha256:<64 hex> [-file action.yml]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/myorg/drift-action/internal/actionimage"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run rewrites the file and prints the new runs.image; 0 on success, 1 on
// an error, 2 on bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pin-action-image", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "action.yml", "the action metadata file to rewrite in place")
	repository := fs.String("repository", "", "the image's repository, fully qualified and lower case (ghcr.io/owner/repo)")
	dgst := fs.String("digest", "", "the pushed image's digest (sha256:<64 hex>)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || *repository == "" || *dgst == "" {
		fmt.Fprintln(stderr, "usage: pin-action-image -repository ghcr.io/owner/repo -digest sha256:<64 hex> [-file action.yml]")
		return 2
	}
	if err := pin(*file, *repository, *dgst, stdout); err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return 1
	}
	return 0
}

func pin(file, repository, dgst string, stdout io.Writer) error {
	image, err := actionimage.Ref(repository, dgst)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read action metadata: %w", err)
	}
	out, err := actionimage.Pin(src, image)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	info, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("read action metadata: %w", err)
	}
	if err := os.WriteFile(file, out, info.Mode().Perm()); err != nil {
		return fmt.Errorf("write action metadata: %w", err)
	}
	_, err = fmt.Fprintln(stdout, image)
	return err
}
