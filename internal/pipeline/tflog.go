package pipeline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/myorg/drift-action/internal/drift"
)

// redactLog rewrites terraform's log at path through the verdict's
// redactor, line by line: terraform logs state and plan values at DEBUG
// (a resource's old attributes, sensitive or not), and the log is the
// verdict's, made where the verdict is, so it is redacted with it, once.
// A multi-line secret is still found, as the redactor knows each of its
// lines. A missing file (terraform never started) is no error.
func redactLog(path string, r *drift.Redactor) error {
	in, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("redact terraform log: %w", err)
	}
	defer in.Close()
	tmp := path + ".redacting"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("redact terraform log: %w", err)
	}
	err = copyRedacted(out, bufio.NewReaderSize(in, 64<<10), r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		_ = os.Remove(path)
		return fmt.Errorf("redact terraform log: %w", err)
	}
	return nil
}

func copyRedacted(w io.Writer, in *bufio.Reader, r *drift.Redactor) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for {
		line, err := in.ReadString('\n')
		if line != "" {
			if _, werr := bw.WriteString(r.Redact(line)); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return bw.Flush()
		}
		if err != nil {
			return err
		}
	}
}
