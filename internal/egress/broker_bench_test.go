package egress

import (
	"context"
	"net"
	"testing"

	"islet/internal/limits"
)

// BenchmarkDial is what an outbound connection costs a platform runtime process, whose
// supervisor connects for it (broker), against connecting itself (here): both to a listener
// on loopback that an egress rule opens, each connection closed at once.
func BenchmarkDial(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	rule, err := limits.ParseEgressRule("127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	p := For([]limits.EgressRule{rule})
	addr := ln.Addr().String()
	ctx := context.Background()
	b.Run("here", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			c, err := p.DialHere(ctx, "tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			c.Close()
		}
	})
	b.Run("broker", func(b *testing.B) {
		bp := startBroker(b, func(key string) *Policy {
			if key == p.Key() {
				return p
			}
			return nil
		})
		for i := 0; i < b.N; i++ {
			c, err := bp.client.Dial(ctx, p, "tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			c.Close()
		}
	})
}
