package supervisor

import (
	"os"
	"syscall"
)

// FeedFD is the file descriptor on which a runtime process of a supervisor with a feed
// (Options.Feed) receives its workers: a connected Unix stream socket, the first of
// exec.Cmd's ExtraFiles.
const FeedFD = 3

// socketPair returns the two ends of a new connected Unix stream socket, neither inherited by
// processes started later unless passed explicitly.
func socketPair() (mine, theirs *os.File, err error) {
	syscall.ForkLock.RLock()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
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
