//go:build unix

package pdf

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, user and system: a benchmark's figure that
// other processes on the machine do not change, unlike its wall-clock rate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
