package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/prodready/prodready/bot"
	"github.com/prodready/prodready/bot/metrics"
	"github.com/prodready/prodready/scorecard/demo"
)

// k8sObject is what the test reads of the Kubernetes example.
type k8sObject struct {
	Kind       string            `yaml:"kind"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Ports []struct {
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Spec struct {
				SecurityContext struct {
					RunAsNonRoot bool `yaml:"runAsNonRoot"`
				} `yaml:"securityContext"`
				Containers []k8sContainer `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	EnvFrom []struct {
		SecretRef struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	LivenessProbe  k8sProbe `yaml:"livenessProbe"`
	ReadinessProbe k8sProbe `yaml:"readinessProbe"`
}

type k8sProbe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

func TestKubernetesExample(t *testing.T) {
	data, err := os.ReadFile("deploy/kubernetes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs := map[string]k8sObject{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var o k8sObject
		if err := dec.Decode(&o); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("kubernetes.yaml: %v", err)
		}
		objs[o.Kind] = o
	}
	dep, sec, svc := objs["Deployment"], objs["Secret"], objs["Service"]
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas != 2 {
		t.Errorf("Deployment replicas = %v, want 2", dep.Spec.Replicas)
	}
	if !dep.Spec.Template.Spec.SecurityContext.RunAsNonRoot {
		t.Error("the pod may run as root")
	}
	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(dep.Spec.Template.Spec.Containers))
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if strings.Join(c.Args, " ") != "serve" {
		t.Errorf("container args %q, want serve", c.Args)
	}
	if len(c.Ports) != 1 {
		t.Fatalf("container ports %+v", c.Ports)
	}
	port := c.Ports[0]
	listen := ""
	for _, e := range c.Env {
		if e.Name == "PRODREADY_LISTEN_ADDR" {
			listen = e.Value
		}
		if _, err := loadSettings(func(k string) string {
			if k == e.Name {
				return e.Value
			}
			return ""
		}); err != nil {
			t.Errorf("env %s=%q: %v", e.Name, e.Value, err)
		}
	}
	if _, p, err := net.SplitHostPort(listen); err != nil || p != "8080" || port.ContainerPort != 8080 {
		t.Errorf("PRODREADY_LISTEN_ADDR %q vs containerPort %d", listen, port.ContainerPort)
	}
	for name, p := range map[string]k8sProbe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if p.HTTPGet.Path != name || p.HTTPGet.Port != port.Name {
			t.Errorf("probe %+v, want %s on port %q", p.HTTPGet, name, port.Name)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != port.Name {
		t.Errorf("Service ports %+v do not target %q", svc.Spec.Ports, port.Name)
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef.Name == "" {
		t.Fatalf("the container does not read the Secret: %+v", c.EnvFrom)
	}
	if !strings.HasPrefix(sec.StringData["PRODREADY_DB"], "postgres://") {
		t.Errorf("PRODREADY_DB in the Secret is not a Postgres URL: %q", sec.StringData["PRODREADY_DB"])
	}
	for k := range sec.StringData {
		found := false
		for _, v := range variables() {
			if v.name == k {
				found = true
				if !v.secret && k != "PORT_CLIENT_ID" {
					t.Errorf("%s is in the Secret but is not a secret", k)
				}
			}
		}
		if !found {
			t.Errorf("the Secret sets %s, which prodready does not read", k)
		}
	}
	// The probe paths are the server's: a bot answers them (not 404).
	b, err := bot.New(bot.Config{Source: demo.Source{}, SigningSecret: "s", Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path, "/metrics"} {
		rec := httptest.NewRecorder()
		b.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code == http.StatusNotFound {
			t.Errorf("the server does not serve %s", p)
		}
	}
}

// TestDockerfileBuildsAStaticBinary runs the Dockerfile's own go build
// command and checks that the binary needs no dynamic loader. The image
// itself is not built here: no Docker engine runs in CI.
func TestDockerfileBuildsAStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds prodready: skipped with -short")
	}
	data, err := os.ReadFile("deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"AS build", "COPY --from=build", "USER 65532", "nonroot"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile lacks %q (multi-stage, non-root)", want)
		}
	}
	m := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 GOOS=linux) go build (.*) -o /out/prodready (\./cmd/prodready)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("no 'RUN CGO_ENABLED=0 GOOS=linux go build ... -o /out/prodready ./cmd/prodready' line in the Dockerfile")
	}
	flags := strings.ReplaceAll(m[2], "${VERSION}", "test")
	args := []string{"build"}
	for _, f := range regexp.MustCompile(`"[^"]*"|\S+`).FindAllString(flags, -1) {
		args = append(args, strings.Trim(f, `"`))
	}
	out := filepath.Join(t.TempDir(), "prodready")
	args = append(args, "-o", out, m[3])
	cmd := exec.Command("go", args...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), strings.Fields(m[1])...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
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
