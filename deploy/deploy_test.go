// Package deploy_test checks prodready's deployment files: the Dockerfile's
// build, the ko configuration, and the kustomize bases, rendered with
// kustomize's own library and validated against the Kubernetes OpenAPI
// schema that kustomize ships, plus what a schema cannot see (references
// that resolve, selectors that match, variables prodready reads).
//
// It is its own Go module so that kustomize's dependencies stay out of
// prodready's go.mod; .ci/run runs it.
package deploy_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/prodready/prodready/bot/metrics"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/scorecard/demo"
)

// object is one rendered Kubernetes object.
type object map[string]any

func (o object) kind() string { s, _ := o["kind"].(string); return s }
func (o object) name() string { return str(o, "metadata", "name") }

// get walks maps and lists (an int indexes a list); nil when absent.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				if o, isObj := v.(object); isObj {
					m = o
				} else {
					return nil
				}
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := get(v, path...).(string); return s }
func list(v any, path ...any) []any { l, _ := get(v, path...).([]any); return l }
func strMap(v any, path ...any) map[string]string {
	out := map[string]string{}
	m, _ := get(v, path...).(map[string]any)
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out
}

// num reads an integer however the renderer typed it.
func num(v any, path ...any) (int, bool) {
	switch n := get(v, path...).(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		return int(n), n == float64(int(n))
	}
	return 0, false
}

// exampleSecrets are values of the right shape for each key an example's
// secrets.env may hold; a key missing here fails the test, so that the
// examples and this list move together.
var exampleSecrets = map[string]string{
	"SLACK_BOT_TOKEN":      "xoxb-0000-test",
	"SLACK_SIGNING_SECRET": "signing-secret-test",
	"SLACK_APP_TOKEN":      "xapp-1-test",
	"PORT_CLIENT_ID":       "client-id-test",
	"PORT_CLIENT_SECRET":   "client-secret-test",
	"PRODREADY_DB":         "postgres://prodready:password-test@postgres:5432/prodready?sslmode=require",
	"GITHUB_TOKEN":         "github-token-test",
	"PAGERDUTY_TOKEN":      "pagerduty-token-test",
	"PRODREADY_API_TOKEN":  "api-token-test",
}

// componentOverlays are overlays made only for the tests: each base with
// every optional component, so that the components are checked on both.
var componentOverlays = []string{"postgres-replicas", "sqlite-single"}

const componentOverlay = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../%s
components:
  - ../../components/ingress
  - ../../components/networkpolicy
  - ../../components/servicemonitor
`

// diskFS copies deploy/kubernetes into memory under /k, with each
// example's secrets.env made from its secrets.env.example, filled in.
func diskFS(t *testing.T) filesys.FileSystem {
	t.Helper()
	fsys := filesys.MakeFsInMemory()
	err := filepath.WalkDir("kubernetes", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if filepath.Base(p) == "secrets.env" {
			return nil // a developer's own, filled in: not what is committed
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := fsys.WriteFile("/k/"+filepath.ToSlash(p), data); err != nil {
			return err
		}
		if filepath.Base(p) != "secrets.env.example" {
			return nil
		}
		var filled bytes.Buffer
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			line := sc.Text()
			key, val, ok := strings.Cut(line, "=")
			if !ok || strings.HasPrefix(line, "#") {
				continue
			}
			if val != "" {
				t.Errorf("%s: %s has a value; the example leaves every value to fill in", p, key)
			}
			fake, known := exampleSecrets[key]
			if !known {
				t.Errorf("%s: %s is not in the test's exampleSecrets", p, key)
			}
			fmt.Fprintf(&filled, "%s=%s\n", key, fake)
		}
		return fsys.WriteFile("/k/"+filepath.ToSlash(filepath.Join(filepath.Dir(p), "secrets.env")), filled.Bytes())
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range componentOverlays {
		if err := fsys.WriteFile("/k/kubernetes/with-components/"+base+"/kustomization.yaml", fmt.Appendf(nil, componentOverlay, base)); err != nil {
			t.Fatal(err)
		}
	}
	return fsys
}

// render builds one kustomization (a path under deploy/kubernetes).
func render(t *testing.T, fsys filesys.FileSystem, dir string) []object {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(fsys, "/k/kubernetes/"+dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var out []object
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		out = append(out, object(m))
	}
	return out
}

// --- OpenAPI validation ---------------------------------------------------------

// validate checks an object against the Kubernetes OpenAPI (v2) schema of
// its kind, strictly: an unknown field is an error, as `kubectl apply
// --validate=strict` makes it.
func validate(o object) []string {
	api := str(o, "apiVersion")
	if api == "monitoring.coreos.com/v1" && o.kind() == "ServiceMonitor" {
		return validateServiceMonitor(o)
	}
	rs := openapi.SchemaForResourceType(kyaml.TypeMeta{APIVersion: api, Kind: o.kind()})
	if rs == nil || rs.Schema == nil {
		return []string{fmt.Sprintf("%s %s: no schema for apiVersion %s kind %s (a removed or misspelt API)", o.kind(), o.name(), api, o.kind())}
	}
	var errs []string
	walk(fmt.Sprintf("%s/%s", o.kind(), o.name()), map[string]any(o), rs.Schema, &errs)
	return errs
}

func walk(path string, v any, s *spec.Schema, errs *[]string) {
	for s.Ref.String() != "" {
		r, err := openapi.Resolve(&s.Ref, openapi.Schema())
		if err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: schema %s: %v", path, s.Ref.String(), err))
			return
		}
		s = r
	}
	bad := func(format string, a ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, a...)) }
	if v == nil {
		return // null: the API server treats it as unset
	}
	if s.Format == "int-or-string" || s.Extensions["x-kubernetes-int-or-string"] == true {
		switch v.(type) {
		case string, int, int64, float64:
		default:
			bad("want an integer or a string, have %T", v)
		}
		return
	}
	typ := ""
	if len(s.Type) > 0 {
		typ = s.Type[0]
	}
	if typ == "" && len(s.Properties) > 0 {
		typ = "object"
	}
	switch typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			bad("want an object, have %T", v)
			return
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				bad("required field %q is missing", r)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := s.Properties[k]; ok {
				walk(path+"."+k, m[k], &p, errs)
				continue
			}
			ap := s.AdditionalProperties
			switch {
			case ap != nil && ap.Schema != nil:
				walk(path+"."+k, m[k], ap.Schema, errs)
			case ap != nil && ap.Allows, len(s.Properties) == 0:
				// a free-form object
			default:
				bad("unknown field %q", k)
			}
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			bad("want an array, have %T", v)
			return
		}
		if s.Items != nil && s.Items.Schema != nil {
			for i, x := range l {
				walk(fmt.Sprintf("%s[%d]", path, i), x, s.Items.Schema, errs)
			}
		}
	case "string":
		sv, ok := v.(string)
		if !ok {
			bad("want a string, have %T %v", v, v)
			return
		}
		if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return e == sv }) {
			bad("%q is not one of %v", sv, s.Enum)
		}
	case "integer":
		if _, ok := num(v); !ok {
			bad("want an integer, have %T %v", v, v)
		}
	case "number":
		switch v.(type) {
		case int, int64, float64:
		default:
			bad("want a number, have %T", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, have %T %v", v, v)
		}
	}
}

// serviceMonitor is the part of the Prometheus Operator's ServiceMonitor
// (monitoring.coreos.com/v1) that the component uses. Its CRD is not in
// kustomize's schema, so it is checked by decoding strictly into this.
type serviceMonitor struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
	} `json:"spec"`
}

func validateServiceMonitor(o object) []string {
	data, err := json.Marshal(map[string]any(o))
	if err != nil {
		return []string{err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sm serviceMonitor
	if err := dec.Decode(&sm); err != nil {
		return []string{fmt.Sprintf("ServiceMonitor/%s: %v", o.name(), err)}
	}
	var errs []string
	if len(sm.Spec.Selector.MatchLabels) == 0 {
		errs = append(errs, fmt.Sprintf("ServiceMonitor/%s: no spec.selector.matchLabels", o.name()))
	}
	if len(sm.Spec.Endpoints) == 0 {
		errs = append(errs, fmt.Sprintf("ServiceMonitor/%s: no spec.endpoints", o.name()))
	}
	for i, e := range sm.Spec.Endpoints {
		if _, err := time.ParseDuration(e.Interval); e.Interval != "" && err != nil {
			errs = append(errs, fmt.Sprintf("ServiceMonitor/%s.spec.endpoints[%d].interval: %v", o.name(), i, err))
		}
	}
	return errs
}

// TestSchemaValidationCatchesMistakes shows the validator is not a no-op.
func TestSchemaValidationCatchesMistakes(t *testing.T) {
	cases := []struct {
		name string
		obj  object
		want string
	}{
		{"unknown field", object{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "s"}, "spec": map[string]any{"selectr": map[string]any{}}}, `unknown field "selectr"`},
		{"wrong type", object{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "d"}, "spec": map[string]any{"replicas": "two", "selector": map[string]any{}, "template": map[string]any{}}}, "Deployment/d.spec.replicas: want an integer"},
		{"missing required", object{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "d"}, "spec": map[string]any{"template": map[string]any{}}}, `required field "selector" is missing`},
		{"nested required", object{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"}, "spec": map[string]any{"containers": []any{map[string]any{"image": "x"}}}}, `Pod/p.spec.containers[0]: required field "name" is missing`},
		{"removed API", object{"apiVersion": "policy/v1beta2", "kind": "PodDisruptionBudget", "metadata": map[string]any{"name": "p"}}, "no schema for apiVersion policy/v1beta2"},
		{"ServiceMonitor unknown field", object{"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": map[string]any{"name": "m"}, "spec": map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"a": "b"}}, "endpoints": []any{map[string]any{"port": "http", "pathh": "/metrics"}}}}, `unknown field "pathh"`},
		{"int-or-string accepts both", object{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "s"}, "spec": map[string]any{"ports": []any{map[string]any{"port": 80, "targetPort": "http"}, map[string]any{"port": 81, "targetPort": 8081}}}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := strings.Join(validate(tc.obj), "\n")
			if (tc.want == "") != (errs == "") || !strings.Contains(errs, tc.want) {
				t.Errorf("errors %q, want ~ %q", errs, tc.want)
			}
		})
	}
}

// --- the bases and examples -------------------------------------------------

// TestKustomize renders every base and example and checks each output.
func TestKustomize(t *testing.T) {
	fsys := diskFS(t)
	workdir := dockerfileWorkdir(t)
	cases := []struct {
		dir string
		// secretKeys are the keys of the generated Secret, nil for a base
		// (which references the Secret an overlay generates).
		secretKeys []string
		postgres   bool
		// The optional components the setup has.
		ingress, networkPolicy, serviceMonitor bool
	}{
		{dir: "postgres-replicas", postgres: true},
		{dir: "sqlite-single"},
		{dir: "with-components/postgres-replicas", postgres: true, ingress: true, networkPolicy: true, serviceMonitor: true},
		{dir: "with-components/sqlite-single", ingress: true, networkPolicy: true, serviceMonitor: true},
		{dir: "examples/port-postgres", secretKeys: []string{"PORT_CLIENT_ID", "PORT_CLIENT_SECRET", "PRODREADY_DB", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}, postgres: true, ingress: true},
		{dir: "examples/socket-mode-sqlite", secretKeys: []string{"PORT_CLIENT_ID", "PORT_CLIENT_SECRET", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"}},
		{dir: "examples/github-pagerduty", secretKeys: []string{"GITHUB_TOKEN", "PAGERDUTY_TOKEN", "PRODREADY_API_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}, ingress: true, networkPolicy: true},
	}
	routed := routedPaths(t)
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			objs := render(t, fsys, tc.dir)
			for _, o := range objs {
				for _, e := range validate(o) {
					t.Error(e)
				}
			}
			k := index(t, objs)
			dep := k.one(t, "Deployment")
			pod := get(dep, "spec", "template")
			podLabels := strMap(pod, "metadata", "labels")
			sel := strMap(dep, "spec", "selector", "matchLabels")
			if len(sel) == 0 || !subset(sel, podLabels) {
				t.Errorf("Deployment selector %v does not select its pods %v", sel, podLabels)
			}
			if get(pod, "spec", "securityContext", "runAsNonRoot") != true {
				t.Error("the pod may run as root")
			}
			containers := list(pod, "spec", "containers")
			if len(containers) != 1 {
				t.Fatalf("%d containers", len(containers))
			}
			c := containers[0]
			if args := fmt.Sprint(list(c, "args")); args != "[serve]" {
				t.Errorf("container args %s, want [serve]", args)
			}
			if get(c, "securityContext", "readOnlyRootFilesystem") != true || get(c, "securityContext", "allowPrivilegeEscalation") != false {
				t.Error("the container's root filesystem is writable or it may escalate privileges")
			}
			ports := map[string]int{}
			for _, p := range list(c, "ports") {
				n, _ := num(p, "containerPort")
				ports[str(p, "name")] = n
			}
			for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
				if str(c, probe, "httpGet", "path") != path || ports[str(c, probe, "httpGet", "port")] == 0 {
					t.Errorf("%s %v: want %s on a named container port %v", probe, get(c, probe), path, ports)
				}
			}
			if want := fmt.Sprint(ports["http"]); strMap(pod, "metadata", "annotations")["prometheus.io/port"] != want {
				t.Errorf("Prometheus scrapes port %s, the container listens on %s", strMap(pod, "metadata", "annotations")["prometheus.io/port"], want)
			}

			// Volumes, ConfigMaps, Secrets and claims that are referenced exist.
			volumes := map[string]any{}
			for _, v := range list(pod, "spec", "volumes") {
				volumes[str(v, "name")] = v
				if cm := str(v, "configMap", "name"); cm != "" {
					k.must(t, "ConfigMap", cm)
				}
				if pvc := str(v, "persistentVolumeClaim", "claimName"); pvc != "" {
					k.must(t, "PersistentVolumeClaim", pvc)
				}
			}
			mounts := map[string]string{} // mount path -> volume
			for _, m := range list(c, "volumeMounts") {
				if volumes[str(m, "name")] == nil {
					t.Errorf("volume mount %q names no volume of the pod", str(m, "name"))
				}
				mounts[str(m, "mountPath")] = str(m, "name")
			}
			env := map[string]string{}
			fromSecret := map[string]bool{}
			for _, ef := range list(c, "envFrom") {
				if cm := str(ef, "configMapRef", "name"); cm != "" {
					for key, v := range strMap(k.must(t, "ConfigMap", cm), "data") {
						env[key] = v
					}
				}
				if sec := str(ef, "secretRef", "name"); sec != "" {
					s := k.get("Secret", sec)
					if tc.secretKeys == nil {
						if s != nil || sec != "prodready" {
							t.Errorf("the base has Secret %q: bases reference the Secret \"prodready\" that overlays generate", sec)
						}
						continue
					}
					if s == nil {
						t.Fatalf("envFrom names Secret %q, which is not generated", sec)
					}
					var keys []string
					for key, v := range strMap(s, "data") {
						b, err := base64.StdEncoding.DecodeString(v)
						if err != nil {
							t.Fatalf("Secret %s key %s: %v", sec, key, err)
						}
						keys = append(keys, key)
						env[key] = string(b)
						fromSecret[key] = true
					}
					sort.Strings(keys)
					if !slices.Equal(keys, tc.secretKeys) {
						t.Errorf("the Secret has %v, want only what this setup needs: %v", keys, tc.secretKeys)
					}
				}
			}
			for _, e := range list(c, "env") {
				env[str(e, "name")] = str(e, "value")
			}

			// The Service, PDB and Ingress point at the pods and ports.
			svc := k.one(t, "Service")
			if s := strMap(svc, "spec", "selector"); len(s) == 0 || !subset(s, podLabels) {
				t.Errorf("Service selector %v does not select the pods %v", s, podLabels)
			}
			svcPorts := map[string]bool{}
			for _, p := range list(svc, "spec", "ports") {
				svcPorts[str(p, "name")] = true
				if ports[str(p, "targetPort")] == 0 {
					t.Errorf("Service port %v targets no named container port", p)
				}
			}
			if ing := k.get("Ingress", "prodready"); (ing != nil) != tc.ingress {
				t.Errorf("Ingress present: %v, want %v", ing != nil, tc.ingress)
			} else if ing != nil {
				got := map[string]bool{}
				for _, p := range list(ing, "spec", "rules", 0, "http", "paths") {
					path := str(p, "path")
					got[path] = true
					if str(p, "pathType") != "Exact" || str(p, "backend", "service", "name") != svc.name() || !svcPorts[str(p, "backend", "service", "port", "name")] {
						t.Errorf("the Ingress routes %v: want pathType Exact to the Service's named port", p)
					}
					if routed[path] == "" {
						t.Errorf("the Ingress routes %s, which neither Slack nor CI posts to: only those leave the cluster", path)
					}
				}
				for path, who := range routed {
					if !got[path] {
						t.Errorf("the Ingress does not route %s (%s)", path, who)
					}
				}
				if str(ing, "spec", "rules", 0, "host") != str(ing, "spec", "tls", 0, "hosts", 0) {
					t.Error("the Ingress's TLS host is not its rule's host")
				}
			}
			if np := k.get("NetworkPolicy", "prodready"); (np != nil) != tc.networkPolicy {
				t.Errorf("NetworkPolicy present: %v, want %v", np != nil, tc.networkPolicy)
			} else if np != nil {
				checkNetworkPolicy(t, np, podLabels, ports, tc.postgres)
			}
			if sm := k.get("ServiceMonitor", "prodready"); (sm != nil) != tc.serviceMonitor {
				t.Errorf("ServiceMonitor present: %v, want %v", sm != nil, tc.serviceMonitor)
			} else if sm != nil {
				if s := strMap(sm, "spec", "selector", "matchLabels"); !subset(s, strMap(svc, "metadata", "labels")) {
					t.Errorf("the ServiceMonitor selects %v, not the Service's labels %v", s, strMap(svc, "metadata", "labels"))
				}
				for _, e := range list(sm, "spec", "endpoints") {
					if !svcPorts[str(e, "port")] || str(e, "path") != "/metrics" {
						t.Errorf("the ServiceMonitor scrapes %v: want /metrics on a named port of the Service", e)
					}
				}
			}

			// Its own ServiceAccount, with no API token mounted anywhere.
			sa := k.must(t, "ServiceAccount", str(pod, "spec", "serviceAccountName"))
			if get(sa, "automountServiceAccountToken") != false || get(pod, "spec", "automountServiceAccountToken") != false {
				t.Errorf("the ServiceAccount %s or the pod mounts an API token", sa.name())
			}
			// The read-only root has a writable /tmp, in memory or on the node, not the image.
			if v := volumes[mounts["/tmp"]]; get(v, "emptyDir") == nil {
				t.Errorf("/tmp is not an emptyDir (mounts %v)", mounts)
			}
			replicas, _ := num(dep, "spec", "replicas")
			if tc.postgres {
				pdb := k.one(t, "PodDisruptionBudget")
				minAvail, _ := num(pdb, "spec", "minAvailable")
				if s := strMap(pdb, "spec", "selector", "matchLabels"); !subset(s, podLabels) || minAvail < 1 || minAvail >= replicas {
					t.Errorf("PodDisruptionBudget selects %v with minAvailable %d for %d replicas", s, minAvail, replicas)
				}
				if replicas < 2 || str(dep, "spec", "strategy", "type") != "RollingUpdate" || fmt.Sprint(get(dep, "spec", "strategy", "rollingUpdate", "maxUnavailable")) != "0" {
					t.Errorf("replicas %d, strategy %v: want 2 or more with a rolling update that keeps every replica", replicas, get(dep, "spec", "strategy"))
				}
				if k.get("PersistentVolumeClaim", "prodready-data") != nil {
					t.Error("a volume for SQLite in the Postgres setup")
				}
				if tc.secretKeys != nil && !strings.HasPrefix(env["PRODREADY_DB"], "postgres://") {
					t.Errorf("PRODREADY_DB %q is not a Postgres URL", env["PRODREADY_DB"])
				}
			} else {
				if replicas != 1 || str(dep, "spec", "strategy", "type") != "Recreate" {
					t.Errorf("replicas %d, strategy %v: SQLite needs one replica, replaced with Recreate", replicas, get(dep, "spec", "strategy"))
				}
				if k.get("PodDisruptionBudget", "prodready") != nil {
					t.Error("a PodDisruptionBudget on a single replica blocks node drains")
				}
				vol := mounts[workdir]
				if vol == "" || str(volumes[vol], "persistentVolumeClaim", "claimName") == "" {
					t.Errorf("the image's home %s is not on the volume (mounts %v)", workdir, mounts)
				}
				if filepath.Dir(env["PRODREADY_DB"]) != workdir {
					t.Errorf("PRODREADY_DB %q is not in %s", env["PRODREADY_DB"], workdir)
				}
				if _, ok := num(pod, "spec", "securityContext", "fsGroup"); !ok {
					t.Error("no fsGroup: the volume may not be writable by the non-root user")
				}
				if m := get(k.must(t, "PersistentVolumeClaim", "prodready-data"), "spec", "accessModes"); fmt.Sprint(m) != "[ReadWriteOnce]" {
					t.Errorf("accessModes %v", m)
				}
			}
			if tc.secretKeys != nil {
				if img := str(c, "image"); img == "prodready" || !strings.Contains(img, "/") {
					t.Errorf("the example does not set the image: %q", img)
				}
			}
			checkWithProdready(t, k, c, volumes, env, fromSecret)
		})
	}
}

// checkWithProdready gives the container's environment to `prodready
// config`, with the mounted ConfigMaps as files: every variable must be one
// prodready reads and accepts, the Secret's must be secrets and the
// ConfigMap's must not; the mounted scorecards must pass `prodready validate`.
func checkWithProdready(t *testing.T, k objects, c any, volumes map[string]any, env map[string]string, fromSecret map[string]bool) {
	t.Helper()
	bin := buildProdready(t)
	root := t.TempDir()
	for _, m := range list(c, "volumeMounts") {
		local := filepath.Join(root, filepath.FromSlash(str(m, "mountPath")))
		if err := os.MkdirAll(local, 0o755); err != nil {
			t.Fatal(err)
		}
		if cm := str(volumes[str(m, "name")], "configMap", "name"); cm != "" {
			for name, data := range strMap(k.must(t, "ConfigMap", cm), "data") {
				if err := os.WriteFile(filepath.Join(local, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	vars := []string{"HOME=" + root}
	for key, v := range env {
		if strings.HasPrefix(v, "/") {
			v = filepath.Join(root, filepath.FromSlash(v))
		}
		env[key] = v
		vars = append(vars, key+"="+v)
	}
	cmd := exec.Command(bin, "config")
	cmd.Env, cmd.Dir = vars, root
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("prodready config with the container's environment: %v\n%s%s", err, out.String(), errb.String())
	}
	shown := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n")[1:] {
		if f := strings.Fields(line); len(f) > 1 {
			shown[f[0]] = strings.Join(f[1:], " ")
		}
	}
	for key := range env {
		val, ok := shown[key]
		switch {
		case !ok:
			t.Errorf("%s is set, but prodready does not read it", key)
		case fromSecret[key] && key != "PORT_CLIENT_ID" && !strings.Contains(val, "********") && !strings.Contains(val, ":xxxxx@"):
			t.Errorf("%s is in the Secret but prodready does not treat it as a secret", key)
		case !fromSecret[key] && strings.Contains(val, "********") && key != "PRODREADY_DB":
			t.Errorf("%s is a secret, outside the Secret", key)
		}
	}
	for _, secret := range []string{"client-secret-test", "password-test", "xoxb-0000-test"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("prodready config shows a secret: %s", out.String())
		}
	}
	if sc := env["PRODREADY_SCORECARDS"]; sc != "" {
		if b, err := exec.Command(bin, "validate", sc).CombinedOutput(); err != nil || !strings.Contains(string(b), "0 errors, 0 warnings") {
			t.Errorf("prodready validate %s: %v\n%s", sc, err, b)
		}
	}
}

// checkNetworkPolicy: the policy selects the pods, lets in only the
// container's port, and lets out DNS, HTTPS and (on Postgres) 5432.
func checkNetworkPolicy(t *testing.T, np object, podLabels map[string]string, ports map[string]int, postgres bool) {
	t.Helper()
	if s := strMap(np, "spec", "podSelector", "matchLabels"); len(s) == 0 || !subset(s, podLabels) {
		t.Errorf("the NetworkPolicy selects %v, not the pods %v", s, podLabels)
	}
	if types := fmt.Sprint(list(np, "spec", "policyTypes")); types != "[Ingress Egress]" {
		t.Errorf("policyTypes %s: want both directions restricted", types)
	}
	for _, rule := range list(np, "spec", "ingress") {
		rulePorts := list(rule, "ports")
		if len(rulePorts) == 0 {
			t.Errorf("ingress rule %v lets in every port", rule)
		}
		for _, p := range rulePorts {
			name, isName := get(p, "port").(string)
			n, _ := num(p, "port")
			if (isName && ports[name] == 0) || (!isName && !slices.Contains(slices.Collect(maps.Values(ports)), n)) {
				t.Errorf("ingress rule lets in port %v, which is no container port %v", get(p, "port"), ports)
			}
		}
	}
	out := map[string]bool{}
	for _, rule := range list(np, "spec", "egress") {
		for _, p := range list(rule, "ports") {
			n, _ := num(p, "port")
			out[fmt.Sprintf("%d/%s", n, str(p, "protocol"))] = true
		}
	}
	want := []string{"53/UDP", "53/TCP", "443/TCP"}
	if postgres {
		want = append(want, "5432/TCP")
	}
	for _, w := range want {
		if !out[w] {
			t.Errorf("the NetworkPolicy lets out %v, not %s", out, w)
		}
	}
}

// routedPaths are the paths that must reach prodready from outside the
// cluster, each with who posts to it: the URLs of the Slack app manifest
// (bot/manifest.yaml), and the path `prodready check --report-to` posts to,
// seen by a server it posts to. Neither is restated here.
func routedPaths(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	data, err := os.ReadFile("../bot/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var manifest any
	if err := yaml.Unmarshal(data, &manifest); err != nil {
		t.Fatalf("bot/manifest.yaml: %v", err)
	}
	var walkURLs func(where string, v any)
	walkURLs = func(where string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if s, ok := val.(string); ok && (k == "url" || k == "request_url") {
					u, err := url.Parse(s)
					if err != nil || u.Path == "" {
						t.Errorf("bot/manifest.yaml %s.%s: %q is not a URL with a path", where, k, s)
						continue
					}
					out[u.Path] = "Slack, bot/manifest.yaml " + where + "." + k
				}
				walkURLs(where+"."+k, val)
			}
		case []any:
			for i, val := range x {
				walkURLs(fmt.Sprintf("%s[%d]", where, i), val)
			}
		}
	}
	walkURLs("", manifest)
	if len(out) == 0 {
		t.Fatal("bot/manifest.yaml has no url or request_url")
	}
	out[reportToPath(t)] = "CI, prodready check --report-to"
	return out
}

// reportToPath runs `prodready check --report-to` on the embedded demo
// against a local server and returns the path it posted to.
func reportToPath(t *testing.T) string {
	t.Helper()
	bin := buildProdready(t)
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"recorded":0}`)
	}))
	defer srv.Close()
	cmd := exec.Command(bin, "check", "--format", "json", "--report-to", srv.URL)
	home := t.TempDir()
	cmd.Env = []string{"HOME=" + home, "PRODREADY_API_TOKEN=api-token-test", "PRODREADY_DB=" + filepath.Join(home, "prodready.db")}
	cmd.Dir = home
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil && cmd.ProcessState.ExitCode() > 1 {
		t.Fatalf("prodready check --report-to: %v\n%s", err, errb.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) == 0 {
		t.Fatalf("prodready check --report-to %s posted nothing:\n%s", srv.URL, errb.String())
	}
	return paths[0]
}

func subset(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// objects indexes rendered objects by kind and name. Generated names carry
// a hash suffix; get finds them by the name they were generated from.
type objects map[string][]object

func index(t *testing.T, objs []object) objects {
	t.Helper()
	k := objects{}
	for _, o := range objs {
		k[o.kind()] = append(k[o.kind()], o)
	}
	return k
}

func (k objects) get(kind, name string) object {
	for _, o := range k[kind] {
		if o.name() == name {
			return o
		}
	}
	return nil
}

func (k objects) must(t *testing.T, kind, name string) object {
	t.Helper()
	o := k.get(kind, name)
	if o == nil {
		t.Fatalf("%s %q is referenced but not rendered", kind, name)
	}
	return o
}

func (k objects) one(t *testing.T, kind string) object {
	t.Helper()
	if len(k[kind]) != 1 {
		t.Fatalf("%d objects of kind %s, want 1", len(k[kind]), kind)
	}
	return k[kind][0]
}

// The probe paths are the server's: a bot answers them (not 404).
func TestProbePathsAreServed(t *testing.T) {
	b, err := slackapp.New(slackapp.Config{Source: demo.Source{}, SigningSecret: "s", Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code == http.StatusNotFound {
			t.Errorf("the server does not serve %s", p)
		}
	}
}

// --- the image ------------------------------------------------------------------

var dockerBuild = regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 GOOS=linux GOARCH=\$\{TARGETARCH\}) go build (.*) -o /out/prodready (\./cmd/prodready)$`)

func dockerfile(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func dockerfileWorkdir(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^WORKDIR (\S+)\s*$`).FindAllStringSubmatch(dockerfile(t), -1)
	if len(m) == 0 {
		t.Fatal("no WORKDIR in the Dockerfile")
	}
	return m[len(m)-1][1] // the final stage's
}

// buildFlags are the Dockerfile's go build flags, ${VERSION} replaced.
func buildFlags(t *testing.T, version string) (env, args []string) {
	t.Helper()
	m := dockerBuild.FindStringSubmatch(dockerfile(t))
	if m == nil {
		t.Fatal("no 'RUN CGO_ENABLED=0 GOOS=linux GOARCH=${TARGETARCH} go build ... -o /out/prodready ./cmd/prodready' line in the Dockerfile")
	}
	// BuildKit sets TARGETARCH to the platform built; here, this machine's.
	m[1] = strings.ReplaceAll(m[1], "${TARGETARCH}", runtime.GOARCH)
	for _, f := range regexp.MustCompile(`"[^"]*"|\S+`).FindAllString(strings.ReplaceAll(m[2], "${VERSION}", version), -1) {
		args = append(args, strings.Trim(f, `"`))
	}
	return strings.Fields(m[1]), args
}

var built struct {
	once sync.Once
	path string
	err  error
	dir  string
}

// buildProdready builds prodready once, with the Dockerfile's own command.
func buildProdready(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds prodready: skipped with -short")
	}
	built.once.Do(func() {
		env, flags := buildFlags(t, "test")
		dir, err := os.MkdirTemp("", "prodready-deploy-test")
		if err != nil {
			built.err = err
			return
		}
		built.dir = dir
		built.path = filepath.Join(dir, "prodready")
		args := append(append([]string{"build"}, flags...), "-o", built.path, "./cmd/prodready")
		cmd := exec.Command("go", args...)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), env...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// TestDockerfileBuildsAStaticBinary runs the Dockerfile's own go build
// command and checks that the binary needs no dynamic loader. The image
// itself is not built here: no Docker engine runs in CI.
func TestDockerfileBuildsAStaticBinary(t *testing.T) {
	text := dockerfile(t)
	for _, want := range []string{"AS build", "COPY --from=build", "USER 65532", "nonroot"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q (multi-stage, non-root)", want)
		}
	}
	out := buildProdready(t)
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%s program header)", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v", libs)
	}
	v, err := exec.Command(out, "version").Output()
	if err != nil || strings.TrimSpace(string(v)) != "prodready test" {
		t.Errorf("the built binary says %q, %v", v, err)
	}
}

// TestKoConfig checks that ko builds what the Dockerfile builds: the same
// package, flags and base image. ko itself is not run: it needs the base
// image from a registry, which this machine cannot reach.
func TestKoConfig(t *testing.T) {
	data, err := os.ReadFile(".ko.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ko struct {
		DefaultBaseImage   string            `yaml:"defaultBaseImage"`
		BaseImageOverrides map[string]string `yaml:"baseImageOverrides"`
		DefaultPlatforms   []string          `yaml:"defaultPlatforms"`
		Builds             []struct {
			ID      string   `yaml:"id"`
			Dir     string   `yaml:"dir"`
			Main    string   `yaml:"main"`
			Env     []string `yaml:"env"`
			Flags   []string `yaml:"flags"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
	}
	if err := yaml.UnmarshalWithOptions(data, &ko, yaml.DisallowUnknownField()); err != nil {
		t.Fatalf(".ko.yaml: %v", err)
	}
	from := regexp.MustCompile(`(?m)^FROM (\S+)\s*$`).FindAllStringSubmatch(dockerfile(t), -1)
	if len(from) == 0 || ko.DefaultBaseImage != from[len(from)-1][1] {
		t.Errorf("ko's base image %q is not the Dockerfile's final FROM %v", ko.DefaultBaseImage, from)
	}
	if len(ko.Builds) != 1 {
		t.Fatalf("%d builds", len(ko.Builds))
	}
	b := ko.Builds[0]
	// ko resolves dir from its working directory, the repository root.
	if b.Main != "./cmd/prodready" || (b.Dir != "" && b.Dir != ".") {
		t.Errorf("ko builds %q in %q, want ./cmd/prodready from the working directory", b.Main, b.Dir)
	}
	env, flags := buildFlags(t, "{{.Env.VERSION}}")
	for _, e := range env {
		// ko sets GOOS and GOARCH per platform, as BuildKit's TARGETARCH does.
		if !strings.HasPrefix(e, "GOOS=") && !strings.HasPrefix(e, "GOARCH=") && !slices.Contains(b.Env, e) {
			t.Errorf("ko's build lacks %s", e)
		}
	}
	// The Dockerfile's flags, split as ko wants them: ldflags apart.
	var dockerFlags, dockerLd []string
	for i := 0; i < len(flags); i++ {
		if flags[i] == "-ldflags" && i+1 < len(flags) {
			dockerLd = append(dockerLd, flags[i+1])
			i++
			continue
		}
		dockerFlags = append(dockerFlags, flags[i])
	}
	if strings.Join(b.Flags, " ") != strings.Join(dockerFlags, " ") || strings.Join(b.Ldflags, " ") != strings.Join(dockerLd, " ") {
		t.Errorf("ko builds with %v -ldflags %v; the Dockerfile with %v -ldflags %v", b.Flags, b.Ldflags, dockerFlags, dockerLd)
	}
	if !slices.Contains(ko.DefaultPlatforms, "linux/amd64") || !slices.Contains(ko.DefaultPlatforms, "linux/arm64") {
		t.Errorf("platforms %v", ko.DefaultPlatforms)
	}
}

// TestTaggedBuildSaysItsTag: prodready built with a plain `go build` from a
// repository whose HEAD is tagged says that tag, from the version the go
// command stamps (no -ldflags). The repository is made from this working
// tree (tracked and new files), committed and tagged v1.9.9: the go
// command stamps only tags of the module's major version (v0 or v1 for a
// path without /vN), so a v9.9.9 tag would give a pseudo-version.
func TestTaggedBuildSaysItsTag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds prodready: skipped with -short")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git to make a tagged repository with")
	}
	ls, err := exec.Command("git", "-C", "..", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	repo := t.TempDir()
	for _, f := range strings.Split(strings.TrimRight(string(ls), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join("..", f))
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(repo, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitEnv := append(os.Environ(), "GIT_AUTHOR_NAME=test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_CONFIG_NOSYSTEM=1")
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "-A"},
		{"commit", "-q", "--no-gpg-sign", "-m", "release"},
		{"tag", "v1.9.9"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = repo, gitEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	bin := filepath.Join(t.TempDir(), "prodready")
	// -trimpath and the tag as the Dockerfile's, so the build cache serves
	// the packages; no -ldflags: the version must come from the tag.
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "timetzdata", "-o", bin, "./cmd/prodready")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in the tagged repository: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "prodready v1.9.9" {
		t.Errorf("prodready --version from a build of tag v1.9.9 says %q (%v)", out, err)
	}
}

// TestDockerfileImage: the bases are pinned by digest (with the tag they
// track, and the way to update them written down), the compiler runs on the
// build machine's platform and cross-compiles to the target's, and the image
// carries the OCI labels, version and revision from build arguments.
func TestDockerfileImage(t *testing.T) {
	text := dockerfile(t)
	froms := regexp.MustCompile(`(?m)^FROM (?:--platform=(\S+) )?(\S+)(?: AS (\S+))?\s*$`).FindAllStringSubmatch(text, -1)
	if len(froms) < 2 {
		t.Fatalf("FROM lines %v: want a build stage and a final one", froms)
	}
	pinned := regexp.MustCompile(`^[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}$`)
	for _, f := range froms {
		if !pinned.MatchString(f[2]) {
			t.Errorf("FROM %s is not pinned as NAME:TAG@sha256:DIGEST", f[2])
		}
		if f[3] == "build" && f[1] != "$BUILDPLATFORM" {
			t.Errorf("the build stage runs on %q, want --platform=$BUILDPLATFORM (no emulation)", f[1])
		}
	}
	if !strings.Contains(text, "docker buildx imagetools inspect") {
		t.Error("the Dockerfile does not say how to update the digests")
	}
	if !regexp.MustCompile(`(?m)^ARG TARGETARCH$`).MatchString(text) {
		t.Error("no ARG TARGETARCH in the build stage")
	}
	// The final stage's labels, with the build arguments they take.
	final := text[strings.LastIndex(text, "\nFROM "):]
	for label, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/prodready/prodready",
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.version":  "${VERSION}",
		"org.opencontainers.image.revision": "${REVISION}",
	} {
		if !strings.Contains(final, label+`="`+want+`"`) {
			t.Errorf("the image has no label %s=%q", label, want)
		}
	}
	for _, arg := range []string{"VERSION", "REVISION"} {
		if !regexp.MustCompile(`(?m)^ARG ` + arg + `=?$`).MatchString(final) {
			t.Errorf("the final stage does not declare ARG %s for its label", arg)
		}
	}
	licence, err := os.ReadFile("../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(licence), "Apache License") || !strings.Contains(string(licence), "Version 2.0") {
		t.Error("the licence label says Apache-2.0, LICENSE is not the Apache License 2.0")
	}
}
