package cache

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
//
// go-redis probes a Redis it could not dial from a goroutine of its own
// (ConnPool.tryDial) that sleeps a second between probes and sees that its
// client was closed only when it wakes: after TestRedisOutageDegradesToLocalTiers
// it may still be asleep when the tests end. It is the library's, and ends
// by itself; every goroutine of this package is still checked.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}
