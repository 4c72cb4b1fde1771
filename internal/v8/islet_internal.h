// islet_internal.h: what the binding's C++ files share (islet_v8.cc, islet_webassembly.cc). C++ only;
// Go sees islet_v8.h alone.
#ifndef ISLET_INTERNAL_H
#define ISLET_INTERNAL_H

#include <v8.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "islet_v8.h"

namespace islet {

// CountingAllocator backs one isolate's ArrayBuffers and counts its Wasm memories too (see
// islet_webassembly.cc: V8 allocates those through the page allocator, not through this class). Past
// the limit an ArrayBuffer allocation fails (a RangeError in JS) and a Wasm memory cannot grow,
// so memory outside the V8 heap is bounded as well as the heap.
class CountingAllocator : public v8::ArrayBuffer::Allocator {
 public:
  explicit CountingAllocator(size_t limit) : limit_(limit) {}
  void* Allocate(size_t length) override {
    if (!Reserve(length)) return nullptr;
    void* p = calloc(length ? length : 1, 1);
    if (!p) used_ -= length;
    return p;
  }
  void* AllocateUninitialized(size_t length) override {
    if (!Reserve(length)) return nullptr;
    void* p = malloc(length ? length : 1);
    if (!p) used_ -= length;
    return p;
  }
  void Free(void* data, size_t length) override {
    free(data);
    used_ -= length;
  }
  size_t used() const { return used_.load(); }
  size_t limit() const { return limit_; }
  // Reserve counts length bytes if they fit under the limit and reports whether they did.
  bool Reserve(size_t length) {
    size_t now = used_.fetch_add(length) + length;
    if (limit_ && now > limit_) {
      used_ -= length;
      return false;
    }
    return true;
  }
  // Charge counts length bytes whatever the limit and reports whether the total still fits.
  bool Charge(size_t length) {
    size_t now = used_.fetch_add(length) + length;
    return !limit_ || now <= limit_;
  }
  void Release(size_t length) { used_ -= length; }

 private:
  size_t limit_;
  std::atomic<size_t> used_{0};
};

struct ModuleEntry {
  v8::Global<v8::Module> module;
  std::string url;
  // For a synthetic module (an uploaded .wasm file): the value of its default export.
  v8::Global<v8::Value> synthetic_default;
};

struct Rejection {
  v8::Global<v8::Promise> promise;
  v8::Global<v8::Value> reason;
};

}  // namespace islet

struct islet_isolate {
  v8::Isolate* isolate = nullptr;
  std::unique_ptr<islet::CountingAllocator> allocator;
  v8::StartupData startup{nullptr, 0};
  // Bytes of the runtime's shared sources (islet_source) this isolate's heap refers to: counted
  // by V8 as its external memory, though they exist once in the process.
  size_t shared_source_bytes = 0;
  v8::Global<v8::Context> context;
  v8::Global<v8::Object> rt;
  v8::Global<v8::Object> host;
  uintptr_t go_handle = 0;
  std::vector<islet::ModuleEntry> modules;
  std::vector<v8::Global<v8::Value>> handles;
  std::vector<int> free_handles;
  std::vector<islet::Rejection> rejections;
  // rt.host functions by name, looked up once: a turn costs no property lookup.
  std::unordered_map<std::string, v8::Global<v8::Function>> host_fns;
  // oom is set when the isolate went past a memory limit (the V8 heap's, or an unrefusable Wasm
  // memory allocation past the allocator's); the entry that sees it condemns the isolate.
  std::atomic<bool> oom{false};
  bool condemned = false;
  // wasm_privileged is true only while the host compiles an uploaded .wasm module: V8's Wasm
  // code generation callback allows compiling bytes then and never for the worker's own JS.
  bool wasm_privileged = false;
  // Bytes of address space the isolate's Wasm memories have reserved (islet_webassembly.cc).
  std::atomic<size_t> wasm_reserved{0};
};

namespace islet {

// Shared helpers, defined in islet_v8.cc.
char* CopyOut(const char* p, size_t n);
void Utf8(v8::Isolate* isolate, v8::Local<v8::String> s, std::string* out);
v8::Local<v8::String> NewString(v8::Isolate* isolate, const char* p, size_t n);
void SetError(islet_error* err, int kind, const std::string& message, const std::string& stack);
// Finish classifies how an entry ended and clears any termination so the next turn runs.
int Finish(islet_isolate* iso, v8::TryCatch& tc, islet_error* err);

// Entry holds everything one Go→V8 call needs: the lock, the isolate and context scopes, the
// thread's stack limit, the frozen clock, and the isolate the thread is running (for the memory
// accounting of islet_webassembly.cc).
class Entry {
 public:
  explicit Entry(islet_isolate* iso);
  ~Entry();
  v8::Local<v8::Context> context() const { return context_; }

 private:
  v8::Locker locker_;
  v8::Isolate::Scope scope_;
  v8::HandleScope handles_;
  v8::Local<v8::Context> context_;
  v8::Context::Scope context_scope_;
  islet_isolate* prev_;
};

// Wasm support, defined in islet_webassembly.cc.

// InstallWasmGuards replaces WebAssembly.compile and WebAssembly.instantiate on a new context's
// WebAssembly object with functions that refuse bytes with a clear error.
void InstallWasmGuards(v8::Isolate* isolate, v8::Local<v8::Context> ctx);
// SetupWasm installs an isolate's Wasm callbacks (code generation, Module constructor).
void SetupWasm(islet_isolate* iso);
// WrapPageAllocator returns a page allocator that counts Wasm memories against the isolate
// running on the calling thread; it is created once and kept for the process lifetime.
v8::PageAllocator* WrapPageAllocator(v8::PageAllocator* inner);
// CurrentIsolate is the isolate the calling thread runs (set by Entry), or null.
islet_isolate* CurrentIsolate();
void SetCurrentIsolate(islet_isolate* iso);
// ForgetWasmMemory drops any accounting left for iso after its V8 isolate was disposed.
void ForgetWasmMemory(islet_isolate* iso);

}  // namespace islet

#endif
