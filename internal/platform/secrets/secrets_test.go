package secrets

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
)

func key(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	box, err := New(key(t))
	if err != nil {
		t.Fatal(err)
	}
	ad := AD("vendor:ven_1", "shopify", "access_token")
	for _, pt := range [][]byte{[]byte("shpat_abc123"), {}, bytes.Repeat([]byte{0}, 4096)} {
		sealed, err := box.Seal(pt, ad)
		if err != nil {
			t.Fatal(err)
		}
		if len(pt) > 3 && strings.Contains(sealed, string(pt)) {
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := box.Open(sealed, ad)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("got %q, want %q", got, pt)
		}
	}
	a, _ := box.Seal([]byte("same"), ad)
	b, _ := box.Seal([]byte("same"), ad)
	if a == b {
		t.Fatal("two seals of the same value must differ (fresh nonce)")
	}
}

func TestOpenRejects(t *testing.T) {
	box, err := New(key(t))
	if err != nil {
		t.Fatal(err)
	}
	ad := AD("vendor:ven_1", "shopify", "access_token")
	sealed, err := box.Seal([]byte("shpat_secret"), ad)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(sealed, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[2])
	flip := func(i int) string {
		c := append([]byte(nil), raw...)
		c[i] ^= 1
		return parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(c)
	}
	other, _ := New(key(t))
	tests := []struct {
		name   string
		box    *Box
		sealed string
		ad     []byte
	}{
		{"tampered ciphertext", box, flip(len(raw) - 20), ad},
		{"tampered tag", box, flip(len(raw) - 1), ad},
		{"tampered nonce", box, flip(0), ad},
		{"other owner", box, sealed, AD("vendor:ven_2", "shopify", "access_token")},
		{"other field", box, sealed, AD("vendor:ven_1", "shopify", "refresh_token")},
		{"other key", other, sealed, ad},
		{"unknown key id", box, parts[0] + ".deadbeef." + parts[2], ad},
		{"truncated", box, sealed[:len(sealed)-10], ad},
		{"not base64", box, parts[0] + "." + parts[1] + ".!!!", ad},
		{"wrong version", box, "v0." + parts[1] + "." + parts[2], ad},
		{"garbage", box, "hello", ad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tc.box.Open(tc.sealed, tc.ad); err != ErrOpen || got != nil {
				t.Fatalf("got %q, %v; want ErrOpen", got, err)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := key(t), key(t)
	oldBox, _ := New(oldKey)
	ad := AD("platform", "xero", "refresh_token")
	sealed, _ := oldBox.Seal([]byte("rt_1"), ad)

	rotated, err := New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rotated.Open(sealed, ad)
	if err != nil || string(got) != "rt_1" {
		t.Fatalf("value sealed with the previous key: got %q, %v", got, err)
	}
	if !rotated.Stale(sealed) {
		t.Fatal("a value sealed with the previous key is stale")
	}
	resealed, _ := rotated.Seal(got, ad)
	if rotated.Stale(resealed) {
		t.Fatal("a value sealed with the current key is not stale")
	}
	if _, err := oldBox.Open(resealed, ad); err != ErrOpen {
		t.Fatal("the old box must not open values sealed with the new key")
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte key must be rejected")
	}
	if _, err := New(key(t), make([]byte, 31)); err == nil {
		t.Fatal("a bad previous key must be rejected")
	}
}
