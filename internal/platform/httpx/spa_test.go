package httpx

import (
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestSPA(t *testing.T) {
	built := fstest.MapFS{
		"index.html":           {Data: []byte("<html>app</html>")},
		"assets/index-abc.js":  {Data: []byte("console.log(1)")},
		"assets/index-abc.css": {Data: []byte("body{}")},
		".gitkeep":             {Data: nil},
	}
	tests := []struct {
		name, prefix, path string
		fsys               fstest.MapFS
		status             int
		body, cache        string
	}{
		{"index at the root", "/", "/", built, 200, "<html>app</html>", "no-cache"},
		{"client route falls back to index", "/", "/orders/42", built, 200, "<html>app</html>", "no-cache"},
		{"asset with long cache", "/", "/assets/index-abc.js", built, 200, "console.log(1)", "immutable"},
		{"missing asset is 404", "/", "/assets/index-old.js", built, 404, "no file", ""},
		{"prefixed app route", "/vendor/", "/vendor/orders/7", built, 200, "<html>app</html>", "no-cache"},
		{"prefixed asset", "/vendor/", "/vendor/assets/index-abc.css", built, 200, "body{}", "immutable"},
		{"dot-dot stays inside", "/", "/../../etc/passwd", built, 200, "<html>app</html>", "no-cache"},
		{"placeholder is not served", "/", "/.gitkeep", built, 200, "<html>app</html>", "no-cache"},
		{"unbuilt app says so", "/", "/", fstest.MapFS{".gitkeep": {}}, 503, "has not been built", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			SPA(tc.fsys, tc.prefix).ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) || !strings.Contains(rec.Header().Get("Cache-Control"), tc.cache) {
				t.Fatalf("got %d %q cache %q", rec.Code, rec.Body.String(), rec.Header().Get("Cache-Control"))
			}
		})
	}
}
