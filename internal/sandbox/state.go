package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File keeps a stand-in's state across restarts as one JSON document, which
// the stand-in writes whole after every change, under its lock, and reads
// when it starts. A write goes to a temporary file in the same folder that
// is then renamed over the old one, so a crash leaves the old state or the
// new one, never half of either.
//
// A nil *File keeps nothing: Load finds nothing and Save does nothing, so a
// stand-in without one lives in memory, as in tests.
type File struct {
	path string
}

// NewFile returns the File at path. The folder is made on the first Save.
func NewFile(path string) *File { return &File{path: path} }

// Path is where the state is kept.
func (f *File) Path() string {
	if f == nil {
		return ""
	}
	return f.path
}

// Load reads the state into v and reports whether there was one: false, and
// v untouched, when the file does not exist yet.
func (f *File) Load(v any) (bool, error) {
	if f == nil {
		return false, nil
	}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s is not a saved sandbox state (%v): move it away to start this stand-in afresh", f.path, err)
	}
	return true, nil
}

// Save writes v as the state, replacing the last one atomically. The file
// holds the stand-in's tokens and keys, so only its owner may read it.
func (f *File) Save(v any) error {
	if f == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("saving the sandbox state %s: %w", f.path, err)
	}
	return nil
}
