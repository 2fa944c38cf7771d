package badgerstore

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
)

// formatted is an argument that notes when a line holding it is
// formatted.
type formatted struct{ done *bool }

func (f formatted) String() string { *f.done = true; return "arg" }

// TestBadgerLogger: Badger's errors and warnings are logged as such, its
// info and debug lines at debug; a line whose level is not logged is not
// even formatted.
func TestBadgerLogger(t *testing.T) {
	t.Parallel()
	testCases := map[string]struct {
		logAt   slog.Level
		log     func(badgerLogger, string, ...any)
		want    string
		written bool
	}{
		"error":               {slog.LevelInfo, badgerLogger.Errorf, "ERROR", true},
		"warning":             {slog.LevelInfo, badgerLogger.Warningf, "WARN", true},
		"info, not logged":    {slog.LevelInfo, badgerLogger.Infof, "", false},
		"debug, not logged":   {slog.LevelInfo, badgerLogger.Debugf, "", false},
		"info at debug":       {slog.LevelDebug, badgerLogger.Infof, "DEBUG", true},
		"debug at debug":      {slog.LevelDebug, badgerLogger.Debugf, "DEBUG", true},
		"warning, not logged": {slog.LevelError, badgerLogger.Warningf, "", false},
	}
	for name, tc := range testCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			l := badgerLogger{slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tc.logAt}))}
			done := false
			tc.log(l, "line with %v\n", formatted{&done})
			if done != tc.written {
				t.Errorf("formatted = %v, want %v", done, tc.written)
			}
			if !tc.written {
				if buf.Len() > 0 {
					t.Errorf("logged %s", buf.String())
				}
				return
			}
			var got struct{ Level, Msg string }
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil || got.Level != tc.want || got.Msg != "line with arg" {
				t.Errorf("logged %s (%v); want level %s, message %q", buf.String(), err, tc.want, "line with arg")
			}
		})
	}
}
