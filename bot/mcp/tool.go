package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// addTool registers a read-only tool whose arguments decode into In. The
// arguments are checked here rather than by the SDK's schema validation,
// so that a bad one is a JSON-RPC error (invalid params) naming it, as a
// client expects of a call it made wrongly; a failure of the tool itself
// (no evaluation yet) is a tool error the model can read.
func addTool[In, Out any](s *sdk.Server, t *sdk.Tool, h func(ctx context.Context, in In) (Out, string, error)) {
	t.Annotations = &sdk.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(bool)}
	s.AddTool(t, func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		var in In
		if args := bytes.TrimSpace(req.Params.Arguments); len(args) > 0 && !bytes.Equal(args, []byte("null")) {
			dec := json.NewDecoder(bytes.NewReader(args))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return nil, invalidParams("arguments: %s", argProblem(err))
			}
		}
		out, text, err := h(ctx, in)
		if err != nil {
			if _, ok := err.(*jsonrpc.Error); ok {
				return nil, err
			}
			res := &sdk.CallToolResult{}
			res.SetError(err)
			return res, nil
		}
		structured, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("%s: encode result: %w", t.Name, err)
		}
		return &sdk.CallToolResult{
			Content:           []sdk.Content{&sdk.TextContent{Text: text}},
			StructuredContent: json.RawMessage(structured),
		}, nil
	})
}

// invalidParams is a JSON-RPC invalid-params error.
func invalidParams(format string, args ...any) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

// argProblem names the argument a decoding error is about.
func argProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%q must be a %s, not %s", te.Field, te.Type.Kind(), te.Value)
	}
	return err.Error() // "json: unknown field \"x\"" names it already
}

func object(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func str(desc string) map[string]any {
	return map[string]any{"type": "string", "description": desc}
}
