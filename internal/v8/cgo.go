package v8

// All cgo flags of the project live here. scripts/deps.sh puts Debian's libnode (V8 10.2)
// in third_party/libnode; the rpath lets binaries find it without installing it system-wide.

/*
#cgo CXXFLAGS: -std=c++17 -O2 -fno-rtti -Wno-deprecated-declarations -I${SRCDIR}/../../third_party/libnode/usr/include/node
#cgo LDFLAGS: -L${SRCDIR}/../../third_party/libnode/usr/lib/x86_64-linux-gnu -lnode -Wl,-rpath,${SRCDIR}/../../third_party/libnode/usr/lib/x86_64-linux-gnu -lstdc++ -lpthread
*/
import "C"
