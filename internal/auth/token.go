package auth

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/trove-platform/trove/internal/platform/id"
)

// Audience is the aud claim of every access token Trove issues.
const Audience = "trove-api"

// AccessTTL is how long an access token lives. Short, because a stolen one
// cannot be refreshed; sessions are also checked on every request, so logout
// and disabling a user take effect at once anyway.
const AccessTTL = 15 * time.Minute

// Claims are what an access token says.
type Claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
}

// Signer issues and checks access tokens (HS256 with a key derived from the
// platform secret, so no second secret has to be managed).
type Signer struct {
	key    []byte
	issuer string
}

// NewSigner derives the signing key from the platform secret key.
func NewSigner(secretKey []byte, issuer string) (*Signer, error) {
	if len(secretKey) < 32 {
		return nil, errors.New("auth: the secret key must be at least 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, secretKey, nil, "trove access token v1", 32)
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, issuer: issuer}, nil
}

// Issue makes an access token for a user's session.
func (s *Signer) Issue(userID, sessionID string, now time.Time) (string, time.Time, error) {
	exp := now.Add(AccessTTL)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        id.New("jti"),
		},
		SessionID: sessionID,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	return tok, exp, err
}

// Parse checks an access token: HS256 only (no "none", no RS/ES confusion),
// our key, our issuer and audience, an exp that has not passed.
func (s *Signer) Parse(token string, now time.Time) (*Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(5*time.Second),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return nil, fmt.Errorf("auth: access token: %w", err)
	}
	if c.Subject == "" || c.SessionID == "" {
		return nil, errors.New("auth: access token without subject or session")
	}
	return &c, nil
}

// newOpaqueToken returns a random token for a person or client to hold, and
// the hash under which it is stored: the database never holds the token.
func newOpaqueToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
