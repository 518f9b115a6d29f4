package sqstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Front sits between a client and goaws (AWS JSON protocol only, what
// aws-sdk-go-v2 speaks) and makes goaws behave as SQS does where goaws does
// not, in the ways the queue's SQS driver depends on:
//
//   - Receive counts: every receive of a message counts, and a message
//     received more than its queue's redrive maxReceiveCount is moved to the
//     dead-letter queue instead of delivered, as SQS does. goaws reports a
//     receive count of 1 and counts only visibility expiries.
//   - CreateQueue for a queue that exists with other attribute values fails
//     with QueueNameExists (goaws returns the existing queue unchanged).
//   - SetQueueAttributes changes only the attributes it names (goaws resets
//     the others to zero).
//   - DelaySeconds is honoured in SendMessageBatch (goaws ignores it there),
//     and the batch result has SQS's shape (Successful/Failed; goaws uses
//     its XML names, so the SDK saw no successful entry).
//   - Parameters outside SQS's limits are refused: DelaySeconds above 900 s,
//     a visibility timeout above 12 h, more than 10 messages per receive, a
//     long poll above 20 s, attributes out of range.
//   - Errors have SQS's JSON shape, so the SDK decodes them into their types
//     (types.QueueDoesNotExist, types.QueueNameExists, …).
//
// Everything else is passed through. A Front is safe for concurrent use.
type Front struct {
	backend string
	client  *http.Client

	mu       sync.Mutex
	queues   map[string]*frontQueue // by name
	receipts map[string]*Receipt    // by queue name + "/" + message id
	order    []string               // receipt keys, first receive first
}

type frontQueue struct {
	url   string
	attrs map[string]string
}

// Receipt is one message as received from a queue.
type Receipt struct {
	Queue     string
	MessageID string
	Body      string
	// Count is how many times it was received (SQS's ApproximateReceiveCount).
	Count int
	// DeadLettered is whether it was moved to the dead-letter queue.
	DeadLettered bool
}

// NewFront returns a front for the goaws at backend (its base URL).
func NewFront(backend string) *Front {
	return &Front{backend: strings.TrimSuffix(backend, "/"), client: &http.Client{},
		queues: map[string]*frontQueue{}, receipts: map[string]*Receipt{}}
}

// Receipts lists the messages received from the queue named name, in the
// order of their first receive.
func (f *Front) Receipts(name string) []Receipt {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Receipt
	for _, k := range f.order {
		if r := f.receipts[k]; r.Queue == name {
			out = append(out, *r)
		}
	}
	return out
}

// queueDefaults are the attributes SQS gives a queue created without them.
var queueDefaults = map[string]string{
	"DelaySeconds":                  "0",
	"MaximumMessageSize":            "1048576",
	"MessageRetentionPeriod":        "345600",
	"ReceiveMessageWaitTimeSeconds": "0",
	"VisibilityTimeout":             "30",
}

// attrRanges are SQS's limits on the numeric attributes.
var attrRanges = map[string][2]int{
	"DelaySeconds":                  {0, 900},
	"MaximumMessageSize":            {1024, 1048576},
	"MessageRetentionPeriod":        {60, 1209600},
	"ReceiveMessageWaitTimeSeconds": {0, 20},
	"VisibilityTimeout":             {0, 43200},
}

func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if !ok || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-1.0") {
		writeError(w, "InvalidAction", "InvalidAction", "the SQS stand-in speaks the AWS JSON protocol only")
		return
	}
	switch action {
	case "CreateQueue":
		f.createQueue(w, body)
	case "SetQueueAttributes":
		f.setQueueAttributes(w, body)
	case "SendMessage":
		var in struct{ DelaySeconds int }
		if json.Unmarshal(body, &in) == nil && (in.DelaySeconds < 0 || in.DelaySeconds > 900) {
			writeError(w, "InvalidParameterValue", "InvalidParameterValue",
				fmt.Sprintf("Value %d for parameter DelaySeconds is invalid. Reason: must be >= 0 and <= 900.", in.DelaySeconds))
			return
		}
		f.pass(w, action, body)
	case "SendMessageBatch":
		f.sendMessageBatch(w, body)
	case "ReceiveMessage":
		f.receiveMessage(w, body)
	default:
		f.pass(w, action, body)
	}
}

// call sends one request to goaws and returns its status and body.
func (f *Front) call(action string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, f.backend+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AmazonSQS."+action)
	res, err := f.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

// callJSON sends in to goaws and decodes a successful answer into out.
func (f *Front) callJSON(action string, in, out any) error {
	body, _ := json.Marshal(in)
	status, res, err := f.call(action, body)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("goaws %s: %d %s", action, status, res)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(res, out)
}

// pass forwards the request and writes goaws's answer, its errors in SQS's shape.
func (f *Front) pass(w http.ResponseWriter, action string, body []byte) (int, []byte) {
	status, res, err := f.call(action, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return 0, nil
	}
	if status != http.StatusOK {
		writeGoawsError(w, status, res)
		return status, res
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Write(res)
	return status, res
}

// writeError answers as SQS does in the JSON protocol: __type names the
// error shape, x-amzn-query-error the code of the older query protocol.
func writeError(w http.ResponseWriter, shape, queryCode, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-query-error", queryCode+";Sender")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + shape, "message": msg})
}

// writeGoawsError rewrites goaws's {"Code": "AWS.SimpleQueueService.X"} into SQS's shape.
func writeGoawsError(w http.ResponseWriter, status int, res []byte) {
	var e struct{ Code, Message string }
	if json.Unmarshal(res, &e) != nil || e.Code == "" {
		w.WriteHeader(status)
		w.Write(res)
		return
	}
	shape := e.Code[strings.LastIndexByte(e.Code, '.')+1:]
	if shape == "NonExistentQueue" {
		shape = "QueueDoesNotExist"
	}
	writeError(w, shape, e.Code, e.Message)
}

func queueName(url string) string { return url[strings.LastIndexByte(url, '/')+1:] }

// checkAttributes reports, as an SQS error shape and message, an attribute
// SQS would refuse.
func checkAttributes(attrs map[string]string) (string, string) {
	for name, v := range attrs {
		if rg, ok := attrRanges[name]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < rg[0] || n > rg[1] {
				return "InvalidAttributeValue", fmt.Sprintf("Invalid value for the parameter %s.", name)
			}
			continue
		}
		if name == "RedrivePolicy" {
			p, ok := parseRedrive(v)
			if !ok || p.max < 1 || p.max > 1000 || p.arn == "" {
				return "InvalidAttributeValue", "Value " + v + " for parameter RedrivePolicy is invalid."
			}
		}
	}
	return "", ""
}

type redrive struct {
	arn string
	max int
}

// parseRedrive reads a redrive policy; maxReceiveCount may be a number or a string.
func parseRedrive(s string) (redrive, bool) {
	var p struct {
		Arn string          `json:"deadLetterTargetArn"`
		Max json.RawMessage `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return redrive{}, false
	}
	n, err := strconv.Atoi(strings.Trim(string(p.Max), `"`))
	if err != nil {
		return redrive{}, false
	}
	return redrive{arn: p.Arn, max: n}, true
}

func sameAttribute(name, a, b string) bool {
	if name == "RedrivePolicy" {
		pa, oka := parseRedrive(a)
		pb, okb := parseRedrive(b)
		return oka && okb && pa == pb
	}
	if name == "Policy" {
		var va, vb any
		return json.Unmarshal([]byte(a), &va) == nil && json.Unmarshal([]byte(b), &vb) == nil && reflect.DeepEqual(va, vb)
	}
	return a == b
}

func (f *Front) createQueue(w http.ResponseWriter, body []byte) {
	var in struct {
		QueueName  string
		Attributes map[string]string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, "InvalidParameterValue", "InvalidParameterValue", err.Error())
		return
	}
	if shape, msg := checkAttributes(in.Attributes); shape != "" {
		writeError(w, shape, shape, msg)
		return
	}
	f.mu.Lock()
	q := f.queues[in.QueueName]
	if q != nil {
		for name, v := range in.Attributes {
			if !sameAttribute(name, q.attrs[name], v) {
				f.mu.Unlock()
				// SQS refuses to "create" a queue that exists with other
				// attributes; SetQueueAttributes is how they change.
				writeError(w, "QueueNameExists", "QueueAlreadyExists",
					"A queue already exists with the same name and a different value for attribute "+name)
				return
			}
		}
	}
	f.mu.Unlock()
	status, res := f.pass(w, "CreateQueue", body)
	if status != http.StatusOK || q != nil {
		return
	}
	var out struct{ QueueUrl string }
	json.Unmarshal(res, &out)
	attrs := map[string]string{}
	for k, v := range queueDefaults {
		attrs[k] = v
	}
	for k, v := range in.Attributes {
		attrs[k] = v
	}
	f.mu.Lock()
	if f.queues[in.QueueName] == nil {
		f.queues[in.QueueName] = &frontQueue{url: out.QueueUrl, attrs: attrs}
	}
	f.mu.Unlock()
}

func (f *Front) setQueueAttributes(w http.ResponseWriter, body []byte) {
	var in struct {
		QueueUrl   string
		Attributes map[string]string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, "InvalidParameterValue", "InvalidParameterValue", err.Error())
		return
	}
	if shape, msg := checkAttributes(in.Attributes); shape != "" {
		writeError(w, shape, shape, msg)
		return
	}
	f.mu.Lock()
	q := f.queues[queueName(in.QueueUrl)]
	merged := map[string]string{}
	if q != nil {
		for k, v := range q.attrs {
			merged[k] = v
		}
	}
	f.mu.Unlock()
	for k, v := range in.Attributes {
		merged[k] = v
	}
	// goaws sets every attribute the request leaves out to zero: send it the
	// whole set, so only the named ones change, as in SQS.
	out := map[string]string{}
	for k := range attrRanges {
		if v, ok := merged[k]; ok {
			out[k] = v
		}
	}
	for k, v := range in.Attributes {
		out[k] = v
	}
	fwd, _ := json.Marshal(map[string]any{"QueueUrl": in.QueueUrl, "Attributes": out})
	if status, _ := f.pass(w, "SetQueueAttributes", fwd); status != http.StatusOK || q == nil {
		return
	}
	f.mu.Lock()
	for k, v := range in.Attributes {
		q.attrs[k] = v
	}
	f.mu.Unlock()
}

// sendMessageBatch sends each entry on its own, so goaws honours its
// DelaySeconds, and answers with SQS's batch result.
func (f *Front) sendMessageBatch(w http.ResponseWriter, body []byte) {
	var in struct {
		QueueUrl string
		Entries  []map[string]any
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, "InvalidParameterValue", "InvalidParameterValue", err.Error())
		return
	}
	switch {
	case len(in.Entries) == 0:
		writeError(w, "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one SendMessageBatchRequestEntry in the request.")
		return
	case len(in.Entries) > 10:
		writeError(w, "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "Maximum number of entries per request are 10.")
		return
	}
	var ids []string
	for _, e := range in.Entries {
		id, _ := e["Id"].(string)
		if slices.Contains(ids, id) {
			writeError(w, "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id "+id+" repeated.")
			return
		}
		ids = append(ids, id)
	}
	type ok struct {
		Id, MessageId, MD5OfMessageBody string
		MD5OfMessageAttributes          string `json:",omitempty"`
	}
	type failed struct {
		Id, Code, Message string
		SenderFault       bool
	}
	res := struct {
		Successful []ok
		Failed     []failed
	}{Successful: []ok{}, Failed: []failed{}}
	for _, e := range in.Entries {
		id, _ := e["Id"].(string)
		if d, _ := e["DelaySeconds"].(float64); d < 0 || d > 900 {
			res.Failed = append(res.Failed, failed{Id: id, Code: "InvalidParameterValue", SenderFault: true,
				Message: fmt.Sprintf("Value %v for parameter DelaySeconds is invalid. Reason: must be >= 0 and <= 900.", d)})
			continue
		}
		one := map[string]any{"QueueUrl": in.QueueUrl}
		for k, v := range e {
			if k != "Id" {
				one[k] = v
			}
		}
		var sent struct{ MessageId, MD5OfMessageBody, MD5OfMessageAttributes string }
		if err := f.callJSON("SendMessage", one, &sent); err != nil {
			res.Failed = append(res.Failed, failed{Id: id, Code: "InternalError", Message: err.Error()})
			continue
		}
		res.Successful = append(res.Successful, ok{Id: id, MessageId: sent.MessageId,
			MD5OfMessageBody: sent.MD5OfMessageBody, MD5OfMessageAttributes: sent.MD5OfMessageAttributes})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(res)
}

// receiveMessage counts each receive of each message and moves a message
// received more than maxReceiveCount times to the dead-letter queue instead
// of delivering it, as SQS's redrive policy does.
func (f *Front) receiveMessage(w http.ResponseWriter, body []byte) {
	var in struct {
		QueueUrl                                                string
		MaxNumberOfMessages, WaitTimeSeconds, VisibilityTimeout *int
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, "InvalidParameterValue", "InvalidParameterValue", err.Error())
		return
	}
	for _, p := range []struct {
		name     string
		v        *int
		min, max int
	}{{"MaxNumberOfMessages", in.MaxNumberOfMessages, 1, 10}, {"WaitTimeSeconds", in.WaitTimeSeconds, 0, 20},
		{"VisibilityTimeout", in.VisibilityTimeout, 0, 43200}} {
		if p.v != nil && (*p.v < p.min || *p.v > p.max) {
			writeError(w, "InvalidParameterValue", "InvalidParameterValue",
				fmt.Sprintf("Value %d for parameter %s is invalid. Reason: must be between %d and %d.", *p.v, p.name, p.min, p.max))
			return
		}
	}
	status, res, err := f.call("ReceiveMessage", body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if status != http.StatusOK {
		writeGoawsError(w, status, res)
		return
	}
	var out struct {
		Messages []map[string]any
	}
	if err := json.Unmarshal(res, &out); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	name := queueName(in.QueueUrl)
	f.mu.Lock()
	var policy redrive
	var hasPolicy bool
	if q := f.queues[name]; q != nil {
		policy, hasPolicy = parseRedrive(q.attrs["RedrivePolicy"])
	}
	f.mu.Unlock()
	kept := []map[string]any{}
	for _, m := range out.Messages {
		id, _ := m["MessageId"].(string)
		text, _ := m["Body"].(string)
		f.mu.Lock()
		key := name + "/" + id
		r := f.receipts[key]
		if r == nil {
			r = &Receipt{Queue: name, MessageID: id, Body: text}
			f.receipts[key] = r
			f.order = append(f.order, key)
		}
		r.Count++
		count := r.Count
		moved := hasPolicy && count > policy.max
		if moved {
			r.Count-- // moved, not delivered
			r.DeadLettered = true
		}
		f.mu.Unlock()
		if moved {
			if err := f.deadLetter(in.QueueUrl, policy.arn, m); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			continue
		}
		attrs, _ := m["Attributes"].(map[string]any)
		if attrs == nil {
			attrs = map[string]any{}
			m["Attributes"] = attrs
		}
		attrs["ApproximateReceiveCount"] = strconv.Itoa(count)
		kept = append(kept, m)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(map[string]any{"Messages": kept})
}

// deadLetter moves a message just received from the queue at url to the
// dead-letter queue named by arn.
func (f *Front) deadLetter(url, arn string, m map[string]any) error {
	dlq := arn[strings.LastIndexByte(arn, ':')+1:]
	f.mu.Lock()
	dlqURL := strings.TrimSuffix(url, queueName(url)) + dlq
	if q := f.queues[dlq]; q != nil && q.url != "" {
		dlqURL = q.url
	}
	f.mu.Unlock()
	send := map[string]any{"QueueUrl": dlqURL, "MessageBody": m["Body"]}
	if a, ok := m["MessageAttributes"]; ok {
		send["MessageAttributes"] = a
	}
	if err := f.callJSON("SendMessage", send, nil); err != nil {
		return err
	}
	return f.callJSON("DeleteMessage", map[string]any{"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]}, nil)
}
