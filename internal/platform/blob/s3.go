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
)

// S3Config configures an S3 store.
type S3Config struct {
	Bucket    string
	Prefix    string // optional key prefix inside the bucket, e.g. "trove/"
	Region    string // empty = the SDK's default chain (AWS_REGION, shared config)
	Endpoint  string // optional: S3-compatible store (MinIO, gofakes3)
	PathStyle bool   // path-style addressing for S3-compatible stores
	// Credentials: optional static pair; empty = the SDK's default chain.
	AccessKeyID, SecretAccessKey string
	HTTPClient                   *http.Client // optional
	Clock                        clock.Clock  // nil = clock.System{}
}

// MaxS3LinkTTL is the longest life of an S3 presigned link: SigV4 refuses more.
const MaxS3LinkTTL = 7 * 24 * time.Hour

// S3 keeps documents as objects in a bucket and hands out presigned GET links,
// so downloads go straight to S3 and several Trove servers share one store.
// Safe for concurrent use.
type S3 struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
	prefix  string
	clock   clock.Clock
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
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.AccessKeyID != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, awsconfig.WithHTTPClient(cfg.HTTPClient))
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
	clk := cfg.Clock
	if clk == nil {
		clk = clock.System{}
	}
	return &S3{
		client:  client,
		presign: s3.NewPresignClient(client),
		bucket:  cfg.Bucket,
		prefix:  cfg.Prefix,
		clock:   clk,
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

// URL returns a presigned GET link. S3 enforces its expiry with its own
// clock from the moment of signing; the time returned is computed with the
// store's Clock, which in production is the same wall clock.
func (s *S3) URL(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, time.Time, error) {
	if err := ValidKey(key); err != nil {
		return "", time.Time{}, err
	}
	if err := checkLink(ttl, downloadName); err != nil {
		return "", time.Time{}, err
	}
	if ttl > MaxS3LinkTTL {
		return "", time.Time{}, fault.Invalid("an S3 link lives at most %s, asked for %s", MaxS3LinkTTL, ttl)
	}
	now := s.clock.Now()
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
		// Always an attachment, as the Local driver does.
		ResponseContentDisposition: aws.String(contentDisposition(downloadName)),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("blob: s3 presign %q: %w", key, err)
	}
	return req.URL, now.Add(ttl), nil
}
