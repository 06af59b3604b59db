package fleet

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/gitpulse/gitpulse/internal/fault"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/index"
	"github.com/gitpulse/gitpulse/internal/repourl"
	"github.com/gitpulse/gitpulse/internal/testredis"
	"github.com/gitpulse/gitpulse/internal/testrepo"
)

func newQueue(t *testing.T) (*Queue, redis.UniversalClient) {
	t.Helper()
	rs := testredis.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	t.Cleanup(func() { rdb.Close() })
	q, err := NewQueue(rdb)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q, rdb
}

// TestEnqueueIsOncePerRepository: a second request for a queued
// repository is "already queued" (one task; a push among them is kept
// so that the job fetches), a job given up is reported
// with its kind and message and tried again when asked again.
func TestEnqueueIsOncePerRepository(t *testing.T) {
	q, rdb := newQueue(t)
	ctx := context.Background()
	info, err := repourl.Parse("https://github.com/owner/name")
	if err != nil {
		t.Fatal(err)
	}
	for _, refresh := range []bool{false, true, false} {
		if err := q.Enqueue(ctx, info, refresh); err != nil {
			t.Fatalf("Enqueue(refresh %t): %v", refresh, err)
		}
	}
	if n, _ := rdb.Exists(ctx, keyAgain+info.Key).Result(); n != 1 {
		t.Error("a push for a queued repository left no word that it must fetch")
	}
	qi, err := q.inspector.GetQueueInfo(QueueName)
	if err != nil || qi.Size != 1 || qi.Pending != 1 {
		t.Fatalf("queue after three requests for one repository: %+v %v", qi, err)
	}
	if pending, failed, err := q.Job(ctx, info.Key); !pending || failed != nil || err != nil {
		t.Fatalf("Job: pending %t, failed %v, %v", pending, failed, err)
	}

	// Given up: reported as the worker recorded it.
	if err := q.inspector.ArchiveTask(QueueName, info.Key); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(failure{Kind: fault.NotFound, Message: "repository not found"})
	rdb.Set(ctx, keyFailed+info.Key, raw, time.Minute)
	pending, failed, err := q.Job(ctx, info.Key)
	if pending || err != nil || fault.KindOf(failed) != fault.NotFound || fault.Message(failed) != "repository not found" {
		t.Fatalf("Job of a given-up task: pending %t, failed %v, %v", pending, failed, err)
	}
	if err := q.Enqueue(ctx, info, false); err != nil {
		t.Fatal(err)
	}
	ti, err := q.inspector.GetTaskInfo(QueueName, info.Key)
	if err != nil || ti.State != asynq.TaskStatePending || ti.Type != TypePrepare {
		t.Fatalf("asked again after it was given up: %+v %v", ti, err)
	}
}

// TestPublishedIndexRoundTrip: an index published by a worker is loaded
// whole by an API instance; a damaged one is refused, never served.
func TestPublishedIndexRoundTrip(t *testing.T) {
	q, rdb := newQueue(t)
	ctx := context.Background()
	r := testrepo.New(t)
	for i := range 3 {
		r.Commit(testrepo.Commit{Files: map[string][]byte{"f.txt": []byte(string(rune('a' + i)))}})
	}
	git, err := gitcli.New(ctx, gitcli.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := (&index.Builder{Git: git}).Build(ctx, r.Dir+"/.git", nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := NewPublisher(rdb)
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan string, 4)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go q.Subscribe(sctx, func(key string) { events <- key })
	time.Sleep(100 * time.Millisecond) // subscribed

	if _, ok, err := q.Latest(ctx, "k"); ok || err != nil {
		t.Fatalf("Latest before any publication: %t %v", ok, err)
	}
	checked := time.Now()
	if err := pub.Index(ctx, "k", x, checked); err != nil {
		t.Fatal(err)
	}
	select {
	case key := <-events:
		if key != "k" {
			t.Errorf("announced %q", key)
		}
	case <-time.After(5 * time.Second):
		t.Error("the publication was not announced")
	}
	p, ok, err := q.Latest(ctx, "k")
	if !ok || err != nil || p.Head != r.Git("rev-parse", "HEAD") || p.Commits != 3 || !p.Stats || !p.Checked.Equal(checked.UTC()) {
		t.Fatalf("Latest: %+v %t %v", p, ok, err)
	}
	y, err := q.Load(ctx, "k", p)
	if err != nil || y.Len() != 3 || y.Head() != p.Head || !y.HasStats {
		t.Fatalf("Load: %v", err)
	}

	// One byte changed in Redis: the checksums refuse it.
	blob, _ := rdb.Get(ctx, blobKey("k", p)).Bytes()
	data, _ := q.dec.DecodeAll(blob, nil)
	data[len(data)/2] ^= 0xff
	rdb.Set(ctx, blobKey("k", p), pub.enc.EncodeAll(data, nil), time.Minute)
	if _, err := q.Load(ctx, "k", p); err == nil {
		t.Error("a damaged published index was loaded")
	}
}
