package sandbox

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SelfTest tries, from inside a sandbox entered with o, operations it must refuse, and returns
// one Probe each (with o.NoSockets, opening IPv4, IPv6 and Unix sockets too). A probe counts as refused only when it failed with EPERM, EACCES or ENOSYS (what the
// filters and Landlock return), not with any other error. None of them changes anything when
// it is wrongly allowed: the mount names a path that does not exist, unshare runs on a thread
// that is thrown away, and bpf and io_uring get invalid arguments.
func SelfTest(o Options) []Probe {
	type probe struct {
		name string
		try  func() error
	}
	probes := []probe{
		{"open_file", func() error { return openFile("/etc/passwd") }},
		{"create_file", func() error {
			f, err := os.Create(filepath.Join(os.TempDir(), "islet-sandbox-probe"))
			if err == nil {
				f.Close()
				os.Remove(f.Name())
			}
			return err
		}},
		{"exec", func() error { return exec.Command("/bin/true").Run() }},
		{"socket_netlink", func() error { return socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE) }},
		{"socket_packet", func() error { return socket(unix.AF_PACKET, unix.SOCK_RAW, 0) }},
		{"socket_raw_inet", func() error { return socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP) }},
		{"tcp_listen", func() error {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err == nil {
				ln.Close()
			}
			return err
		}},
		{"ptrace", func() error { return unix.PtraceAttach(os.Getpid()) }},
		{"mount", func() error { return unix.Mount("none", "/nonexistent-islet-probe", "tmpfs", 0, "") }},
		{"unshare", func() error { return onThrowawayThread(func() error { return unix.Unshare(unix.CLONE_NEWNET) }) }},
		{"bpf", func() error { return rawErr(unix.Syscall(unix.SYS_BPF, 0, 0, 0)) }},
		{"io_uring", func() error { return rawErr(unix.Syscall(unix.SYS_IO_URING_SETUP, 0, 0, 0)) }},
		// In no allowlist row and no denylist row, and outside Landlock's rights: only the
		// allowlist refuses it (wrongly allowed, it fails with ENOENT on the missing path).
		{"not_allowlisted", func() error { return unix.Setxattr("/nonexistent-islet-probe", "user.islet", []byte("x"), 0) }},
		{"tiocsti", func() error {
			c := byte('x')
			// On no descriptor (-1): wrongly allowed, it fails with EBADF and types nothing.
			return rawErr(unix.Syscall(unix.SYS_IOCTL, ^uintptr(0), unix.TIOCSTI, uintptr(unsafe.Pointer(&c))))
		}},
	}
	if o.NoSockets {
		probes = append(probes,
			probe{"socket_inet", func() error { return socket(unix.AF_INET, unix.SOCK_STREAM, 0) }},
			probe{"socket_inet6", func() error { return socket(unix.AF_INET6, unix.SOCK_DGRAM, 0) }},
			probe{"socket_unix", func() error { return socket(unix.AF_UNIX, unix.SOCK_STREAM, 0) }},
			probe{"socketpair", func() error {
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
				if err == nil {
					unix.Close(fds[0])
					unix.Close(fds[1])
				}
				return err
			}})
	}
	out := make([]Probe, 0, len(probes))
	for _, p := range probes {
		err := p.try()
		out = append(out, Probe{Name: p.name, Refused: Refused(err), Err: err})
	}
	return out
}

// Refused reports whether err is how the sandbox refuses an operation.
func Refused(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.ENOSYS)
}

func openFile(path string) error {
	f, err := os.Open(path)
	if err == nil {
		f.Close()
	}
	return err
}

func socket(domain, typ, proto int) error {
	fd, err := unix.Socket(domain, typ|unix.SOCK_CLOEXEC, proto)
	if err == nil {
		unix.Close(fd)
	}
	return err
}

func rawErr(_, _ uintptr, errno syscall.Errno) error {
	if errno == 0 {
		return nil
	}
	return errno
}

// onThrowawayThread runs f on an OS thread that exits afterwards (its goroutine ends locked),
// so whatever f changes about its thread dies with it.
func onThrowawayThread(f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		done <- f()
	}()
	return <-done
}
