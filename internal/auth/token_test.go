package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestAccessTokens(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	s, err := NewSigner(key, "https://trove.example")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	good, _, err := s.Issue("usr_1", "ses_1", now)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := s.Parse(good, now.Add(time.Minute)); err != nil || c.Subject != "usr_1" || c.SessionID != "ses_1" {
		t.Fatalf("a good token: %+v, %v", c, err)
	}

	claims := func(mod func(*Claims)) *Claims {
		c := &Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "https://trove.example", Subject: "usr_1",
			Audience: jwt.ClaimStrings{Audience}, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))},
			SessionID: "ses_1"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	hs := func(k []byte, c *Claims) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&rsaKey.PublicKey))})
	rs, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, claims(nil)).SignedString(rsaKey)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	otherKey := make([]byte, 32)
	rand.Read(otherKey)

	tests := []struct {
		name  string
		token string
	}{
		{"alg none", none},
		{"alg none, header edited by hand", noneByHand(good)},
		{"RS256 signed with an RSA key", rs},
		{"HS256 keyed with an RSA public key (alg confusion)", hs(pubPEM, claims(nil))},
		{"HS384 with our key", hsAlg(t, jwt.SigningMethodHS384, s.key, claims(nil))},
		{"signed with another key", hs(otherKey, claims(nil))},
		{"expired", hs(s.key, claims(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) }))},
		{"no exp", hs(s.key, claims(func(c *Claims) { c.ExpiresAt = nil }))},
		{"wrong audience", hs(s.key, claims(func(c *Claims) { c.Audience = jwt.ClaimStrings{"another-api"} }))},
		{"no audience", hs(s.key, claims(func(c *Claims) { c.Audience = nil }))},
		{"wrong issuer", hs(s.key, claims(func(c *Claims) { c.Issuer = "https://evil.example" }))},
		{"issued in the future", hs(s.key, claims(func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) }))},
		{"no session", hs(s.key, claims(func(c *Claims) { c.SessionID = "" }))},
		{"tampered payload", tamper(good)},
		{"garbage", "not.a.token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := s.Parse(tc.token, now); err == nil {
				t.Fatalf("accepted: %+v", c)
			}
		})
	}
}

func hsAlg(t *testing.T, m jwt.SigningMethod, key []byte, c *Claims) string {
	tok, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// noneByHand keeps a valid token's claims but claims alg "none" and drops the signature.
func noneByHand(tok string) string {
	parts := strings.Split(tok, ".")
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

// tamper flips one character of the payload.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[1])
	if p[5] == 'A' {
		p[5] = 'B'
	} else {
		p[5] = 'A'
	}
	return parts[0] + "." + string(p) + "." + parts[2]
}
