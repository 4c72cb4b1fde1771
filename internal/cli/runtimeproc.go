package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"islet/internal/egress"
	"islet/internal/sandbox"
	"islet/internal/supervisor"
	"islet/internal/v8"
)

// runRuntimeProcess runs a runtime process of a platform supervisor (runPlatformSupervisor)
// until ctx ends, SIGTERM arrives or the supervisor stops feeding it. It serves HTTP on its
// Unix socket the workers the supervisor sends it on descriptor supervisor.FeedFD: only those
// routed to this process, with their secrets opened. It connects to no NATS, holds no key and
// no credential, keeps no cache, and opens no network connection itself: its workers' outbound
// fetches are connected by the supervisor (descriptor supervisor.BrokerFD, package egress),
// which applies the egress rules. Once its listener is open it enters the sandbox, where it
// can open no file and no socket and run no program.
func runRuntimeProcess(ctx context.Context, flags nodeFlags, pf platformFlags, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	conn, err := inheritedConn(supervisor.FeedFD, "feed")
	if err != nil {
		return fmt.Errorf("runtime process %d: %w", flags.proc.index, err)
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }() // ends a read that waits for the next State
	bconn, err := inheritedConn(supervisor.BrokerFD, "egress broker")
	if err != nil {
		return fmt.Errorf("runtime process %d: %w", flags.proc.index, err)
	}
	defer bconn.Close()
	ub, ok := bconn.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("runtime process %d: descriptor %d is not a Unix socket", flags.proc.index, supervisor.BrokerFD)
	}
	egress.SetBroker(egress.NewBrokerClient(ub))

	ln, release, err := flags.proc.listen(flags.listen, nil)
	if err != nil {
		return err
	}
	defer release()
	defer ln.Close()
	box := sandbox.Options{NoSockets: true, Log: log}
	if err := sandbox.Prepare(box); err != nil { // after the socket file, before V8 starts its threads
		return fmt.Errorf("runtime process %d: %w", flags.proc.index, err)
	}
	v8.Init(append(append([]string(nil), v8.DefaultFlags...), strings.Fields(flags.v8Flags)...)...)
	egress.SetAllowPrivate(flags.privateNet)
	n, err := flags.newNode(log, false)
	if err != nil {
		return err
	}
	defer n.Close()
	if _, err := sandbox.Enter(box); err != nil {
		return fmt.Errorf("runtime process %d: %w", flags.proc.index, err)
	}

	ready := make(chan struct{})
	feedErr := make(chan error, 1)
	go func() { feedErr <- n.ServeFeed(ctx, conn, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-feedErr:
		ln.Close()
		return feedEnded(ctx, flags.proc.index, err)
	case <-ctx.Done():
		ln.Close()
		return nil
	}
	fmt.Fprintf(os.Stderr, "islet serve: runtime process %d of %d (pid %d) on unix socket %s, fed by its supervisor\n",
		flags.proc.index, flags.proc.total(), os.Getpid(), flags.proc.socket)
	errc := make(chan error, 1)
	go func() { errc <- n.Serve(ctx, ln) }()
	select {
	case err := <-errc:
		return err
	case err := <-feedErr:
		if ctx.Err() != nil {
			return <-errc
		}
		// Without its feed the process would serve stale workers for ever: it stops, and the
		// supervisor (if it is still there) starts a fresh one.
		ln.Close()
		<-errc
		return feedEnded(ctx, flags.proc.index, err)
	}
}

// inheritedConn is the socket the supervisor passed this process as descriptor fd.
func inheritedConn(fd int, what string) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), what)
	if f == nil {
		return nil, fmt.Errorf("no %s socket on descriptor %d (a runtime process is started by its supervisor)", what, fd)
	}
	defer f.Close()
	conn, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("no %s socket on descriptor %d (a runtime process is started by its supervisor): %w", what, fd, err)
	}
	return conn, nil
}

// feedEnded is the error of a runtime process whose feed ended with err (nil: the supervisor
// closed it); after ctx ended it is none.
func feedEnded(ctx context.Context, index int, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = errors.New("the supervisor closed it")
	}
	return fmt.Errorf("runtime process %d: feed from the supervisor ended: %w", index, err)
}
