package httpx

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/trove-platform/trove/internal/platform/fault"
)

// MaxJSONBody bounds request bodies decoded by Decode.
const MaxJSONBody = 1 << 20

// Decode reads the request body, which is required, as one JSON object into
// v. It refuses, each with an error that says what is wrong (kind invalid,
// 400): an empty body, a body that is JSON but not an object (null, an array,
// a string, a number, true or false: none of them is "{}", and reading one as
// "nothing to change" would let a broken client act by accident), a content
// type other than JSON, unknown fields, and anything after the object; and a
// body over MaxJSONBody (kind too large, 413).
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	_, err := decode(w, r, v, false)
	return err
}

// DecodeOptional is Decode for a route whose body may be left out: an absent
// body (none, or only whitespace) leaves v as it is and answers false. A body
// that is there must be a JSON object, exactly as for Decode: null or an
// array is refused, not taken for an absent body.
func DecodeOptional(w http.ResponseWriter, r *http.Request, v any) (bool, error) {
	return decode(w, r, v, true)
}

func decode(w http.ResponseWriter, r *http.Request, v any, optional bool) (bool, error) {
	var br *bufio.Reader
	if r.Body != nil {
		br = bufio.NewReader(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	} else {
		br = bufio.NewReader(strings.NewReader(""))
	}
	first, err := skipSpace(br)
	if errors.Is(err, io.EOF) {
		if optional {
			return false, nil
		}
		return false, fault.Invalid("the request body is empty; a JSON object was expected")
	}
	if err != nil {
		return false, decodeError(err)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return false, fault.Invalid("the request body must be JSON (Content-Type: application/json), not %q", ct)
		}
	}
	dec := json.NewDecoder(br)
	if first != '{' {
		// Valid JSON of another kind gets its name; anything else gets the
		// syntax error the decoder finds.
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return false, decodeError(err)
		}
		return false, fault.Invalid("the request body must be a JSON object ({…}), not %s", jsonKind(first))
	}
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return false, decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return false, decodeError(err)
		}
		return false, fault.Invalid("the request body must hold a single JSON value")
	}
	return true, nil
}

// skipSpace reads past JSON white space and answers the first other byte,
// which is put back; io.EOF when the body holds nothing else.
func skipSpace(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return b, br.UnreadByte()
	}
}

// jsonKind names the JSON value that starts with b, for people.
func jsonKind(b byte) string {
	switch b {
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	}
	return "a number"
}

func decodeError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		mbe    *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return fault.Invalid("the request body is empty; a JSON object was expected")
	case errors.As(err, &mbe):
		return fault.TooLarge("the request body is larger than %d bytes", mbe.Limit)
	case errors.As(err, &syntax):
		return fault.Invalid("the request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.Invalid("the request body is cut short: not valid JSON")
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fault.Invalid("field %q must be %s", typ.Field, typ.Type)
		}
		return fault.Invalid("the request body must be %s", typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fault.Invalid("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return fault.Invalid("the request body could not be read: %v", err)
	}
}

// JSON writes v as the response with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status is already sent: an encoding error cannot change the answer now.
	_ = json.NewEncoder(w).Encode(v)
}
