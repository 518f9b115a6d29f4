package httpx

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// SPA serves a built single-page app from fsys under prefix ("/" or "/vendor/").
// Files are served as they are; hashed assets are cached for good. A path with
// no file behind it and no extension is a client-side route and gets index.html;
// a missing file with an extension (a stale asset link) is a 404.
func SPA(fsys fs.FS, prefix string) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, prefix)), "/")
		if rel != "" && rel != "index.html" && rel != ".gitkeep" {
			if st, err := fs.Stat(fsys, rel); err == nil && !st.IsDir() {
				if strings.HasPrefix(rel, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				r2 := r.Clone(r.Context())
				r2.URL.Path = "/" + rel
				files.ServeHTTP(w, r2)
				return
			}
			if path.Ext(rel) != "" {
				Error(w, r, fault.NotFound("no file %s", r.URL.Path))
				return
			}
		}
		index, err := fs.ReadFile(fsys, "index.html")
		if errors.Is(err, fs.ErrNotExist) {
			Error(w, r, fault.Unavailable("this web app has not been built: run `make build` (or `make run`)"))
			return
		}
		if err != nil {
			Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(index)
	})
}
