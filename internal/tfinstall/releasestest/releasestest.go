// Package releasestest serves a terraform releases mirror on loopback with
// the layout hashicorp/hc-install reads from releases.hashicorp.com:
// /terraform/index.json, /terraform/VERSION/index.json, and under each
// version the zip for this platform, SHA256SUMS and SHA256SUMS.sig signed
// with a key made for the test. Every zip holds the local terraform (the
// one on PATH), so what a version is called decides the choice, never what
// the binary inside reports. It is imported by tests only.
package releasestest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Options break the mirror on purpose.
type Options struct {
	// Corrupt versions serve a zip that differs from the one SHA256SUMS
	// names (SHA256SUMS and its signature are genuine).
	Corrupt []string
	// BadSignature versions serve a SHA256SUMS that is not the one signed
	// (an entry was changed after signing).
	BadSignature []string
}

// Mirror is a running mirror.
type Mirror struct {
	URL string // base URL, for ApiBaseURL / terraform-releases-url
	Key string // armored public key SHA256SUMS is signed with

	mu       sync.Mutex
	requests map[string]int
}

// Downloads is how many times the zip of version v was requested.
func (m *Mirror) Downloads(v string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.requests["/terraform/"+v+"/"+ZipName(v)]
}

// ZipName is the release zip's file name for this platform.
func ZipName(v string) string {
	return fmt.Sprintf("terraform_%s_%s_%s.zip", v, runtime.GOOS, runtime.GOARCH)
}

var (
	zipOnce sync.Once
	zipData []byte
	zipErr  error
)

// localZip zips the terraform on PATH once per test process.
func localZip() ([]byte, error) {
	zipOnce.Do(func() {
		bin, err := exec.LookPath("terraform")
		if err != nil {
			zipErr = fmt.Errorf("terraform is not on PATH: the releases mirror serves the local terraform; install terraform and retry (%w)", err)
			return
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			zipErr = err
			return
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "terraform", Method: zip.Store})
		if err == nil {
			_, err = w.Write(data)
		}
		if err == nil {
			err = zw.Close()
		}
		zipData, zipErr = buf.Bytes(), err
	})
	return zipData, zipErr
}

// Start serves versions on loopback until the test ends. A missing
// terraform fails the test: these tests never skip.
func Start(t testing.TB, versions []string, opts Options) *Mirror {
	t.Helper()
	z, err := localZip()
	if err != nil {
		t.Fatalf("releasestest: %v", err)
	}
	entity, err := openpgp.NewEntity("drift-action test releases", "", "releases@test.invalid", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	if err != nil {
		t.Fatal(err)
	}
	var key bytes.Buffer
	aw, err := armor.Encode(&key, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := entity.Serialize(aw); err != nil {
		t.Fatal(err)
	}
	aw.Close()

	m := &Mirror{Key: key.String(), requests: map[string]int{}}
	files := map[string][]byte{}
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	type build struct {
		Name     string `json:"name"`
		Version  string `json:"version"`
		OS       string `json:"os"`
		Arch     string `json:"arch"`
		Filename string `json:"filename"`
		URL      string `json:"url"`
	}
	type productVersion struct {
		Name       string  `json:"name"`
		Version    string  `json:"version"`
		SHASUMS    string  `json:"shasums"`
		SHASUMSSig string  `json:"shasums_signature"`
		Builds     []build `json:"builds"`
	}
	index := struct {
		Name     string                    `json:"name"`
		Versions map[string]productVersion `json:"versions"`
	}{Name: "terraform", Versions: map[string]productVersion{}}
	for _, v := range versions {
		name := ZipName(v)
		sum := sha256.Sum256(z)
		sums := []byte(hex.EncodeToString(sum[:]) + "  " + name + "\n")
		var sig bytes.Buffer
		if err := openpgp.DetachSign(&sig, entity, bytes.NewReader(sums), nil); err != nil {
			t.Fatal(err)
		}
		zipBytes := z
		if has(opts.Corrupt, v) {
			zipBytes = append([]byte{}, z...)
			zipBytes[len(zipBytes)/2] ^= 0xff
		}
		if has(opts.BadSignature, v) {
			other := sha256.Sum256([]byte("not the release"))
			sums = []byte(hex.EncodeToString(other[:]) + "  " + name + "\n")
		}
		dir := "/terraform/" + v + "/"
		shasums := fmt.Sprintf("terraform_%s_SHA256SUMS", v)
		pv := productVersion{
			Name: "terraform", Version: v, SHASUMS: shasums, SHASUMSSig: shasums + ".sig",
			Builds: []build{{Name: "terraform", Version: v, OS: runtime.GOOS, Arch: runtime.GOARCH, Filename: name, URL: dir + name}},
		}
		index.Versions[v] = pv
		pvJSON, _ := json.Marshal(pv)
		files[dir+"index.json"] = pvJSON
		files[dir+name] = zipBytes
		files[dir+shasums] = sums
		files[dir+shasums+".sig"] = sig.Bytes()
	}
	files["/terraform/index.json"], _ = json.Marshal(index)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.requests[r.URL.Path]++
		m.mu.Unlock()
		data, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".json"):
			w.Header().Set("Content-Type", "application/json")
		case strings.HasSuffix(r.URL.Path, ".zip"):
			w.Header().Set("Content-Type", "application/zip")
		default:
			w.Header().Set("Content-Type", "text/plain")
		}
		// releases.hashicorp.com sends a length; hc-install relies on it.
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}
