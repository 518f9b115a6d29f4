package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/trove-platform/trove/internal/platform/clock"
	"github.com/trove-platform/trove/internal/platform/fault"
	"github.com/trove-platform/trove/internal/platform/httpx"
)

// S3Config configures an S3 store.
type S3Config struct {
	Bucket    string
	Prefix    string // optional key prefix inside the bucket, e.g. "trove/"
	Region    string // empty = the SDK's default chain (AWS_REGION, shared config)
	Endpoint  string // optional: S3-compatible store (MinIO, gofakes3)
	PathStyle bool   // path-style addressing for S3-compatible stores
	// Credentials: optional static pair, or a provider; neither = the SDK's
	// default chain.
	AccessKeyID, SecretAccessKey string
	Credentials                  aws.CredentialsProvider
	HTTPClient                   *http.Client // optional (tests); else the SDK's, with Timeout
	// Timeout bounds each request to S3 (0: none). It is set on the SDK's
	// own client rather than by passing an *http.Client, which the SDK
	// refuses when AWS_CA_BUNDLE is set (it cannot add the bundle to it).
	Timeout time.Duration
	Clock   clock.Clock // nil = clock.System{}

	// BaseURL and Secret make the links URL hands out: Trove's own, signed
	// with Secret (>= MinSecretLen bytes) and served by Handler mounted at
	// BaseURL, as the Local driver's are.
	BaseURL string
	Secret  []byte
	// RedirectTTL is the life of the presigned S3 URL Handler redirects each
	// download to (default 5 minutes): it is followed at once.
	RedirectTTL time.Duration
}

// DefaultRedirectTTL is the life of the presigned URL a link redirects to.
const DefaultRedirectTTL = 5 * time.Minute

// S3 keeps documents as objects in a bucket, so several Trove servers share
// one store. Its links are Trove's own (as Local's are): Handler checks one
// and redirects to a GET URL presigned at that moment, so the bytes still go
// straight from S3. A presigned URL cannot be the link: S3 refuses it once the
// credentials that signed it expire, and role credentials expire within hours,
// so a 72-hour link in a mail would die the same day.
// Safe for concurrent use.
type S3 struct {
	client      *s3.Client
	presign     *s3.PresignClient
	bucket      string
	prefix      string
	clock       clock.Clock
	links       *links
	redirectTTL time.Duration
}

// NewS3 loads the AWS configuration and builds a client. It calls nothing
// remote, so a server starts even while S3 is unreachable.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("blob: s3: Bucket is empty")
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, errors.New("blob: s3: set both AccessKeyID and SecretAccessKey, or neither")
	}
	if cfg.AccessKeyID != "" && cfg.Credentials != nil {
		return nil, errors.New("blob: s3: set AccessKeyID and SecretAccessKey, or Credentials, not both")
	}
	if cfg.RedirectTTL < 0 {
		return nil, fmt.Errorf("blob: s3: RedirectTTL %s is negative", cfg.RedirectTTL)
	}
	if cfg.RedirectTTL == 0 {
		cfg.RedirectTTL = DefaultRedirectTTL
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	links, err := newLinks("s3", cfg.BaseURL, cfg.Secret, cfg.Clock)
	if err != nil {
		return nil, err
	}
	// Credentials are renewed while they have RedirectTTL left, so a URL
	// presigned with them lives as long as it says.
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithCredentialsCacheOptions(func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = max(o.ExpiryWindow, cfg.RedirectTTL)
	})}
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.AccessKeyID != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	if cfg.Credentials != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(cfg.Credentials))
	}
	switch {
	case cfg.HTTPClient != nil:
		opts = append(opts, awsconfig.WithHTTPClient(cfg.HTTPClient))
	case cfg.Timeout > 0:
		opts = append(opts, awsconfig.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(cfg.Timeout)))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("blob: s3: load AWS config: %w", err)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("blob: s3: no region: set Region or AWS_REGION")
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.UsePathStyle = cfg.PathStyle
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			// S3-compatible stores often reject or mishandle the checksums the
			// SDK adds by default; send and check them only where S3 requires.
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &S3{
		client:      client,
		presign:     s3.NewPresignClient(client),
		bucket:      cfg.Bucket,
		prefix:      cfg.Prefix,
		clock:       cfg.Clock,
		links:       links,
		redirectTTL: cfg.RedirectTTL,
	}, nil
}

// Put stores body under key, replacing any earlier object.
func (s *S3) Put(ctx context.Context, key string, body []byte, contentType string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	ct, err := normalContentType(contentType)
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.prefix + key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(ct),
	})
	if err != nil {
		return fmt.Errorf("blob: s3 put %q: %w", key, err)
	}
	return nil
}

// Open returns the object under key; the caller closes it.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	})
	if isMissingObject(err) {
		return nil, Info{}, notFound(key)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob: s3 open %q: %w", key, err)
	}
	info := Info{
		Size:        aws.ToInt64(out.ContentLength),
		ContentType: aws.ToString(out.ContentType),
		ModTime:     aws.ToTime(out.LastModified),
	}
	return out.Body, info, nil
}

// isMissingObject reports whether err says the object does not exist. A
// missing bucket is also a 404, but it is a configuration error, not a missing
// document, and must not be answered as one.
func isMissingObject(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket" {
		return false
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// URL returns a link to Handler that is valid until the returned time (now+ttl
// rounded down to the second). It may outlive any credentials: each download
// is presigned when it happens.
func (s *S3) URL(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, time.Time, error) {
	return s.links.url(key, ttl, downloadName)
}

// Handler serves the links URL makes: it checks the link as Local's Handler
// does (403 altered, 410 expired, 404 no such document; problem+json) and
// answers 302 to a GET URL presigned now for RedirectTTL, which offers the
// document as an attachment under the link's name. The redirect is not to be
// cached: a cached one would outlive its signature.
func (s *S3) Handler() http.Handler {
	return s.links.handler(s.redirect)
}

func (s *S3) redirect(w http.ResponseWriter, r *http.Request, key, name string) {
	ctx := r.Context()
	// Asked first, so a document that is gone is a 404 from Trove, in its
	// words, rather than an S3 error page after the redirect.
	_, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.prefix + key)})
	if isMissingObject(err) {
		httpx.Error(w, r, fault.NotFound("the document is gone"))
		return
	}
	if err != nil {
		httpx.Error(w, r, fmt.Errorf("blob: s3 head %q: %w", key, err))
		return
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
		// Always an attachment, as the Local driver serves it.
		ResponseContentDisposition: aws.String(contentDisposition(name)),
	}, s3.WithPresignExpires(s.redirectTTL))
	if err != nil {
		httpx.Error(w, r, fmt.Errorf("blob: s3 presign %q: %w", key, err))
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	http.Redirect(w, r, req.URL, http.StatusFound)
}
