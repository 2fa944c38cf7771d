package pluginmgr

import (
	"context"
	"io"
	"log"
	"log/slog"
	"slices"

	"github.com/hashicorp/go-hclog"
)

// slogLevelTrace is hclog's trace level in slog terms.
const slogLevelTrace = slog.LevelDebug - 4

// hclogAdapter lets go-plugin, which logs through hclog, write to the
// host's slog logger. go-plugin relays each JSON line a plugin writes to
// stderr through it at the line's own level, so plugin logs land in the
// host's log stream tagged with the plugin's name.
type hclogAdapter struct {
	logger *slog.Logger
	name   string
	args   []any
}

// Interface guard.
var _ hclog.Logger = (*hclogAdapter)(nil)

func newHCLogAdapter(logger *slog.Logger) *hclogAdapter { return &hclogAdapter{logger: logger} }

func (h *hclogAdapter) Log(level hclog.Level, msg string, args ...any) {
	h.logger.Log(context.Background(), toSlogLevel(level), msg, renamePluginKey(args)...)
}

// renamePluginKey renames go-plugin's own "plugin" key (the binary's path,
// as in "plugin process exited") to "path": the host's logger already
// names the plugin under "plugin".
func renamePluginKey(args []any) []any {
	for i := 0; i+1 < len(args); i += 2 {
		if args[i] == "plugin" {
			args = slices.Clone(args)
			args[i] = "path"
		}
	}
	return args
}

func (h *hclogAdapter) Trace(msg string, args ...any) { h.Log(hclog.Trace, msg, args...) }
func (h *hclogAdapter) Debug(msg string, args ...any) { h.Log(hclog.Debug, msg, args...) }
func (h *hclogAdapter) Info(msg string, args ...any)  { h.Log(hclog.Info, msg, args...) }
func (h *hclogAdapter) Warn(msg string, args ...any)  { h.Log(hclog.Warn, msg, args...) }
func (h *hclogAdapter) Error(msg string, args ...any) { h.Log(hclog.Error, msg, args...) }

func (h *hclogAdapter) enabled(level hclog.Level) bool {
	return h.logger.Enabled(context.Background(), toSlogLevel(level))
}

func (h *hclogAdapter) IsTrace() bool { return h.enabled(hclog.Trace) }
func (h *hclogAdapter) IsDebug() bool { return h.enabled(hclog.Debug) }
func (h *hclogAdapter) IsInfo() bool  { return h.enabled(hclog.Info) }
func (h *hclogAdapter) IsWarn() bool  { return h.enabled(hclog.Warn) }
func (h *hclogAdapter) IsError() bool { return h.enabled(hclog.Error) }

func (h *hclogAdapter) ImpliedArgs() []any { return h.args }

func (h *hclogAdapter) With(args ...any) hclog.Logger {
	return &hclogAdapter{logger: h.logger.With(args...), name: h.name, args: append(append([]any{}, h.args...), args...)}
}

func (h *hclogAdapter) Name() string { return h.name }

func (h *hclogAdapter) Named(name string) hclog.Logger {
	if h.name != "" {
		name = h.name + "." + name
	}
	return h.ResetNamed(name)
}

func (h *hclogAdapter) ResetNamed(name string) hclog.Logger {
	return &hclogAdapter{logger: h.logger, name: name, args: h.args}
}

// SetLevel is ignored: the host's log level is set once, in acp.yaml.
func (h *hclogAdapter) SetLevel(hclog.Level) {}

func (h *hclogAdapter) GetLevel() hclog.Level {
	for _, l := range []hclog.Level{hclog.Trace, hclog.Debug, hclog.Info, hclog.Warn, hclog.Error} {
		if h.enabled(l) {
			return l
		}
	}
	return hclog.Off
}

func (h *hclogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(h.StandardWriter(opts), "", 0)
}

func (h *hclogAdapter) StandardWriter(*hclog.StandardLoggerOptions) io.Writer {
	return slogWriter{h}
}

// slogWriter logs each write as one info line.
type slogWriter struct{ h *hclogAdapter }

func (w slogWriter) Write(p []byte) (int, error) {
	w.h.Info(string(p))
	return len(p), nil
}

func toSlogLevel(level hclog.Level) slog.Level {
	switch level {
	case hclog.Trace:
		return slogLevelTrace
	case hclog.Debug:
		return slog.LevelDebug
	case hclog.Warn:
		return slog.LevelWarn
	case hclog.Error:
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}
