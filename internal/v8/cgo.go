package v8

// All cgo flags of the project live here. scripts/deps.sh puts V8 13.6 (Debian's libnode137)
// and the whole closure of shared libraries it needs, glibc included, in the private sysroot
// third_party/sysroot. Every binary that links this package gets an RPATH (not RUNPATH, so the
// libraries' own dependencies resolve in the sysroot too) and the sysroot's dynamic loader as its
// program interpreter, so it runs without LD_LIBRARY_PATH and without touching the system's
// libraries. `make dist` packs a binary with the sysroot's libraries and a launcher for machines
// that lack them.

/*
#cgo CXXFLAGS: -std=c++20 -O2 -fno-rtti -I${SRCDIR}/../../third_party/sysroot/usr/include/node
#cgo LDFLAGS: -L${SRCDIR}/../../third_party/sysroot/usr/lib/x86_64-linux-gnu -lnode -lstdc++ -lpthread
#cgo LDFLAGS: -Wl,--allow-shlib-undefined -Wl,--disable-new-dtags -Wl,-rpath,${SRCDIR}/../../third_party/sysroot/usr/lib/x86_64-linux-gnu
#cgo LDFLAGS: -Wl,--dynamic-linker=${SRCDIR}/../../third_party/sysroot/usr/lib64/ld-linux-x86-64.so.2
*/
import "C"
