package blob

import (
	"strings"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/fault"
)

func TestValidKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key string
		ok  bool
	}{
		{"manifest.pdf", true},
		{"manifests/2026/11/ord_01J9-vo_2.pdf", true},
		{"a/b/c", true},
		{".hidden", true},
		{"a..b", true},
		{strings.Repeat("a", MaxKeyLen), true},
		{"", false},
		{strings.Repeat("a", MaxKeyLen+1), false},
		{"../x", false},
		{"a/../x", false},
		{"..", false},
		{".", false},
		{"a/./b", false},
		{"/abs", false},
		{"a//b", false},
		{"a/", false},
		{"a b", false},
		{`a\b`, false},
		{"a%2Fb", false},
		{"a?b", false},
		{"a~", false},
		{"caf\u00e9", false},
		{"a\x00b", false},
		{"a\nb", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			err := ValidKey(tt.key)
			if tt.ok && err != nil {
				t.Fatalf("ValidKey(%q) = %v, want nil", tt.key, err)
			}
			if !tt.ok && !fault.Is(err, fault.KindInvalid) {
				t.Fatalf("ValidKey(%q) = %v, want kind invalid", tt.key, err)
			}
		})
	}
}

func TestContentDisposition(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, want string }{
		{"", "attachment"},
		{"manifest.pdf", `attachment; filename="manifest.pdf"; filename*=UTF-8''manifest.pdf`},
		{"Packing list 42.pdf", `attachment; filename="Packing list 42.pdf"; filename*=UTF-8''Packing%20list%2042.pdf`},
		{"Café – \"x\".pdf", `attachment; filename="Caf_ _ _x_.pdf"; filename*=UTF-8''Caf%C3%A9%20%E2%80%93%20%22x%22.pdf`},
		{`a;b=c,d'e.pdf`, `attachment; filename="a;b=c,d'e.pdf"; filename*=UTF-8''a%3Bb%3Dc%2Cd%27e.pdf`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := contentDisposition(tt.name); got != tt.want {
				t.Fatalf("contentDisposition(%q)\n got %s\nwant %s", tt.name, got, tt.want)
			}
		})
	}
}

func TestCheckLinkAndContentType(t *testing.T) {
	t.Parallel()
	t.Run("link", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			name string
			ttl  time.Duration
			dn   string
			ok   bool
		}{
			{"plain", time.Minute, "", true},
			{"named", time.Minute, "Café.pdf", true},
			{"zero ttl", 0, "", false},
			{"negative ttl", -time.Second, "", false},
			{"slash", time.Minute, "a/b.pdf", false},
			{"backslash", time.Minute, `a\b.pdf`, false},
			{"newline", time.Minute, "a\r\nSet-Cookie: x", false},
			{"bad utf8", time.Minute, "a\xffb", false},
			{"too long", time.Minute, strings.Repeat("a", maxDownloadNameLen+1), false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				err := checkLink(tt.ttl, tt.dn)
				if tt.ok != (err == nil) || (err != nil && !fault.Is(err, fault.KindInvalid)) {
					t.Fatalf("checkLink(%s, %q) = %v, want ok=%v", tt.ttl, tt.dn, err, tt.ok)
				}
			})
		}
	})
	t.Run("content type", func(t *testing.T) {
		t.Parallel()
		tests := []struct{ in, want string }{
			{"", "application/octet-stream"},
			{"application/pdf", "application/pdf"},
			{"Text/Plain; Charset=utf-8", "text/plain; charset=utf-8"},
			{"text/plain\r\nX-Evil: 1", ""},
			{"not a type", ""},
		}
		for _, tt := range tests {
			got, err := normalContentType(tt.in)
			if tt.want == "" {
				if !fault.Is(err, fault.KindInvalid) {
					t.Errorf("normalContentType(%q) = %q, %v; want kind invalid", tt.in, got, err)
				}
				continue
			}
			if err != nil || got != tt.want {
				t.Errorf("normalContentType(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		}
	})
}
