package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// queueFileVersion is the version of the queue file's format.
const queueFileVersion = 1

// job is one accepted event, resolved and ready to send: what the queue
// file holds for each event accepted and not yet dispatched or failed.
type job struct {
	Key        string          `json:"key"`
	Repo       string          `json:"repo"`
	Source     string          `json:"source"`
	Trigger    string          `json:"trigger,omitempty"`
	Roots      []string        `json:"roots,omitempty"`
	Payload    json.RawMessage `json:"client_payload"`
	AcceptedAt time.Time       `json:"accepted_at"`
}

type queueDoc struct {
	Version int    `json:"version"`
	Events  []*job `json:"events"`
}

// readQueueFile reads the queue file at path; a missing or empty file is an
// empty queue. Errors name the file and say what to do: the file holds
// events the senders were told were accepted, so it is never overwritten
// when it cannot be read.
func readQueueFile(path string) ([]*job, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("queue file: %w: give --queue-file a path on a writable volume", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	fix := "repair it or move it aside to start with an empty queue (it holds accepted events not yet dispatched)"
	var doc queueDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("queue file %s does not parse: %v: %s", path, err, fix)
	}
	if dec.More() {
		return nil, fmt.Errorf("queue file %s has data after its JSON object: %s", path, fix)
	}
	if doc.Version != queueFileVersion {
		return nil, fmt.Errorf("queue file %s has version %d, this receiver reads version %d: %s", path, doc.Version, queueFileVersion, fix)
	}
	var errs []error
	for i, j := range doc.Events {
		var obj map[string]json.RawMessage
		switch {
		case j == nil:
			errs = append(errs, fmt.Errorf("events[%d] is null", i))
		case j.Key == "":
			errs = append(errs, fmt.Errorf("events[%d] has no key", i))
		case json.Unmarshal(j.Payload, &obj) != nil || obj == nil:
			errs = append(errs, fmt.Errorf("events[%d].client_payload is not a JSON object", i))
		default:
			if _, _, err := SplitRepo(j.Repo); err != nil {
				errs = append(errs, fmt.Errorf("events[%d].repo: %w", i, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("queue file %s: %w: %s", path, err, fix)
	}
	return doc.Events, nil
}

// writeQueueFile replaces the queue file with jobs, atomically: a temporary
// file in the same directory is written and synced, renamed over the file,
// and the directory synced, so that a crash leaves either the old queue or
// the new one, never a torn file.
func writeQueueFile(path string, jobs []*job) (err error) {
	data, err := json.Marshal(queueDoc{Version: queueFileVersion, Events: jobs})
	if err != nil {
		return fmt.Errorf("queue file %s: %w", path, err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("queue file %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("queue file %s: %w", path, err)
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}
