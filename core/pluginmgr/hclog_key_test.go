package pluginmgr

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestHCLogPluginKey checks that go-plugin's own "plugin" key (the binary's
// path) does not repeat the host's "plugin" key (the plugin's name).
func TestHCLogPluginKey(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil)).With("plugin", "tax")
	newHCLogAdapter(logger).Log(hclog.Info, "plugin process exited", "plugin", "/bin/acp-plugin-tax-table", "id", 42)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["plugin"] != "tax" || line["path"] != "/bin/acp-plugin-tax-table" {
		t.Errorf("logged %s, want plugin tax and path /bin/acp-plugin-tax-table", buf.String())
	}
	if n := bytes.Count(buf.Bytes(), []byte(`"plugin"`)); n != 1 {
		t.Errorf("the plugin key appears %d times: %s", n, buf.String())
	}
}
