package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
)

// Options are what the running build knows, which a config is validated
// against.
type Options struct {
	// KnownAPIVersions are the ACP API versions this build serves, newest
	// first. They are the default for api_versions, and api_versions may
	// list only these.
	KnownAPIVersions []string
	// PaymentKinds are the accepted payment handler kind values.
	PaymentKinds []string
	// ListenOverride, when non-empty, replaces server.listen before
	// defaults and validation. It is the --listen flag.
	ListenOverride string
}

// keyDelim is the koanf key delimiter. koanf uses it only to address keys
// by path, which Load never does: the document is read and decoded as one
// nested map, so keys are never split. A NUL byte is used anyway so that a
// key containing a dot, such as the tax category "food.prepared", could
// not be split even by a path lookup.
const keyDelim = "\x00"

// Load reads the config file at path, applies defaults and validates it.
// A relative plugins[].command is resolved against the directory of path.
// A config with problems yields *Errors listing every problem; a file that
// cannot be read yields a wrapped I/O error.
func Load(path string, opts Options) (*Config, error) {
	data, err := file.Provider(path).ReadBytes()
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return load(data, opts, filepath.Dir(path))
}

// LoadBytes parses a config from YAML, applies defaults and validates it.
// It returns either the config or *Errors with at least one problem.
// plugins[].command is kept as written: there is no file to resolve a
// relative path against.
func LoadBytes(data []byte, opts Options) (*Config, error) {
	return load(data, opts, "")
}

// load is LoadBytes for a config read from a file in dir, or from no file
// when dir is "".
func load(data []byte, opts Options, dir string) (*Config, error) {
	raw, perr := parse(data)
	if perr != nil {
		return nil, perr
	}
	var shape problems
	shaped, _ := checkShape("", raw, reflect.TypeFor[Config](), &shape).(map[string]any)
	cfg, err := decode(shaped)
	if err != nil {
		// checkShape lets through only values that decode; this is a bug
		// in checkShape, reported rather than hidden.
		shape.add("", "%v", err)
	}
	cfg.markMistyped(shape.list)
	if dir != "" {
		cfg.resolvePluginCommands(dir)
	}
	cfg.SetDefaults(opts)
	var valid problems
	cfg.validate(opts, &valid)
	idx := indexPositions(data)
	idx.locate(shape.list)
	idx.locate(valid.list)
	if list := combine(shape.list, valid.list); len(list) > 0 {
		return nil, &Errors{Problems: list}
	}
	return cfg, nil
}

// resolvePluginCommands resolves every relative plugins[].command against
// dir, the directory of the config file. A resolved command keeps a "./"
// when it would otherwise be a bare name, so that it is never looked up in
// PATH (as exec.Command does for a bare name).
func (c *Config) resolvePluginCommands(dir string) {
	for i := range c.Plugins {
		p := &c.Plugins[i]
		p.Dir = dir
		if strings.TrimSpace(p.Command) == "" || filepath.IsAbs(p.Command) {
			continue
		}
		cmd := filepath.Join(dir, p.Command)
		if filepath.Base(cmd) == cmd {
			cmd = "." + string(filepath.Separator) + cmd
		}
		p.Command = cmd
	}
}

// parse parses YAML into a nested map with koanf. A document that is not
// YAML, or not a mapping, yields *Errors with the parser's message, which
// carries the line number.
func parse(data []byte) (map[string]any, *Errors) {
	k := koanf.New(keyDelim)
	if err := k.Load(rawbytes.Provider(data), yaml.Parser()); err != nil {
		return nil, &Errors{Problems: yamlProblems(err)}
	}
	return k.Raw(), nil
}

// yamlProblems turns a YAML parser error into problems. The parser lists
// several decoding errors (such as duplicate keys) in one multi-line error;
// each becomes its own problem.
func yamlProblems(err error) []Problem {
	msg := err.Error()
	const prefix = "yaml: unmarshal errors:\n"
	if !strings.HasPrefix(msg, prefix) {
		return []Problem{{Message: msg}}
	}
	var out []Problem
	for line := range strings.SplitSeq(strings.TrimPrefix(msg, prefix), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.Contains(line, "cannot unmarshal") && strings.Contains(line, "into map[string]interface {}") {
			line, _, _ = strings.Cut(line, ":")
			line += ": the document must be a mapping of top-level keys such as server, agents, merchant and catalog"
		}
		out = append(out, Problem{Message: "yaml: " + line})
	}
	if len(out) == 0 {
		return []Problem{{Message: msg}}
	}
	return out
}

// decode unmarshals the checked map into a Config with koanf, strictly:
// no weak typing and no unused keys.
func decode(m map[string]any) (*Config, error) {
	cfg := &Config{}
	k := koanf.New(keyDelim)
	if err := k.Load(mapProvider(m), nil); err != nil {
		return cfg, fmt.Errorf("load checked config: %w", err)
	}
	err := k.UnmarshalWithConf("", cfg, koanf.UnmarshalConf{
		Tag: "koanf",
		DecoderConfig: &mapstructure.DecoderConfig{
			ErrorUnused:      true,
			WeaklyTypedInput: false,
			DecodeHook:       mapstructure.ComposeDecodeHookFunc(mapstructure.StringToTimeDurationHookFunc()),
			Result:           cfg,
			TagName:          "koanf",
		},
	})
	if err != nil {
		return cfg, fmt.Errorf("decode config: %w", err)
	}
	return cfg, nil
}

// mapProvider is a koanf.Provider serving an already parsed map.
type mapProvider map[string]any

// ReadBytes is not supported: the map is already parsed.
func (mapProvider) ReadBytes() ([]byte, error) {
	return nil, errors.New("mapProvider does not provide bytes")
}

// Read returns the map.
func (m mapProvider) Read() (map[string]any, error) {
	return m, nil
}
