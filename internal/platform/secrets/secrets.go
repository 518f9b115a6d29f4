// Package secrets seals tokens and keys at rest with AES-256-GCM.
//
// A sealed value names the key that sealed it, so keys can rotate: new values are
// sealed with the current key, and values sealed with a previous key still open
// until they are re-sealed. The associated data binds a value to where it is
// stored (owner|provider|field), so a ciphertext copied to another row or column
// does not open.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a sealing key: AES-256.
const KeySize = 32

const prefix = "v1"

// ErrOpen is returned for any value that does not open: tampered, sealed for
// other associated data, sealed with an unknown key, or malformed. One error for
// all of them, so a caller learns nothing about which.
var ErrOpen = errors.New("secrets: value does not open")

// Box seals and opens values. It is safe for concurrent use.
type Box struct {
	current string
	aeads   map[string]cipher.AEAD
}

// KeyID is the public identifier of a key: the first 4 bytes of its SHA-256, in hex.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// New returns a Box that seals with current and opens values sealed with current
// or any of previous.
func New(current []byte, previous ...[]byte) (*Box, error) {
	b := &Box{aeads: map[string]cipher.AEAD{}}
	for i, k := range append([][]byte{current}, previous...) {
		if len(k) != KeySize {
			return nil, fmt.Errorf("secrets: key %d is %d bytes, want %d", i, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(k)
		if i == 0 {
			b.current = id
		}
		b.aeads[id] = aead
	}
	return b, nil
}

// AD builds the associated data for a value stored for owner, provider and field.
func AD(owner, provider, field string) []byte {
	return []byte(owner + "|" + provider + "|" + field)
}

// Seal encrypts plaintext bound to ad. The result is text: "v1.<key id>.<base64>".
func (b *Box) Seal(plaintext, ad []byte) (string, error) {
	aead := b.aeads[b.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, plaintext, ad)
	return prefix + "." + b.current + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value sealed for ad, with whichever known key sealed it.
func (b *Box) Open(sealed string, ad []byte) ([]byte, error) {
	parts := strings.Split(sealed, ".")
	if len(parts) != 3 || parts[0] != prefix {
		return nil, ErrOpen
	}
	aead, ok := b.aeads[parts[1]]
	if !ok {
		return nil, ErrOpen
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	nonce, ct := raw[:aead.NonceSize()], raw[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, ad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Stale reports whether sealed was made with a key other than the current one,
// and so should be re-sealed.
func (b *Box) Stale(sealed string) bool {
	parts := strings.Split(sealed, ".")
	return len(parts) != 3 || parts[1] != b.current
}
