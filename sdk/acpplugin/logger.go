package acpplugin

import (
	"io"
	"log/slog"
	"os"

	"github.com/hashicorp/go-hclog"
)

// hclogTimeFormat is the timestamp layout the host's go-plugin client
// parses; a line with any other layout loses its level.
const hclogTimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// stderr is the process's stderr as it was before Serve started: go-plugin
// then points os.Stderr at a pipe the host discards by default, while the
// real stderr is the stream the host reads log lines from.
var stderr = os.Stderr

// Logger returns a structured logger for plugin code. It writes JSON lines
// to stderr with the keys the host reads (@message, @level, @timestamp),
// so each line reaches the host's log at its own level with its key/value
// pairs, tagged with the plugin's name. Serve makes it the default slog
// logger, which the log package writes through too; other text written to
// os.Stderr reaches the host's log as info lines.
//
// Never log card data, payment tokens, email addresses or full postal
// addresses.
func Logger() *slog.Logger {
	return newLogger(stderr, slog.LevelDebug)
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		// ReplaceAttr sees the plugin's own top-level attributes too: one
		// named msg, level or time is renamed only when it holds a string,
		// a level or a time, as the built-in ones do. Otherwise Value.Time
		// would panic, and go-plugin's host, which asserts that @message,
		// @level and @timestamp are strings, would panic on a duplicate
		// key of another type (the last one wins).
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.MessageKey:
				if a.Value.Kind() == slog.KindString {
					a.Key = "@message"
				}
			case slog.LevelKey:
				if level, ok := a.Value.Any().(slog.Level); ok {
					a.Key = "@level"
					a.Value = slog.StringValue(levelName(level))
				}
			case slog.TimeKey:
				if a.Value.Kind() == slog.KindTime {
					a.Key = "@timestamp"
					a.Value = slog.StringValue(a.Value.Time().Format(hclogTimeFormat))
				}
			}
			return a
		},
	}))
}

// levelName maps slog levels to the names hclog uses.
func levelName(level slog.Level) string {
	switch {
	case level < slog.LevelDebug:
		return "trace"
	case level < slog.LevelInfo:
		return "debug"
	case level < slog.LevelWarn:
		return "info"
	case level < slog.LevelError:
		return "warn"
	default:
		return "error"
	}
}

// newHCLogger is the logger go-plugin's own server code writes with. In
// test mode it is silent: go-plugin reports its listener closing at the
// end of every test as an error.
func newHCLogger(w io.Writer, test bool) hclog.Logger {
	level := hclog.Info
	if test {
		level = hclog.Off
	}
	return hclog.New(&hclog.LoggerOptions{Output: w, Level: level, JSONFormat: true})
}
