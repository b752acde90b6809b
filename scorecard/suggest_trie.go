package scorecard

import (
	"slices"
	"strings"
)

// nameTrie holds lower-cased ASCII names in a trie, to find the ones
// within k edits of a name by walking it with one row of the edit-distance
// table per depth (the rows of a shared prefix are computed once), and
// leaving a branch as soon as every cell of its row exceeds k. Unlike a
// trigram filter, it prunes names that share a long prefix and differ
// in a few characters (service-00412, service-00413, ...), where every
// trigram of the prefix is in every name.
type nameTrie struct {
	label   []byte  // the byte on the edge into each node; node 0 is the root
	depth   []int32 // the node's depth (its prefix length)
	child   []int32 // first child, or -1
	sibling []int32 // next sibling, or -1
	// Names ending at node n are ids[endFrom[n]:endTo[n]].
	endFrom, endTo []int32
	ids            []int32
	maxDepth       int
}

// newNameTrie indexes ids by lower[id] (ASCII).
func newNameTrie(lower []string, ids []int32) *nameTrie {
	ids = slices.Clone(ids)
	slices.SortFunc(ids, func(a, b int32) int { return strings.Compare(lower[a], lower[b]) })
	size := 1
	for _, id := range ids {
		size += len(lower[id])
	}
	t := &nameTrie{ids: ids, label: make([]byte, 0, size), depth: make([]int32, 0, size), child: make([]int32, 0, size),
		sibling: make([]int32, 0, size), endFrom: make([]int32, 0, size), endTo: make([]int32, 0, size)}
	t.add(0, 0)
	// path[d] is the node at depth d on the previous name's path; names
	// come in order, so a node's children are made in order too.
	path := []int32{0}
	lastChild := make([]int32, 1, size)
	lastChild[0] = -1
	prev := ""
	for i, id := range ids {
		s := lower[id]
		common := 0
		for common < len(s) && common < len(prev) && s[common] == prev[common] {
			common++
		}
		path = path[:common+1]
		for d := common; d < len(s); d++ {
			parent := path[d]
			n := t.add(s[d], d+1)
			lastChild = append(lastChild, -1)
			if l := lastChild[parent]; l >= 0 {
				t.sibling[l] = n
			} else {
				t.child[parent] = n
			}
			lastChild[parent] = n
			path = append(path, n)
		}
		end := path[len(s)]
		if t.endTo[end] == 0 {
			t.endFrom[end] = int32(i)
		}
		t.endTo[end] = int32(i + 1)
		t.maxDepth = max(t.maxDepth, len(s))
		prev = s
	}
	return t
}

func (t *nameTrie) add(label byte, depth int) int32 {
	n := int32(len(t.label))
	t.label = append(t.label, label)
	t.depth = append(t.depth, int32(depth))
	t.child = append(t.child, -1)
	t.sibling = append(t.sibling, -1)
	t.endFrom = append(t.endFrom, 0)
	t.endTo = append(t.endTo, 0)
	return n
}

// within calls f with every name at most k edits from q (lower-case
// ASCII), and its distance.
func (t *nameTrie) within(q string, k int, f func(id int32, d int)) {
	w := len(q) + 1
	rows := make([]int, (t.maxDepth+1)*w)
	for j := range w {
		rows[j] = j
	}
	if len(q) <= k { // the empty name
		for _, id := range t.ids[t.endFrom[0]:t.endTo[0]] {
			f(id, len(q))
		}
	}
	stack := make([]int32, 0, 64)
	for c := t.child[0]; c >= 0; c = t.sibling[c] {
		stack = append(stack, c)
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		d := int(t.depth[n])
		up, row := rows[(d-1)*w:d*w], rows[d*w:(d+1)*w]
		row[0] = d
		best := d
		c := t.label[n]
		for j := 1; j < w; j++ {
			v := up[j-1]
			if q[j-1] != c {
				v++
			}
			v = min(v, up[j]+1, row[j-1]+1)
			row[j] = v
			best = min(best, v)
		}
		if row[w-1] <= k {
			for _, id := range t.ids[t.endFrom[n]:t.endTo[n]] {
				f(id, row[w-1])
			}
		}
		if best <= k {
			for ch := t.child[n]; ch >= 0; ch = t.sibling[ch] {
				stack = append(stack, ch)
			}
		}
	}
}
