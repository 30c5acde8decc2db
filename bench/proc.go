package bench

import (
	"bufio"
	"fmt"
	"os"
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
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), ":")
		var dst *int64
		switch key {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.Peak
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("memory of process %d: %s: %w", pid, key, err)
		}
		*dst = kb << 10
	}
	if err := sc.Err(); err != nil {
		return Memory{}, fmt.Errorf("memory of process %d: %w", pid, err)
	}
	if m.RSS == 0 {
		return Memory{}, fmt.Errorf("memory of process %d: no VmRSS in /proc/%d/status", pid, pid)
	}
	return m, nil
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
