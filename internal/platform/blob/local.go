package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"time"

	"github.com/trove-platform/trove/internal/platform/clock"
)

// LocalConfig configures a Local store.
type LocalConfig struct {
	Dir     string      // folder (created if missing)
	BaseURL string      // absolute URL where Handler is mounted, e.g. "http://127.0.0.1:8080/files"
	Secret  []byte      // HMAC key for signing links (>= 32 bytes, else NewLocal fails)
	Clock   clock.Clock // nil = clock.System{}
}

// Local keeps documents as files under one folder and serves them itself
// through Handler, behind links signed with a secret. It needs nothing
// installed, so a laptop or a single server runs the whole product.
//
// Each document is one file at Dir/key holding a short header (content type,
// time stored) and then the bytes: one file, so that replacing it with a rename
// replaces bytes and content type together and a reader never sees half of a
// document or one document's bytes with another's type. A key cannot be both
// a document and a folder of documents ("a" and "a/b").
//
// Safe for concurrent use, also by several processes sharing Dir.
type Local struct {
	dir   string
	links *links
	clock clock.Clock
}

// NewLocal checks cfg and creates the folder.
func NewLocal(cfg LocalConfig) (*Local, error) {
	if cfg.Dir == "" {
		return nil, errors.New("blob: local: Dir is empty")
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.System{}
	}
	links, err := newLinks("local", cfg.BaseURL, cfg.Secret, clk)
	if err != nil {
		return nil, err
	}
	// Absolute, so a later change of working directory does not move the store.
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("blob: local: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blob: local: %w", err)
	}
	return &Local{dir: dir, links: links, clock: clk}, nil
}

// Put stores body under key, replacing any earlier document atomically.
func (l *Local) Put(ctx context.Context, key string, body []byte, contentType string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	ct, err := normalContentType(contentType)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Every file access goes through an os.Root: on top of ValidKey, the OS
	// refuses any path (or symlink) that would leave Dir.
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	defer root.Close()
	if err := writeAtomic(root, key, encodeHeader(l.clock.Now(), ct), body); err != nil {
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	return nil
}

// writeAtomic writes the parts to a temporary file next to key and renames it
// over key, so readers see the old document or the new one, never a mix.
func writeAtomic(root *os.Root, key string, parts ...[]byte) error {
	dir := path.Dir(key)
	if dir != "." {
		if err := root.MkdirAll(filepath.FromSlash(dir), 0o750); err != nil {
			return err
		}
	}
	// "~" is not a key character, so a temporary file never shadows a document.
	tmp := filepath.FromSlash(path.Join(dir, ".put-"+rand.Text()+"~"))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	err = func() error {
		for _, p := range parts {
			if _, err := f.Write(p); err != nil {
				return err
			}
		}
		// Sync before the rename, so a crash cannot leave an empty file under key.
		return f.Sync()
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, filepath.FromSlash(key))
	}
	if err != nil {
		_ = root.Remove(tmp)
	}
	return err
}

// Open returns the document under key.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	f, info, body, err := l.open(key)
	if err != nil {
		return nil, Info{}, err
	}
	return struct {
		io.Reader
		io.Closer
	}{body, f}, info, nil
}

// open returns the open file under key, what its header says and a reader of
// the document's bytes. The caller closes f.
func (l *Local) open(key string) (f *os.File, info Info, body *io.SectionReader, err error) {
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		return nil, Info{}, nil, fmt.Errorf("blob: open %q: %w", key, err)
	}
	defer root.Close() // files opened through it stay open
	f, err = root.Open(filepath.FromSlash(key))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil, Info{}, nil, notFound(key)
	}
	if err != nil {
		return nil, Info{}, nil, fmt.Errorf("blob: open %q: %w", key, err)
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, Info{}, nil, fmt.Errorf("blob: open %q: %w", key, err)
	}
	if !st.Mode().IsRegular() { // a folder of other documents
		return nil, Info{}, nil, notFound(key)
	}
	info, off, err := readHeader(f)
	if err != nil {
		return nil, Info{}, nil, fmt.Errorf("blob: open %q: %w", key, err)
	}
	info.Size = st.Size() - off
	return f, info, io.NewSectionReader(f, off, info.Size), nil
}

// The file header: a magic line, the time stored and the content type, one a
// line. Neither holds a line break: the time is formatted by us and the
// content type passed normalContentType.
const (
	headerMagic = "trove-blob 1\n"
	maxHeader   = len(headerMagic) + 64 + maxContentTypeLen + 2
)

func encodeHeader(mod time.Time, contentType string) []byte {
	return []byte(headerMagic + mod.UTC().Format(time.RFC3339Nano) + "\n" + contentType + "\n")
}

// readHeader parses the header of f and returns it with the offset where the
// document's bytes begin.
func readHeader(f io.ReaderAt) (Info, int64, error) {
	buf := make([]byte, maxHeader)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return Info{}, 0, err
	}
	rest, ok := bytes.CutPrefix(buf[:n], []byte(headerMagic))
	if !ok {
		return Info{}, 0, errors.New("not a blob file (bad header)")
	}
	ts, rest, ok1 := bytes.Cut(rest, []byte("\n"))
	ct, _, ok2 := bytes.Cut(rest, []byte("\n"))
	if !ok1 || !ok2 {
		return Info{}, 0, errors.New("not a blob file (short header)")
	}
	mod, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return Info{}, 0, fmt.Errorf("not a blob file: %w", err)
	}
	off := len(headerMagic) + len(ts) + 1 + len(ct) + 1
	return Info{ContentType: string(ct), ModTime: mod}, int64(off), nil
}

// URL returns a link to Handler that is valid until the returned time (now+ttl
// rounded down to the second, which the link carries).
func (l *Local) URL(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, time.Time, error) {
	return l.links.url(key, ttl, downloadName)
}
