package supervisor

import (
	"os"
	"syscall"
)

// The file descriptors a runtime process of a supervisor with a feed (Options.Feed) inherits:
// on FeedFD, a connected Unix stream socket, it receives its workers (package feed); on
// BrokerFD, a connected Unix seqpacket socket, it asks the supervisor for its outbound
// connections (package egress).
const (
	FeedFD   = 3
	BrokerFD = 4
)

// socketPair returns the two ends of a new connected Unix socket of type typ
// (syscall.SOCK_STREAM, SOCK_SEQPACKET), neither inherited by processes started later unless
// passed explicitly.
func socketPair(typ int) (mine, theirs *os.File, err error) {
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, typ, 0)
	if err == nil {
		syscall.CloseOnExec(fds[0])
		syscall.CloseOnExec(fds[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	return os.NewFile(uintptr(fds[0]), "feed"), os.NewFile(uintptr(fds[1]), "feed-child"), nil
}
