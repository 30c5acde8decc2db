// Package evaluate measures recommendation quality offline, on data sets
// with ground truth (the citeulike-a set in ../shared/data): recall@k and
// nDCG@k of the engine's rankings. Research data is read from disk at run
// time and never shipped with the product.
package evaluate

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paperhound/paperhound"
)

// CiteULike is the citeulike-a data set: item titles, abstracts for a
// subset, and undirected citation links between items.
type CiteULike struct {
	Titles    []string       // by item id
	Abstracts map[int]string // the items that have one
	Citations [][]int        // by item id, self-loops dropped
	Libraries [][]int        // by user id: the items each user saved
}

// LoadCiteULike reads the data set from dir (see its README for formats).
func LoadCiteULike(dir string) (*CiteULike, error) {
	d := &CiteULike{Abstracts: map[int]string{}}
	err := eachLine(filepath.Join(dir, "items.tsv"), func(n int, line string) error {
		if n == 1 {
			return nil // header
		}
		id, title, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("want item_id<TAB>title")
		}
		if i, err := strconv.Atoi(id); err != nil || i != len(d.Titles) {
			return fmt.Errorf("item id %q out of order", id)
		}
		d.Titles = append(d.Titles, title)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachLine(filepath.Join(dir, "abstracts_subset.tsv"), func(n int, line string) error {
		if n == 1 {
			return nil
		}
		f := strings.SplitN(line, "\t", 3)
		i, err := strconv.Atoi(f[0])
		if len(f) != 3 || err != nil || i < 0 || i >= len(d.Titles) {
			return fmt.Errorf("want item_id<TAB>citeulike_id<TAB>abstract with a known item id")
		}
		d.Abstracts[i] = f[2]
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Citations, err = readLists(filepath.Join(dir, "citations.dat"), len(d.Titles))
	if err != nil {
		return nil, err
	}
	if d.Libraries, err = readLists(filepath.Join(dir, "users.dat"), len(d.Titles)); err != nil {
		return nil, err
	}
	for i, links := range d.Citations {
		kept := links[:0]
		for _, j := range links {
			if j != i {
				kept = append(kept, j)
			}
		}
		d.Citations[i] = kept
	}
	return d, nil
}

// Paper is item i as paperhound stores it; withAbstract adds its abstract
// where the subset has one.
func (d *CiteULike) Paper(i int, withAbstract bool) paperhound.Paper {
	p := paperhound.Paper{ID: strconv.Itoa(i), Title: d.Titles[i]}
	if withAbstract {
		p.Abstract = d.Abstracts[i]
	}
	return p
}

// readLists reads "N i1 ... iN" lines, one per user or item.
func readLists(path string, maxID int) ([][]int, error) {
	var out [][]int
	err := eachLine(path, func(_ int, line string) error {
		f := strings.Fields(line)
		if len(f) == 0 {
			return fmt.Errorf("empty line")
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n != len(f)-1 {
			return fmt.Errorf("count %q does not match %d ids", f[0], len(f)-1)
		}
		ids := make([]int, n)
		for k, s := range f[1:] {
			if ids[k], err = strconv.Atoi(s); err != nil || ids[k] < 0 || ids[k] >= maxID {
				return fmt.Errorf("bad id %q", s)
			}
		}
		out = append(out, ids)
		return nil
	})
	return out, err
}

func eachLine(path string, fn func(n int, line string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read data set: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		if err := fn(n, line); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}
