// Package deploy_test checks the deployment recipes in this directory:
// the container recipe, the systemd unit and the Kubernetes example are
// parsed and held to what the sidecar needs, and their command lines are
// run against the real binary.
package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/acp-sidecar/acp/config"
	"github.com/acp-sidecar/acp/core/host"
	"github.com/acp-sidecar/acp/internal/pgtest"
)

// TestMain stops the throwaway PostgreSQL cluster pgtest may have started
// and says in one line when the PostgreSQL tests could not run.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// acpBinary builds the acp binary once and returns its path.
func acpBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "acp-deploy-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "acp")
		if out, err := exec.Command("go", "build", "-o", binPath, "../cmd/acp").CombinedOutput(); err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build acp: %v", buildErr)
	}
	return binPath
}

// runACP runs the binary with args and returns its exit code and output.
func runACP(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(acpBinary(t), args...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// instructions reads a Containerfile as (instruction, arguments) pairs,
// continuation lines joined, comments dropped.
func instructions(t *testing.T, path string) [][2]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	var cur string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur == "") {
			continue
		}
		if rest, ok := strings.CutSuffix(line, "\\"); ok {
			cur += rest + " "
			continue
		}
		cur += line
		op, args, _ := strings.Cut(strings.TrimSpace(cur), " ")
		out = append(out, [2]string{strings.ToUpper(op), strings.TrimSpace(args)})
		cur = ""
	}
	return out
}

// TestContainerfile checks the image recipe: a static build, an empty
// base with CA certificates, a non-root user owning the store volume, and
// a health check that is the binary's own probe with flags it accepts.
func TestContainerfile(t *testing.T) {
	t.Parallel()
	ins := instructions(t, "Containerfile")
	var froms []string
	last := map[string]string{}
	var copies []string
	for _, in := range ins {
		if in[0] == "FROM" {
			froms = append(froms, in[1])
			last = map[string]string{}
			copies = nil
		}
		if in[0] == "COPY" {
			copies = append(copies, in[1])
		}
		last[in[0]] = in[1]
	}
	if len(froms) < 2 || froms[len(froms)-1] != "scratch" {
		t.Errorf("stages %v: want a build stage, then scratch (a static binary needs no base)", froms)
	}
	var build string
	for _, in := range ins {
		if in[0] == "RUN" && strings.Contains(in[1], "./cmd/acp") {
			build = in[1]
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-X main.version=", "-X main.commit=", "-X main.date="} {
		if !strings.Contains(build, want) {
			t.Errorf("the acp build %q lacks %s: not static, or not stamped with its version, commit and date", build, want)
		}
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"data/", "bin/"} {
		if !slices.Contains(strings.Fields(string(ignore)), want) {
			t.Errorf(".dockerignore does not leave out %s (the demo store, built binaries)", want)
		}
	}
	if user := strings.Split(last["USER"], ":")[0]; user == "" || user == "0" || user == "root" {
		t.Errorf("USER %q: the image must run as a non-root user", last["USER"])
	}
	wantCopies := []string{"/etc/ssl/certs/ca-certificates.crt", "/usr/local/bin/acp", "--chown=" + last["USER"]}
	for _, want := range wantCopies {
		if !slices.ContainsFunc(copies, func(c string) bool { return strings.Contains(c, want) }) {
			t.Errorf("the final stage copies nothing with %q: %v", want, copies)
		}
	}
	checkWritableTmp(t, ins)
	if !strings.Contains(last["VOLUME"], "/var/lib/acp") || last["WORKDIR"] != "/var/lib/acp" {
		t.Errorf("VOLUME %q, WORKDIR %q: want the store directory /var/lib/acp", last["VOLUME"], last["WORKDIR"])
	}
	var entry, cmd, health []string
	for key, dst := range map[string]*[]string{"ENTRYPOINT": &entry, "CMD": &cmd} {
		if err := json.Unmarshal([]byte(last[key]), dst); err != nil {
			t.Fatalf("%s %q is not a JSON array: %v", key, last[key], err)
		}
	}
	hc := last["HEALTHCHECK"]
	_, hcCmd, ok := strings.Cut(hc, "CMD ")
	if !ok || json.Unmarshal([]byte(hcCmd), &health) != nil || len(health) < 3 {
		t.Fatalf("HEALTHCHECK %q: want CMD with a JSON array", hc)
	}
	if entry[0] != "/usr/local/bin/acp" || health[0] != entry[0] || health[1] != "health" {
		t.Errorf("ENTRYPOINT %v, HEALTHCHECK %v: want the acp binary and its health probe", entry, health)
	}
	if !slices.Equal(cmd[:1], []string{"serve"}) {
		t.Errorf("CMD %v: want serve", cmd)
	}
	// The probe goes to server.probes_listen on loopback, plain HTTP
	// whether or not the API listener serves TLS, and apart from agent
	// traffic: not the published port.
	probeURL := health[slices.Index(health, "--url")+1]
	if u, err := url.Parse(probeURL); err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || slices.Contains(strings.Fields(last["EXPOSE"]), u.Port()) {
		t.Errorf("HEALTHCHECK --url %s: want plain HTTP to server.probes_listen on 127.0.0.1, not the API port %s", probeURL, last["EXPOSE"])
	}
	// The probe's own flags, against a port nothing listens on: it must
	// run (exit 1, unhealthy), not stop at its flags (exit 2).
	args := slices.Clone(health[1:])
	for i, a := range args {
		if a == "--url" {
			args[i+1] = "http://" + closedAddr(t)
		}
	}
	if code, out := runACP(t, args...); code != 1 {
		t.Errorf("acp %s: exit %d, want 1 (unhealthy)\n%s", strings.Join(args, " "), code, out)
	}
	if code, out := runACP(t, append(slices.Clone(cmd), "--help")...); code != 0 {
		t.Errorf("acp %s --help: exit %d\n%s", strings.Join(cmd, " "), code, out)
	}
}

// checkWritableTmp checks that the final stage has a /tmp every user may
// write (mode 1777): the plugin client makes each plugin's socket
// directory under the temporary directory, and scratch has none.
func checkWritableTmp(t *testing.T, ins [][2]string) {
	t.Helper()
	final := 0
	for i, in := range ins {
		if in[0] == "FROM" {
			final = i
		}
	}
	var src string
	for _, in := range ins[final:] {
		if f := strings.Fields(in[1]); in[0] == "COPY" && len(f) >= 2 && strings.TrimSuffix(f[len(f)-1], "/") == "/tmp" {
			src = strings.TrimSuffix(f[len(f)-2], "/")
		}
	}
	if src == "" {
		t.Error("the final stage has no /tmp: plugins cannot start (their sockets go there)")
		return
	}
	if !slices.ContainsFunc(ins[:final], func(in [2]string) bool {
		return in[0] == "RUN" && strings.Contains(in[1], "chmod 1777 "+src)
	}) {
		t.Errorf("/tmp is copied from %s, which no RUN of the build stage makes mode 1777", src)
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// unit reads a systemd unit as section → key → values.
func unit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string][]string{}
	section := ""
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			key, val, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", path, n+1, line)
			}
			out[section][key] = append(out[section][key], val)
		}
	}
	return out
}

// TestSystemdUnit checks the unit: the serve command with flags the binary
// accepts, a non-root user, the store in the state directory, reload by
// SIGHUP, and the hardening options; and runs systemd-analyze verify on it
// where systemd is installed.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	u := unit(t, "systemd/acp.service")
	svc := u["Service"]
	one := func(key string) string {
		if len(svc[key]) == 0 {
			return ""
		}
		return svc[key][len(svc[key])-1]
	}
	execStart := strings.Fields(one("ExecStart"))
	if len(execStart) < 2 || execStart[0] != "/usr/local/bin/acp" || execStart[1] != "serve" {
		t.Errorf("ExecStart %v: want /usr/local/bin/acp serve", execStart)
	} else if code, out := runACP(t, append(slices.Clone(execStart[1:]), "--help")...); code != 0 {
		t.Errorf("acp %s --help: exit %d\n%s", strings.Join(execStart[1:], " "), code, out)
	}
	if user := one("User"); user == "" || user == "root" || user == "0" {
		t.Errorf("User %q: want a non-root user", user)
	}
	if one("StateDirectory") != "acp" || one("WorkingDirectory") != "/var/lib/acp" {
		t.Errorf("StateDirectory %q, WorkingDirectory %q: want the store in /var/lib/acp", one("StateDirectory"), one("WorkingDirectory"))
	}
	if !strings.Contains(one("ExecReload"), "-HUP $MAINPID") {
		t.Errorf("ExecReload %q: want SIGHUP (reloads the TLS certificate)", one("ExecReload"))
	}
	hardening := map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "CapabilityBoundingSet": "", "ProtectKernelTunables": "yes",
		"ProtectKernelModules": "yes", "ProtectControlGroups": "yes", "RestrictNamespaces": "yes",
		"RestrictSUIDSGID": "yes", "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
		"SystemCallArchitectures": "native", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
	}
	for key, want := range hardening {
		if got, ok := svc[key]; !ok || one(key) != want {
			t.Errorf("%s = %q (set: %v), want %q", key, got, ok, want)
		}
	}
	if !slices.Contains(svc["SystemCallFilter"], "@system-service") {
		t.Errorf("SystemCallFilter %v: want @system-service", svc["SystemCallFilter"])
	}
	if u["Install"]["WantedBy"][0] != "multi-user.target" {
		t.Errorf("WantedBy %v", u["Install"]["WantedBy"])
	}

	t.Run("systemd-analyze verify", func(t *testing.T) {
		analyze, err := exec.LookPath("systemd-analyze")
		if err != nil {
			t.Skip("systemd-analyze is not installed: the unit is checked by the parse above only")
		}
		// verify wants ExecStart's binary to exist: point it at the one
		// just built.
		data, err := os.ReadFile("systemd/acp.service")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "acp.service")
		if err := os.WriteFile(path, bytes.ReplaceAll(data, []byte("/usr/local/bin/acp"), []byte(acpBinary(t))), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(analyze, "verify", path)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = io.Discard, &stderr
		if err := cmd.Run(); err != nil || strings.Contains(stderr.String(), "acp.service") {
			t.Errorf("systemd-analyze verify: %v\n%s", err, stderr.String())
		}
	})
}

// TestKubernetesExample checks the single-replica example on Badger:
// what every example needs (checkSidecarManifest), and the store on the
// claim at store.dir with one replica replaced by Recreate.
func TestKubernetesExample(t *testing.T) {
	t.Parallel()
	m := checkSidecarManifest(t, "kubernetes/acp-sidecar.yaml")
	if m.docs["PersistentVolumeClaim"] == nil {
		t.Fatal("no PersistentVolumeClaim")
	}
	if n := m.deployment["spec"].(map[string]any)["replicas"]; n != 1 {
		t.Errorf("replicas %v: want 1 while the store is Badger", n)
	}
	if s := str(m.deployment, "spec", "strategy", "type"); s != "Recreate" {
		t.Errorf("strategy %q: want Recreate (two pods must never share the store)", s)
	}
	if m.mounts["data"] != m.cfg.Store.Dir || str(m.volumes["data"], "persistentVolumeClaim", "claimName") != str(m.docs["PersistentVolumeClaim"], "metadata", "name") {
		t.Errorf("store.dir %s is not the claim's mount %s", m.cfg.Store.Dir, m.mounts["data"])
	}
}

// TestKubernetesPostgresExample checks the several-replica example: what
// every example needs (checkSidecarManifest), the store on PostgreSQL
// with its DSN from the Secret, several replicas rolled one at a time and
// no volume, and an init container whose `acp migrate` command line runs:
// against a fresh database, with the Secret's keys in its environment, it
// migrates it, and the same line with --dry-run then has nothing to do.
func TestKubernetesPostgresExample(t *testing.T) {
	t.Parallel()
	m := checkSidecarManifest(t, "kubernetes/acp-sidecar-postgres.yaml")
	if m.cfg.Store.Driver != "postgres" || m.cfg.Store.Postgres.DSNEnv == "" {
		t.Fatalf("store.driver %q, store.postgres.dsn_env %q: want postgres with the DSN from the environment", m.cfg.Store.Driver, m.cfg.Store.Postgres.DSNEnv)
	}
	spec := m.deployment["spec"].(map[string]any)
	if n, _ := spec["replicas"].(int); n < 2 {
		t.Errorf("replicas %v: want several", spec["replicas"])
	}
	if s := str(m.deployment, "spec", "strategy", "type"); s != "RollingUpdate" || itoa(spec["strategy"].(map[string]any)["rollingUpdate"].(map[string]any)["maxUnavailable"]) != "0" {
		t.Errorf("strategy %v: want RollingUpdate with maxUnavailable 0 (one replica replaced at a time, none missing)", spec["strategy"])
	}
	if m.docs["PersistentVolumeClaim"] != nil {
		t.Error("a PersistentVolumeClaim: the replicas keep no state of their own")
	}
	for name, v := range m.volumes {
		if v["persistentVolumeClaim"] != nil {
			t.Errorf("volume %s is a claim: the replicas keep no state of their own", name)
		}
	}
	if pdb := m.docs["PodDisruptionBudget"]; pdb == nil || pdb["spec"].(map[string]any)["minAvailable"] == nil {
		t.Error("no PodDisruptionBudget keeping replicas available during drains")
	}

	inits, _ := m.pod["initContainers"].([]any)
	if len(inits) != 1 {
		t.Fatalf("%d init containers: want the one running acp migrate", len(inits))
	}
	migrate := inits[0].(map[string]any)
	args := toStrings(migrate["args"])
	if len(args) == 0 || args[0] != "migrate" || migrate["image"] != m.sidecar["image"] {
		t.Errorf("init container %v %v: want acp migrate from the sidecar's image %v", migrate["image"], args, m.sidecar["image"])
	}
	if !reflect.DeepEqual(migrate["envFrom"], m.sidecar["envFrom"]) || mountsOf(migrate)["config"] != m.mounts["config"] {
		t.Errorf("the init container's environment %v and mounts %v are not the sidecar's", migrate["envFrom"], mountsOf(migrate))
	}
	checkLockedDown(t, migrate)

	// The command line, run: the config where the pod mounts it (here a
	// temporary directory), the Secret's keys in the environment, the DSN
	// a fresh database's.
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "acp.yaml")
	if err := os.WriteFile(cfgPath, []byte(str(m.docs["ConfigMap"], "data", "acp.yaml")), 0o600); err != nil {
		t.Fatal(err)
	}
	args = slices.Clone(args)
	args[slices.Index(args, "--config")+1] = cfgPath
	env := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range m.secretKeys {
		env = append(env, k+"="+v.(string))
	}
	env = append(env, m.cfg.Store.Postgres.DSNEnv+"="+pgtest.DSN(t))
	for _, run := range []struct {
		args []string
		want string
	}{{args, "migrated from version 0"}, {append(slices.Clone(args), "--dry-run"), "no migration pending"}} {
		cmd := exec.Command(acpBinary(t), run.args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), run.want) {
			t.Errorf("acp %s: %v, want %q in its output:\n%s", strings.Join(run.args, " "), err, run.want, out)
		}
	}
}

// sidecarManifest is what checkSidecarManifest read of an example.
type sidecarManifest struct {
	docs       map[string]map[string]any
	cfg        *config.Config
	secretKeys map[string]any
	deployment map[string]any
	pod        map[string]any
	sidecar    map[string]any
	mounts     map[string]string
	volumes    map[string]map[string]any
}

// checkSidecarManifest checks what every Kubernetes example needs: its
// acp.yaml is valid, every variable it names comes from the Secret (which
// is not in the manifest), the pod runs the store and the sidecar as a
// non-root user with a read-only root, the probes and the Service point
// at the ports the sidecar listens on, and the sidecar's command line is
// one the binary accepts.
func checkSidecarManifest(t *testing.T, path string) sidecarManifest {
	t.Helper()
	docs := manifests(t, path)
	for _, kind := range []string{"ConfigMap", "Deployment", "Service"} {
		if docs[kind] == nil {
			t.Fatalf("%s: no %s", path, kind)
		}
	}
	// The Secret is apart: applying the manifest again must never replace
	// the real one (its store key lost) with placeholders.
	if docs["Secret"] != nil {
		t.Fatalf("%s holds a Secret: kubectl apply would overwrite the real one with its placeholders", path)
	}
	maps.Copy(docs, manifests(t, "kubernetes/acp-secrets.example.yaml"))
	if docs["Secret"] == nil {
		t.Fatal("acp-secrets.example.yaml holds no Secret")
	}
	cfg, err := config.LoadBytes([]byte(str(docs["ConfigMap"], "data", "acp.yaml")), host.ConfigOptions(""))
	if err != nil {
		t.Fatalf("the ConfigMap's acp.yaml: %v", err)
	}
	m := sidecarManifest{docs: docs, cfg: cfg, deployment: docs["Deployment"]}
	secretName := str(docs["Secret"], "metadata", "name")
	m.secretKeys = docs["Secret"]["stringData"].(map[string]any)
	vars := []string{cfg.MerchantAPI.TokenEnv, cfg.Store.EncryptionKeyEnv, cfg.Store.Postgres.DSNEnv}
	for _, a := range cfg.Agents {
		vars = append(vars, a.TokenEnv)
	}
	for _, v := range vars {
		if _, ok := m.secretKeys[v]; v != "" && !ok {
			t.Errorf("%s is not a key of the Secret", v)
		}
	}

	dep := m.deployment
	pod := dep["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	m.pod = pod
	if pod["securityContext"].(map[string]any)["runAsNonRoot"] != true {
		t.Error("the pod does not require a non-root user")
	}
	if g, _ := pod["terminationGracePeriodSeconds"].(int); g <= int(cfg.Server.ShutdownTimeout.Seconds()) {
		t.Errorf("terminationGracePeriodSeconds %v: want more than server.shutdown_timeout (%s)", pod["terminationGracePeriodSeconds"], cfg.Server.ShutdownTimeout)
	}
	containers := pod["containers"].([]any)
	if len(containers) < 2 {
		t.Fatalf("%d containers: want the store and the sidecar", len(containers))
	}
	for _, c := range containers {
		if c := c.(map[string]any); c["name"] == "acp" {
			m.sidecar = c
		}
	}
	sidecar := m.sidecar
	if sidecar == nil {
		t.Fatal("no container named acp")
	}
	args := toStrings(sidecar["args"])
	if code, out := runACP(t, append(slices.Clone(args), "--help")...); code != 0 {
		t.Errorf("acp %s --help: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	configPath := args[slices.Index(args, "--config")+1]
	m.mounts = mountsOf(sidecar)
	m.volumes = map[string]map[string]any{}
	for _, v := range pod["volumes"].([]any) {
		v := v.(map[string]any)
		m.volumes[v["name"].(string)] = v
	}
	if filepath.Dir(configPath) != m.mounts["config"] || str(m.volumes["config"], "configMap", "name") != str(docs["ConfigMap"], "metadata", "name") {
		t.Errorf("--config %s is not the ConfigMap mounted at %s", configPath, m.mounts["config"])
	}
	if envFrom := sidecar["envFrom"].([]any); len(envFrom) != 1 || str(envFrom[0].(map[string]any), "secretRef", "name") != secretName {
		t.Errorf("envFrom %v: want the Secret %s", envFrom, secretName)
	}
	_, port, _ := net.SplitHostPort(cfg.Server.Listen)
	ports := sidecar["ports"].([]any)[0].(map[string]any)
	if itoa(ports["containerPort"]) != port {
		t.Errorf("containerPort %v, server.listen %s", ports["containerPort"], cfg.Server.Listen)
	}
	// The probes go to server.probes_listen, plain HTTP apart from agent
	// traffic, on a port the Service does not expose.
	_, probesPort, _ := net.SplitHostPort(cfg.Server.ProbesListen)
	var probesPortName any
	for _, p := range sidecar["ports"].([]any) {
		if p := p.(map[string]any); itoa(p["containerPort"]) == probesPort {
			probesPortName = p["name"]
		}
	}
	if probesPortName == nil {
		t.Errorf("server.probes_listen %q: no container port for it", cfg.Server.ProbesListen)
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		p, _ := sidecar[probe].(map[string]any)
		if str(p, "httpGet", "path") != path || p["httpGet"].(map[string]any)["port"] != probesPortName || str(p, "httpGet", "scheme") == "HTTPS" {
			t.Errorf("%s %v: want GET %s on port %v (server.probes_listen)", probe, p, path, probesPortName)
		}
	}
	if m.mounts["tmp"] != "/tmp" || m.volumes["tmp"]["emptyDir"] == nil {
		t.Errorf("no emptyDir volume mounted at /tmp (mounts %v): with a read-only root, plugins have nowhere for their sockets", m.mounts)
	}
	checkLockedDown(t, sidecar)
	svcPort := docs["Service"]["spec"].(map[string]any)["ports"].([]any)[0].(map[string]any)
	if svcPort["targetPort"] != ports["name"] {
		t.Errorf("the Service targets %v, the sidecar's port is %v", svcPort["targetPort"], ports["name"])
	}
	return m
}

// mountsOf maps a container's volume names to their mount paths.
func mountsOf(container map[string]any) map[string]string {
	mounts := map[string]string{}
	for _, m := range container["volumeMounts"].([]any) {
		m := m.(map[string]any)
		mounts[m["name"].(string)] = m["mountPath"].(string)
	}
	return mounts
}

// checkLockedDown checks a container's securityContext: a read-only root
// and no privilege escalation.
func checkLockedDown(t *testing.T, container map[string]any) {
	t.Helper()
	sc, _ := container["securityContext"].(map[string]any)
	if sc["readOnlyRootFilesystem"] != true || sc["allowPrivilegeEscalation"] != false {
		t.Errorf("container %v: securityContext %v: want a read-only root and no privilege escalation", container["name"], sc)
	}
}

// manifests reads a multi-document YAML file as kind → document.
func manifests(t *testing.T, path string) map[string]map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs[str(doc, "kind")] = doc
	}
	return docs
}

// str follows keys through nested mappings to a string ("" if absent).
func str(m map[string]any, keys ...string) string {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	s, _ := v.(string)
	return s
}

func toStrings(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}

func itoa(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
