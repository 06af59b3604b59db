package auth

import (
	"context"
	"sync"
	"time"
)

// MemoryStore is a Store in process memory, for a single server. Expired
// sessions are swept as new ones are created, so it stays bounded by the
// sessions created within TTL plus the retention of expired markers.
type MemoryStore struct {
	ttl time.Duration

	mu        sync.Mutex
	sessions  map[string]Session
	expired   map[string]time.Time // id → when the expired marker may be forgotten
	lastSweep time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore whose sessions expire ttl
// after their last use.
func NewMemoryStore(ttl time.Duration) *MemoryStore {
	return &MemoryStore{
		ttl:       ttl,
		sessions:  make(map[string]Session),
		expired:   make(map[string]time.Time),
		lastSweep: time.Now(),
	}
}

// Create implements Store.
func (m *MemoryStore) Create(_ context.Context, s Session) (Session, error) {
	now := time.Now()
	s.ID = newID()
	s.ExpiresAt = now.Add(m.ttl)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	m.sessions[s.ID] = s
	return s, nil
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, id string) (Session, error) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		if forget, ok := m.expired[id]; ok && now.Before(forget) {
			return Session{}, ErrExpired
		}
		return Session{}, ErrNotFound
	}
	if !now.Before(s.ExpiresAt) {
		m.expire(id, s)
		return Session{}, ErrExpired
	}
	s.ExpiresAt = now.Add(m.ttl)
	m.sessions[id] = s
	return s, nil
}

// Delete implements Store.
func (m *MemoryStore) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	delete(m.expired, id)
	return nil
}

// expire turns a session into an expired marker. m.mu must be held.
func (m *MemoryStore) expire(id string, s Session) {
	delete(m.sessions, id)
	m.expired[id] = s.ExpiresAt.Add(expiredRetention)
}

// sweep drops expired sessions and stale markers, at most once per TTL.
// m.mu must be held.
func (m *MemoryStore) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < m.ttl {
		return
	}
	m.lastSweep = now
	for id, s := range m.sessions {
		if !now.Before(s.ExpiresAt) {
			m.expire(id, s)
		}
	}
	for id, forget := range m.expired {
		if !now.Before(forget) {
			delete(m.expired, id)
		}
	}
}
