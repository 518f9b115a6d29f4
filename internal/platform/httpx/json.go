package httpx

import (
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

// Decode reads one JSON object from the request into v. It rejects a body over
// MaxJSONBody, a content type other than JSON, unknown fields, and anything after
// the object, each with an error that says what is wrong.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fault.Invalid("the request body must be JSON (Content-Type: application/json), not %q", ct)
		}
	}
	body := http.MaxBytesReader(w, r.Body, MaxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return fault.Invalid("the request body must hold a single JSON value")
	}
	return nil
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
