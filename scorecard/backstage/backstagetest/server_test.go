package backstagetest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"testing"

	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/backstage/backstagetest"
	"github.com/prodready/prodready/scorecard/emulator"
)

func fixture() []backstage.Entity {
	return []backstage.Entity{
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: backstage.Metadata{Name: "checkout", Tags: []string{"java", "pci"},
			Annotations: map[string]string{"backstage.io/orphan": "true"}}, Spec: map[string]any{"type": "service", "owner": "payments", "lifecycle": "production"},
			Relations: []backstage.Relation{{Type: "ownedBy", TargetRef: "group:default/payments"}}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: backstage.Metadata{Name: "search", Namespace: "web"}, Spec: map[string]any{"type": "service", "owner": "web/search", "lifecycle": "experimental"}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "Component", Metadata: backstage.Metadata{Name: "site"}, Spec: map[string]any{"type": "website", "owner": "web"}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "Group", Metadata: backstage.Metadata{Name: "payments"}, Spec: map[string]any{"type": "team", "children": []any{}, "members": []any{"alice"}}},
		{APIVersion: "backstage.io/v1alpha1", Kind: "User", Metadata: backstage.Metadata{Name: "alice"}, Spec: map[string]any{"profile": map[string]any{"email": "alice@acme.io"}, "memberOf": []any{"payments"}}},
	}
}

type answer struct {
	Items      []map[string]any `json:"items"`
	TotalItems int              `json:"totalItems"`
	PageInfo   struct {
		NextCursor string `json:"nextCursor"`
		PrevCursor string `json:"prevCursor"`
	} `json:"pageInfo"`
}

func get(t *testing.T, srv *backstagetest.Server, q url.Values) (int, answer) {
	t.Helper()
	resp, err := http.Get(srv.URL + backstagetest.QueryPath + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var a answer
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
	}
	return resp.StatusCode, a
}

func names(a answer) []string {
	var out []string
	for _, it := range a.Items {
		md, _ := it["metadata"].(map[string]any)
		n, _ := md["name"].(string)
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Backstage's filter semantics, as its documentation states them.
func TestFilter(t *testing.T) {
	srv := backstagetest.NewServer()
	defer srv.Close()
	if err := srv.SetEntities(fixture()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		filters []string
		want    []string
	}{
		{"none is all", nil, []string{"alice", "checkout", "payments", "search", "site"}},
		{"AND within a set", []string{"kind=component,spec.type=service"}, []string{"checkout", "search"}},
		{"case-insensitive", []string{"KIND=Component,Spec.Type=SERVICE"}, []string{"checkout", "search"}},
		{"OR across sets", []string{"kind=user", "kind=group"}, []string{"alice", "payments"}},
		{"key exists", []string{"spec.lifecycle"}, []string{"checkout", "search"}},
		{"array item as key", []string{"metadata.tags.java"}, []string{"checkout"}},
		{"array item as key=true", []string{"metadata.tags.pci=true"}, []string{"checkout"}},
		{"array item as value", []string{"metadata.tags=pci"}, []string{"checkout"}},
		{"annotation with dots and slash", []string{"metadata.annotations.backstage.io/orphan=true"}, []string{"checkout"}},
		{"default namespace", []string{"kind=component,metadata.namespace=default"}, []string{"checkout", "site"}},
		{"relation", []string{"relations.ownedby=group:default/payments"}, []string{"checkout"}},
		{"nested array of objects", []string{"spec.memberof=payments"}, []string{"alice"}},
		{"no match", []string{"kind=component,spec.type=library"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, a := get(t, srv, url.Values{"filter": tt.filters, "limit": {"100"}})
			if status != 200 {
				t.Fatalf("status %d", status)
			}
			if got := names(a); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if a.TotalItems != len(tt.want) {
				t.Errorf("totalItems %d, want %d", a.TotalItems, len(tt.want))
			}
		})
	}
}

// fields keeps only the named subtrees.
func TestFields(t *testing.T) {
	srv := backstagetest.NewServer()
	defer srv.Close()
	srv.SetEntities(fixture()[:1])
	_, a := get(t, srv, url.Values{"fields": {"kind,metadata.name,spec.owner,metadata.annotations"}})
	got, _ := json.Marshal(a.Items[0])
	want := `{"kind":"Component","metadata":{"annotations":{"backstage.io/orphan":"true"},"name":"checkout"},"spec":{"owner":"payments"}}`
	if string(got) != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	// A field inside another keeps the whole subtree, and the stored entity is untouched.
	_, a = get(t, srv, url.Values{"fields": {"spec,spec.owner"}})
	if len(a.Items[0]["spec"].(map[string]any)) != 3 {
		t.Errorf("spec = %v", a.Items[0]["spec"])
	}
	_, a = get(t, srv, nil)
	if a.Items[0]["relations"] == nil || a.Items[0]["apiVersion"] == nil {
		t.Errorf("no fields gives the whole entity: %v", a.Items[0])
	}
}

// Paging with limit and cursors: every entity once, the cursor keeps the
// filter and a filter beside it is ignored.
func TestPaging(t *testing.T) {
	srv := backstagetest.NewServer()
	defer srv.Close()
	var ents []backstage.Entity
	for i := 0; i < 7; i++ {
		e := fixture()[0]
		e.Metadata.Name = string(rune('a' + i))
		ents = append(ents, e)
	}
	ents = append(ents, fixture()[4])
	srv.SetEntities(ents)
	q := url.Values{"filter": {"kind=component"}, "limit": {"3"}}
	var got []string
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("no end")
		}
		_, a := get(t, srv, q)
		if a.TotalItems != 7 {
			t.Errorf("totalItems %d", a.TotalItems)
		}
		if page > 0 && a.PageInfo.PrevCursor == "" {
			t.Errorf("page %d has no prevCursor", page+1)
		}
		got = append(got, names(a)...)
		if a.PageInfo.NextCursor == "" {
			break
		}
		q = url.Values{"cursor": {a.PageInfo.NextCursor}, "limit": {"3"}, "filter": {"kind=user"}}
	}
	if !slices.Equal(got, []string{"a", "b", "c", "d", "e", "f", "g"}) {
		t.Errorf("got %v", got)
	}
	if status, _ := get(t, srv, url.Values{"cursor": {"!!"}}); status != 400 {
		t.Errorf("a malformed cursor: status %d, want 400", status)
	}
	if status, _ := get(t, srv, url.Values{"limit": {"-1"}}); status != 400 {
		t.Errorf("a negative limit: status %d, want 400", status)
	}
	if _, a := get(t, srv, nil); len(a.Items) != 8 || a.PageInfo.NextCursor != "" {
		t.Errorf("default limit of 20: %d items", len(a.Items))
	}
	if srv.Count() != 6 {
		t.Errorf("Count = %d, want 6", srv.Count())
	}
}

func TestAuthAndFaults(t *testing.T) {
	srv := backstagetest.NewServer(backstagetest.WithToken("tok-123"))
	defer srv.Close()
	srv.SetEntities(fixture())
	if status, _ := get(t, srv, nil); status != 401 {
		t.Errorf("no token: %d", status)
	}
	req, _ := http.NewRequest("GET", srv.URL+backstagetest.QueryPath, nil)
	req.Header.Set("Authorization", "Bearer tok-123")
	srv.Inject(emulator.Fault{Status: 503, RetryAfter: "2"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" || body["error"].(map[string]any)["name"] != "ServiceUnavailableError" {
		t.Errorf("fault: %d %v %v", resp.StatusCode, resp.Header, body)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after the fault: %d", resp.StatusCode)
	}
	rs := srv.Requests()
	if len(rs) != 3 || rs[1].Fault != "status 503" || rs[2].Items != 5 {
		t.Errorf("requests %+v", rs)
	}
}
