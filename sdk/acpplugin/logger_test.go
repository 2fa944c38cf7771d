package acpplugin

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// goPluginTimeLayout is the layout go-plugin's host parses @timestamp with;
// spelled out here so that a change to hclogTimeFormat fails the test.
const goPluginTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

func TestLoggerLevels(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		level slog.Level
		want  string
	}{
		"trace":              {level: slog.LevelDebug - 4, want: "trace"},
		"below trace":        {level: slog.LevelDebug - 8, want: "trace"},
		"debug":              {level: slog.LevelDebug, want: "debug"},
		"between debug/info": {level: slog.LevelDebug + 2, want: "debug"},
		"info":               {level: slog.LevelInfo, want: "info"},
		"warn":               {level: slog.LevelWarn, want: "warn"},
		"error":              {level: slog.LevelError, want: "error"},
		"above error":        {level: slog.LevelError + 4, want: "error"},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			before := time.Now().Truncate(time.Microsecond)
			newLogger(&buf, slog.LevelDebug-8).Log(context.Background(), tc.level, "fetched products", "count", 3, "file", "products.csv")
			after := time.Now()
			line := decodeLine(t, buf.Bytes())
			stamp, ok := line["@timestamp"].(string)
			if !ok {
				t.Fatalf("no @timestamp string in %v", line)
			}
			ts, err := time.Parse(goPluginTimeLayout, stamp)
			if err != nil {
				t.Fatalf("@timestamp %q does not parse with go-plugin's layout: %v", stamp, err)
			}
			if ts.Before(before) || ts.After(after) {
				t.Errorf("@timestamp %v not within [%v, %v]", ts, before, after)
			}
			delete(line, "@timestamp")
			want := map[string]any{"@message": "fetched products", "@level": tc.want, "count": 3.0, "file": "products.csv"}
			if diff := cmp.Diff(want, line); diff != "" {
				t.Errorf("log line mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoggerFiltersBelowItsLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := newLogger(&buf, slog.LevelDebug)
	l.Log(context.Background(), slog.LevelDebug-4, "trace line")
	if buf.Len() != 0 {
		t.Errorf("a trace line was written at debug level: %s", buf.String())
	}
	l.Debug("debug line")
	if line := decodeLine(t, buf.Bytes()); line["@level"] != "debug" {
		t.Errorf("line = %v", line)
	}
}

// TestLoggerAttributes checks that the plugin's own attributes are logged
// as given, also when they are named like slog's built-in keys.
func TestLoggerAttributes(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		log  func(*slog.Logger)
		want map[string]any // without @timestamp
	}{
		"group keeps its keys": {
			log: func(l *slog.Logger) { l.WithGroup("req").Info("done", "level", "deep", "msg", "inner", "time", "3ms") },
			want: map[string]any{"@message": "done", "@level": "info",
				"req": map[string]any{"level": "deep", "msg": "inner", "time": "3ms"}},
		},
		"attribute named time that is not a time": {
			log:  func(l *slog.Logger) { l.Info("fetched", "time", "3ms") },
			want: map[string]any{"@message": "fetched", "@level": "info", "time": "3ms"},
		},
		"attribute named level does not change the level": {
			log:  func(l *slog.Logger) { l.Error("backend down", "level", "critical") },
			want: map[string]any{"@message": "backend down", "@level": "error", "level": "critical"},
		},
		"attribute named msg that is not a string": {
			log:  func(l *slog.Logger) { l.Info("fetched", "msg", 5) },
			want: map[string]any{"@message": "fetched", "@level": "info", "msg": 5.0},
		},
		"attribute named level that is not a level": {
			log:  func(l *slog.Logger) { l.Warn("slow", slog.Int("level", 3)) },
			want: map[string]any{"@message": "slow", "@level": "warn", "level": 3.0},
		},
		"with attrs": {
			log:  func(l *slog.Logger) { l.With("plugin", "csv").Warn("slow", "ms", 1200) },
			want: map[string]any{"@message": "slow", "@level": "warn", "plugin": "csv", "ms": 1200.0},
		},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			tc.log(newLogger(&buf, slog.LevelDebug))
			line := decodeLine(t, buf.Bytes())
			if _, ok := line["@timestamp"]; !ok {
				t.Errorf("no @timestamp in %v", line)
			}
			delete(line, "@timestamp")
			if diff := cmp.Diff(tc.want, line); diff != "" {
				t.Errorf("log line mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// decodeLine parses the single JSON line in data, failing on a duplicate
// key (go-plugin's host would keep only the last one).
func decodeLine(t *testing.T, data []byte) map[string]any {
	t.Helper()
	if n := bytes.Count(data, []byte("\n")); n != 1 || !bytes.HasSuffix(data, []byte("\n")) {
		t.Fatalf("want one line, got %d: %q", n, data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("line %q is not a JSON object: %v", data, err)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("line %q: %v", data, err)
		}
		key := tok.(string)
		if seen[key] {
			t.Errorf("line %q has key %q twice", data, key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("line %q: %v", data, err)
		}
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("line %q: %v", data, err)
	}
	return out
}
