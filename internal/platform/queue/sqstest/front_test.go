package sqstest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

func client(t *testing.T) *sqs.Client {
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(Endpoint(t)),
		Credentials: aws.AnonymousCredentials{}})
}

func uniqueName(t *testing.T) string {
	return "front-" + strings.NewReplacer("/", "-", " ", "-", "_", "-").Replace(strings.ToLower(t.Name())) +
		"-" + time.Now().Format("150405.000000")[7:]
}

func create(t *testing.T, c *sqs.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return *out.QueueUrl
}

func attributes(t *testing.T, c *sqs.Client, url string) map[string]string {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes
}

// The front refuses what SQS refuses, so code that works against it does not
// first meet these refusals in production.
func TestFrontRefusesWhatSQSRefuses(t *testing.T) {
	t.Parallel()
	c := client(t)
	ctx := context.Background()
	name := uniqueName(t)
	url := create(t, c, name, map[string]string{"VisibilityTimeout": "60"})

	t.Run("creating an existing queue with the same attributes returns it", func(t *testing.T) {
		if again := create(t, c, name, map[string]string{"VisibilityTimeout": "60"}); again != url {
			t.Fatalf("url %s, want %s", again, url)
		}
	})
	t.Run("creating an existing queue with other attributes is QueueNameExists", func(t *testing.T) {
		_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"VisibilityTimeout": "90"}})
		var exists *types.QueueNameExists
		if !errors.As(err, &exists) {
			t.Fatalf("got %v (%T), want QueueNameExists", err, err)
		}
	})
	t.Run("a missing queue is QueueDoesNotExist", func(t *testing.T) {
		_, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name + "-missing")})
		var missing *types.QueueDoesNotExist
		if !errors.As(err, &missing) {
			t.Fatalf("got %v (%T), want QueueDoesNotExist", err, err)
		}
	})
	t.Run("limits", func(t *testing.T) {
		for what, call := range map[string]func() error{
			"DelaySeconds 901": func() error {
				_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), DelaySeconds: 901})
				return err
			},
			"11 messages per receive": func() error {
				_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 11})
				return err
			},
			"a 21 s long poll": func() error {
				_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 21})
				return err
			},
			"a visibility timeout over 12 h": func() error {
				_, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url),
					Attributes: map[string]string{"VisibilityTimeout": "43201"}})
				return err
			},
		} {
			var api smithy.APIError
			if err := call(); !errors.As(err, &api) || !strings.HasPrefix(api.ErrorCode(), "Invalid") {
				t.Errorf("%s: got %v, want an Invalid… error", what, err)
			}
		}
	})
}

func TestFrontSetQueueAttributesChangesOnlyWhatItNames(t *testing.T) {
	t.Parallel()
	c := client(t)
	name := uniqueName(t)
	dlq := create(t, c, name+"-dlq", nil)
	arn := attributes(t, c, dlq)["QueueArn"]
	url := create(t, c, name, map[string]string{"VisibilityTimeout": "60", "DelaySeconds": "5",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + arn + `","maxReceiveCount":"4"}`})
	if _, err := c.SetQueueAttributes(context.Background(), &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url),
		Attributes: map[string]string{"VisibilityTimeout": "120"}}); err != nil {
		t.Fatal(err)
	}
	a := attributes(t, c, url)
	if a["VisibilityTimeout"] != "120" || a["DelaySeconds"] != "5" || !strings.Contains(a["RedrivePolicy"], `"4"`) {
		t.Fatalf("attributes %v", a)
	}
	// Now the same attributes as a create: accepted.
	create(t, c, name, map[string]string{"VisibilityTimeout": "120", "DelaySeconds": "5"})
}

func TestFrontBatchHonoursDelaySeconds(t *testing.T) {
	t.Parallel()
	c := client(t)
	ctx := context.Background()
	url := create(t, c, uniqueName(t), nil)
	out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("now"), MessageBody: aws.String("now")},
		{Id: aws.String("later"), MessageBody: aws.String("later"), DelaySeconds: 2},
	}})
	if err != nil || len(out.Successful) != 2 || len(out.Failed) != 0 {
		t.Fatalf("%+v %v", out, err)
	}
	start := time.Now()
	seen := map[string]time.Duration{}
	for len(seen) < 2 && time.Since(start) < 10*time.Second {
		got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got.Messages {
			seen[*m.Body] = time.Since(start)
		}
	}
	if seen["now"] >= 1500*time.Millisecond || seen["later"] < 1500*time.Millisecond {
		t.Fatalf("received after %v; the delayed message must wait its 2 s", seen)
	}
}

// Each receive counts, and past maxReceiveCount the message is dead-lettered.
func TestFrontCountsReceivesAndRedrives(t *testing.T) {
	t.Parallel()
	c := client(t)
	ctx := context.Background()
	name := uniqueName(t)
	dlq := create(t, c, name+"-dlq", nil)
	url := create(t, c, name, map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + attributes(t, c, dlq)["QueueArn"] + `","maxReceiveCount":2}`})
	if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("poison")}); err != nil {
		t.Fatal(err)
	}
	receive := func(url string) []types.Message {
		t.Helper()
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Messages
	}
	for want := 1; want <= 2; want++ {
		msgs := receive(url)
		if len(msgs) != 1 || msgs[0].Attributes["ApproximateReceiveCount"] != string(rune('0'+want)) {
			t.Fatalf("receive %d: %+v", want, msgs)
		}
		// Handed back at once: a receive all the same.
		if _, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
			ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
			t.Fatal(err)
		}
	}
	if msgs := receive(url); len(msgs) != 0 {
		t.Fatalf("a message past maxReceiveCount was delivered: %+v", msgs)
	}
	if msgs := receive(dlq); len(msgs) != 1 || *msgs[0].Body != "poison" {
		t.Fatalf("dead-letter queue holds %+v", msgs)
	}
	if r := Receipts(name); len(r) != 1 || r[0].Count != 2 {
		t.Fatalf("receipts %+v", r)
	}
}
