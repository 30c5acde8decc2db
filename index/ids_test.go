package index

import "testing"

// docIDs finds each live id, and only live ones, also when live ids share
// a hash: here every id of one letter does.
func TestDocIDs(t *testing.T) {
	ids := newDocIDs()
	ids.hash = func(id string) uint64 { return uint64(len(id)) }
	a := ids.add("a", true)
	dead := ids.add("dead", false)
	b := ids.add("b", true)
	c := ids.add("c", true)
	want := func(step string, live map[string]int32, gone ...string) {
		t.Helper()
		for id, slot := range live {
			if got, ok := ids.slot(id); !ok || got != slot {
				t.Errorf("%s: slot(%q) = %d, %v; want %d", step, id, got, ok, slot)
			}
			if got := ids.id(slot); got != id {
				t.Errorf("%s: id(%d) = %q, want %q", step, slot, got, id)
			}
		}
		for _, id := range gone {
			if got, ok := ids.slot(id); ok {
				t.Errorf("%s: slot(%q) = %d, want none", step, id, got)
			}
		}
		if ids.live() != len(live) {
			t.Errorf("%s: %d live, want %d", step, ids.live(), len(live))
		}
	}
	if ids.id(dead) != "dead" {
		t.Errorf("id(%d) = %q, want dead", dead, ids.id(dead))
	}
	want("added", map[string]int32{"a": a, "b": b, "c": c}, "dead", "x", "")
	if len(ids.clash) != 2 {
		t.Errorf("clash holds %v, want b and c", ids.clash)
	}
	ids.forget(b)
	want("b forgotten", map[string]int32{"a": a, "c": c}, "b", "dead")
	ids.forget(a)
	want("a forgotten", map[string]int32{"c": c}, "a", "b", "dead")
	// The hash's own slot is free again: a new id of one letter takes it.
	e := ids.add("e", true)
	want("e added", map[string]int32{"c": c, "e": e}, "a", "b")
	ids = ids.compact([]int32{-1, -1, -1, 0, 1})
	want("compacted", map[string]int32{"c": 0, "e": 1}, "a", "b", "dead")
	if d := ids.add("dd", true); d != 2 {
		t.Errorf("add after compact: slot %d, want 2", d)
	}
	want("after compact", map[string]int32{"c": 0, "e": 1, "dd": 2}, "a")
}
