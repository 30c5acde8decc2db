package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Memory is a process's resident memory, from /proc/PID/status.
type Memory struct {
	RSS  int64 // resident now (VmRSS), bytes
	Peak int64 // the most it has been resident (VmHWM), bytes
}

// MemoryOf reads the resident memory of process pid (Linux only).
func MemoryOf(pid int) (Memory, error) {
	f, err := procFields(fmt.Sprintf("/proc/%d/status", pid), "VmRSS", "VmHWM")
	if err != nil {
		return Memory{}, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	return Memory{RSS: f["VmRSS"], Peak: f["VmHWM"]}, nil
}

// DiskRead is how many bytes process pid has had read from storage so far
// (read_bytes of /proc/PID/io; Linux only): the page cache's misses, not
// the reads it served. A query that reads rows the cache no longer holds
// waits for the disk, which a latency alone does not show.
func DiskRead(pid int) (int64, error) {
	f, err := procFields(fmt.Sprintf("/proc/%d/io", pid), "read_bytes")
	if err != nil {
		return 0, fmt.Errorf("disk reads of process %d: %w", pid, err)
	}
	return f["read_bytes"], nil
}

// procFields reads the "key: value" lines of a /proc file for keys, each
// a whole number of bytes or of kB, and fails unless it holds them all.
func procFields(path string, keys ...string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseFields(f, path, keys)
}

func parseFields(r io.Reader, path string, keys []string) (map[string]int64, error) {
	out := make(map[string]int64, len(keys))
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), ":")
		if !slices.Contains(keys, key) {
			continue
		}
		value, kB := strings.CutSuffix(strings.TrimSpace(value), " kB")
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, key, err)
		}
		if kB {
			n <<= 10
		}
		out[key] = n
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, key := range keys {
		if _, ok := out[key]; !ok {
			return nil, fmt.Errorf("no %s in %s", key, path)
		}
	}
	return out, nil
}

// clockTick is the unit of /proc/PID/stat's times: USER_HZ, which Linux
// fixes at 100 for user space on every architecture whatever the kernel's
// own HZ.
const clockTick = 10 * time.Millisecond

// CPUTime is the CPU time process pid has used so far, user and system
// (utime and stime of /proc/PID/stat; Linux only).
func CPUTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// utime and stime are fields 14 and 15, the 12th and 13th after it.
	var f []string
	if i := strings.LastIndex(string(raw), ") "); i >= 0 {
		f = strings.Fields(string(raw)[i+2:])
	}
	if len(f) < 13 {
		return 0, fmt.Errorf("CPU time of process %d: /proc/%d/stat is too short", pid, pid)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}
