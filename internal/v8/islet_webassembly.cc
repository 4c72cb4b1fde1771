// islet_webassembly.cc: WebAssembly in islet isolates. (Not "islet_wasm.cc": Go would read the
// _wasm suffix as a GOARCH constraint and leave the file out.)
//
// - Worker code never compiles Wasm from bytes: V8's Wasm code generation callback allows it
//   only while the host compiles a .wasm file uploaded with the worker (islet_module_wasm), and
//   WebAssembly.compile / instantiate(bytes) / new WebAssembly.Module say so in their error.
//   An uploaded .wasm file is imported as a synthetic module whose default export is its
//   WebAssembly.Module; WebAssembly.instantiate(module, imports) works on it.
// - Wasm memories count against the isolate's memory limit. V8 13.6 (as 10.2 did) allocates them
//   through the platform's page allocator, not the ArrayBuffer allocator (measured: a 5-page
//   memory leaves the ArrayBuffer allocator at 0 bytes; a memory is one kNoAccess reservation of
//   its maximum aligned to 64 KiB, then SetPermissions(kReadWrite) from its start per grow; Wasm
//   code space is reserved kNoAccessWillJitLater at 4 KiB), so the page allocator is wrapped: a Wasm memory is a
//   reservation of inaccessible pages aligned to the 64 KiB Wasm page, and its size is what was
//   made read-write from its start. That is charged to the CountingAllocator of the isolate the
//   thread runs. A grow past the limit is refused (memory.grow returns -1, Memory.grow throws a
//   RangeError), and so is the copy into a bigger memory V8 tries next; a memory's first commit
//   cannot be refused (V8 aborts the process when it fails), so a new memory that goes past the
//   limit is charged, and the isolate is terminated and condemned as if its heap had run out.
//   (A memory created with 0 pages counts its first grow as its first commit.)
#include <v8.h>

#include <map>
#include <mutex>

#include "_cgo_export.h"
#include "islet_internal.h"
#include "islet_v8.h"

using v8::Context;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::MaybeLocal;
using v8::Module;
using v8::Object;
using v8::Promise;
using v8::String;
using v8::TryCatch;
using v8::Value;

namespace islet {

namespace {

constexpr char kRefused[] =
    "Wasm code generation from bytes is refused in workers: upload the .wasm file with the worker, import it "
    "(import mod from \"./mod.wasm\") and pass that WebAssembly.Module to WebAssembly.instantiate(mod, imports)";

// kWasmPageSize is the alignment V8 13.6 reserves a Wasm memory with; nothing else it allocates
// through the page allocator uses it (heap pages are aligned to 256 KiB, code to 4 KiB).
constexpr size_t kWasmPageSize = 64 * 1024;

// kMaxWasmReservation bounds the address space one isolate's live Wasm memories may reserve.
// V8 reserves a memory's whole maximum up front (1 GiB with --wasm-max-mem-pages=16384) and
// caps all reservations of the process at about 1 TiB, so without a per-isolate bound one
// worker could keep every other worker from creating a Wasm memory.
constexpr size_t kMaxWasmReservation = size_t(8) << 30;

thread_local islet_isolate* tl_current = nullptr;

// tl_grow_refused is set when this thread refused to grow a Wasm memory in place and cleared when
// the next call into an isolate starts. V8 then tries to grow by copying into a new memory, whose
// first commit could not be refused: its reservation is refused instead.
thread_local bool tl_grow_refused = false;

islet_isolate* IsolateOf(Isolate* isolate) { return static_cast<islet_isolate*>(isolate->GetData(0)); }

Local<Value> Refusal(Isolate* isolate, const char* api) {
  std::string msg = std::string(api) + ": " + kRefused;
  return v8::Exception::WasmCompileError(NewString(isolate, msg.data(), msg.size()));
}

void ReturnRejected(const FunctionCallbackInfo<Value>& info, Local<Value> reason) {
  Local<Context> ctx = info.GetIsolate()->GetCurrentContext();
  Local<Promise::Resolver> r;
  if (!Promise::Resolver::New(ctx).ToLocal(&r)) return;
  if (r->Reject(ctx, reason).IsNothing()) return;
  info.GetReturnValue().Set(r->GetPromise());
}

bool AllowWasmCodeGen(Local<Context> context, Local<String>) {
  islet_isolate* iso = IsolateOf(context->GetIsolate());
  return iso != nullptr && iso->wasm_privileged;
}

// ModuleConstructorGuard runs before V8's `new WebAssembly.Module(bytes)` and answers for it:
// true means it threw.
bool ModuleConstructorGuard(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  islet_isolate* iso = IsolateOf(isolate);
  if (iso != nullptr && iso->wasm_privileged) return false;
  isolate->ThrowException(Refusal(isolate, "WebAssembly.Module()"));
  return true;
}

MaybeLocal<Value> EvaluateWasmModule(Local<Context> context, Local<Module> module) {
  Isolate* isolate = context->GetIsolate();
  islet_isolate* iso = IsolateOf(isolate);
  for (auto& m : iso->modules) {
    if (m.module == module && !m.synthetic_default.IsEmpty()) {
      if (module->SetSyntheticModuleExport(isolate, String::NewFromUtf8Literal(isolate, "default"),
                                           m.synthetic_default.Get(isolate))
              .IsNothing()) {
        return MaybeLocal<Value>();
      }
      break;
    }
  }
  Local<Promise::Resolver> r;
  if (!Promise::Resolver::New(context).ToLocal(&r) || r->Resolve(context, v8::Undefined(isolate)).IsNothing()) {
    return MaybeLocal<Value>();
  }
  return r->GetPromise();
}

// WasmAccountingPageAllocator is the platform's page allocator with Wasm memories counted (see
// the file comment). Every call is forwarded; only Wasm memory regions are tracked.
class WasmAccountingPageAllocator : public v8::PageAllocator {
 public:
  explicit WasmAccountingPageAllocator(v8::PageAllocator* inner) : inner_(inner) {}

  size_t AllocatePageSize() override { return inner_->AllocatePageSize(); }
  size_t CommitPageSize() override { return inner_->CommitPageSize(); }
  void SetRandomMmapSeed(int64_t seed) override { inner_->SetRandomMmapSeed(seed); }
  void* GetRandomMmapAddr() override { return inner_->GetRandomMmapAddr(); }
  bool ReleasePages(void* address, size_t length, size_t new_length) override {
    return inner_->ReleasePages(address, length, new_length);
  }
  bool DiscardSystemPages(void* address, size_t size) override { return inner_->DiscardSystemPages(address, size); }
  bool DecommitPages(void* address, size_t size) override { return inner_->DecommitPages(address, size); }
  bool RecommitPages(void* address, size_t length, Permission access) override {
    return inner_->RecommitPages(address, length, access);
  }
  bool SealPages(void* address, size_t length) override { return inner_->SealPages(address, length); }
  bool ReserveForSharedMemoryMapping(void* address, size_t size) override {
    return inner_->ReserveForSharedMemoryMapping(address, size);
  }
  std::unique_ptr<SharedMemory> AllocateSharedPages(size_t length, const void* original_address) override {
    return inner_->AllocateSharedPages(length, original_address);
  }
  bool CanAllocateSharedPages() override { return inner_->CanAllocateSharedPages(); }

  void* AllocatePages(void* hint, size_t length, size_t alignment, Permission access) override {
    islet_isolate* iso = tl_current;
    if (iso == nullptr || alignment != kWasmPageSize || access != kNoAccess) {
      return inner_->AllocatePages(hint, length, alignment, access);
    }
    // A Wasm memory's reservation: refused (V8 then throws a RangeError) when the isolate has
    // reserved too much address space or has no memory left to commit.
    size_t before = iso->wasm_reserved.fetch_add(length);
    CountingAllocator* a = iso->allocator.get();
    if (tl_grow_refused || before + length > kMaxWasmReservation || (a->limit() && a->used() >= a->limit())) {
      iso->wasm_reserved -= length;
      return nullptr;
    }
    void* p = inner_->AllocatePages(hint, length, alignment, access);
    if (p == nullptr) {
      iso->wasm_reserved -= length;
      return nullptr;
    }
    std::lock_guard<std::mutex> lock(mu_);
    regions_[reinterpret_cast<uintptr_t>(p)] = Region{length, 0, iso};
    return p;
  }

  bool FreePages(void* address, size_t length) override {
    Region r{};
    bool found = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = regions_.find(reinterpret_cast<uintptr_t>(address));
      if (it != regions_.end()) {
        r = it->second;
        regions_.erase(it);
        found = true;
      }
    }
    if (found) {
      r.owner->allocator->Release(r.committed);
      r.owner->wasm_reserved -= r.size;
    }
    return inner_->FreePages(address, length);
  }

  bool SetPermissions(void* address, size_t length, Permission access) override {
    if (access != kReadWrite) return inner_->SetPermissions(address, length, access);
    uintptr_t addr = reinterpret_cast<uintptr_t>(address);
    islet_isolate* owner = nullptr;
    size_t delta = 0;
    bool grow = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = regions_.find(addr);
      if (it != regions_.end() && length > it->second.committed && length <= it->second.size) {
        owner = it->second.owner;
        delta = length - it->second.committed;
        grow = it->second.committed > 0;
      }
    }
    if (owner == nullptr) return inner_->SetPermissions(address, length, access);
    CountingAllocator* a = owner->allocator.get();
    if (grow) {
      if (!a->Reserve(delta)) {
        tl_grow_refused = true;
        return false;  // memory.grow fails: -1 in Wasm, RangeError in JS
      }
    } else if (!a->Charge(delta)) {
      // The first commit of a memory cannot fail; stop the worker instead.
      owner->oom = true;
      owner->isolate->TerminateExecution();
    }
    if (!inner_->SetPermissions(address, length, access)) {
      a->Release(delta);
      return false;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = regions_.find(addr);
    if (it != regions_.end() && length > it->second.committed) it->second.committed = length;
    return true;
  }

  // Forget drops the regions of an isolate that is gone.
  void Forget(islet_isolate* iso) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = regions_.begin(); it != regions_.end();) {
      it = it->second.owner == iso ? regions_.erase(it) : std::next(it);
    }
  }

 private:
  struct Region {
    size_t size;       // reserved bytes
    size_t committed;  // bytes made read-write from the start, as charged
    islet_isolate* owner;
  };
  v8::PageAllocator* inner_;
  std::mutex mu_;
  std::map<uintptr_t, Region> regions_;
};

std::atomic<WasmAccountingPageAllocator*> g_page_allocator{nullptr};
std::mutex g_page_allocator_mu;

}  // namespace

islet_isolate* CurrentIsolate() { return tl_current; }
void SetCurrentIsolate(islet_isolate* iso) {
  tl_current = iso;
  tl_grow_refused = false;
}

v8::PageAllocator* WrapPageAllocator(v8::PageAllocator* inner) {
  if (auto* p = g_page_allocator.load()) return p;
  std::lock_guard<std::mutex> lock(g_page_allocator_mu);
  if (auto* p = g_page_allocator.load()) return p;
  auto* p = new WasmAccountingPageAllocator(inner);  // kept for the process lifetime
  g_page_allocator.store(p);
  return p;
}

void ForgetWasmMemory(islet_isolate* iso) {
  if (auto* p = g_page_allocator.load()) p->Forget(iso);
}

void WasmCompileGuard(const FunctionCallbackInfo<Value>& info) {
  ReturnRejected(info, Refusal(info.GetIsolate(), "WebAssembly.compile()"));
}

// FunctionsKey names the private property islet_module_wasm puts on each uploaded
// WebAssembly.Module: the size of its function index space (see wasmFacts in Go).
Local<v8::Private> FunctionsKey(Isolate* isolate) {
  return v8::Private::ForApi(isolate, String::NewFromUtf8Literal(isolate, "islet.wasmFunctions"));
}

// InstanceAllowed asks the isolate's Go side (Callbacks.WasmInstance) whether an instance of
// module may be made: each takes up to that many entries of V8's function table. It returns
// the refusal's RangeError, or an empty value when the instance may be made.
Local<Value> InstanceRefusal(Isolate* isolate, Local<Value> module) {
  if (!module->IsWasmModuleObject()) return Local<Value>();
  islet_isolate* iso = IsolateOf(isolate);
  Local<Value> n;
  if (iso == nullptr ||
      !module.As<Object>()->GetPrivate(isolate->GetCurrentContext(), FunctionsKey(isolate)).ToLocal(&n) ||
      !n->IsInt32()) {
    return Local<Value>();
  }
  char msg[512];
  size_t len = 0;
  if (isletGoWasmInstance(iso->go_handle, n.As<v8::Int32>()->Value(), msg, sizeof msg, &len) == 0) {
    return Local<Value>();
  }
  return v8::Exception::RangeError(NewString(isolate, msg, len));
}

// InstanceConstructorGuard runs before V8's `new WebAssembly.Instance(module, imports)`: true
// means it threw (InstanceRefusal), false lets V8 go on.
bool InstanceConstructorGuard(const FunctionCallbackInfo<Value>& info) {
  if (info.Length() < 1) return false;
  Local<Value> refusal = InstanceRefusal(info.GetIsolate(), info[0]);
  if (refusal.IsEmpty()) return false;
  info.GetIsolate()->ThrowException(refusal);
  return true;
}

void WasmInstantiateGuard(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() > 0 && (info[0]->IsArrayBuffer() || info[0]->IsArrayBufferView())) {
    ReturnRejected(info, Refusal(isolate, "WebAssembly.instantiate()"));
    return;
  }
  if (info.Length() > 0) {
    Local<Value> refusal = InstanceRefusal(isolate, info[0]);
    if (!refusal.IsEmpty()) {
      ReturnRejected(info, refusal);
      return;
    }
  }
  // A WebAssembly.Module (or anything else, which V8 rejects with a TypeError) goes to V8's own
  // WebAssembly.instantiate, kept in the guard's data.
  Local<Value> original = info.Data();
  if (!original->IsFunction()) return;
  std::vector<Local<Value>> argv;
  for (int i = 0; i < info.Length(); i++) argv.push_back(info[i]);
  Local<Value> result;
  if (original.As<Function>()
          ->Call(isolate->GetCurrentContext(), info.This(), static_cast<int>(argv.size()), argv.data())
          .ToLocal(&result)) {
    info.GetReturnValue().Set(result);
  }
}

constexpr char kSharedRefused[] =
    "WebAssembly.Memory(): shared memories are not available in workers (islet has no SharedArrayBuffer)";

// WasmMemoryGuard stands in for WebAssembly.Memory: a descriptor asking for a shared memory is
// a TypeError (a shared memory's buffer is a SharedArrayBuffer, which V8 13.6 hands out whatever
// the SharedArrayBuffer constructor's state), anything else is V8's own constructor, kept in the
// guard's data. The descriptor is read once and passed on as a copy, so a getter cannot answer
// "not shared" here and "shared" to V8.
void WasmMemoryGuard(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  Local<Context> ctx = isolate->GetCurrentContext();
  if (!info.IsConstructCall()) {
    isolate->ThrowException(v8::Exception::TypeError(
        String::NewFromUtf8Literal(isolate, "WebAssembly.Memory must be invoked with 'new'")));
    return;
  }
  Local<Value> original = info.Data();
  if (!original->IsFunction()) return;
  Local<Value> arg = info.Length() > 0 ? info[0] : Local<Value>(v8::Undefined(isolate));
  if (arg->IsObject()) {
    Local<Object> desc = arg.As<Object>();
    Local<Object> copy = Object::New(isolate);
    const char* keys[] = {"address", "index", "initial", "minimum", "maximum"};
    for (const char* k : keys) {
      Local<String> key;
      Local<Value> v;
      if (!String::NewFromUtf8(isolate, k).ToLocal(&key) || !desc->Get(ctx, key).ToLocal(&v)) return;
      if (!v->IsUndefined() && copy->Set(ctx, key, v).IsNothing()) return;
    }
    Local<Value> shared;
    if (!desc->Get(ctx, String::NewFromUtf8Literal(isolate, "shared")).ToLocal(&shared)) return;
    if (shared->BooleanValue(isolate)) {
      isolate->ThrowException(v8::Exception::TypeError(String::NewFromUtf8Literal(isolate, kSharedRefused)));
      return;
    }
    arg = copy;
  }
  Local<Object> memory;
  if (!original.As<Function>()->NewInstance(ctx, 1, &arg).ToLocal(&memory)) return;
  // A subclass (class M extends WebAssembly.Memory) gets its own prototype, as Reflect.construct
  // with its new.target would give it.
  Local<Value> target = info.NewTarget();
  if (target->IsObject()) {
    Local<Value> proto;
    if (!target.As<Object>()->Get(ctx, String::NewFromUtf8Literal(isolate, "prototype")).ToLocal(&proto)) return;
    if (proto->IsObject() && memory->SetPrototypeV2(ctx, proto).IsNothing()) return;
  }
  info.GetReturnValue().Set(memory);
}

// InstallMemoryGuard replaces WebAssembly.Memory with WasmMemoryGuard. The guard shares the
// original's prototype object, so instanceof, and memories from Wasm instances, are unchanged;
// the prototype's constructor is the guard, so no script reaches the original.
void InstallMemoryGuard(Isolate* isolate, Local<Context> ctx, Local<Object> wasm) {
  Local<String> name = String::NewFromUtf8Literal(isolate, "Memory");
  Local<Value> original;
  if (!wasm->Get(ctx, name).ToLocal(&original) || !original->IsFunction()) return;
  Local<Value> proto;
  if (!original.As<Object>()->Get(ctx, String::NewFromUtf8Literal(isolate, "prototype")).ToLocal(&proto) ||
      !proto->IsObject()) {
    return;
  }
  Local<Function> guard;
  if (!Function::New(ctx, WasmMemoryGuard, original, 1, v8::ConstructorBehavior::kAllow).ToLocal(&guard)) return;
  guard->SetName(name);
  Local<String> prototype = String::NewFromUtf8Literal(isolate, "prototype");
  auto fixed = static_cast<v8::PropertyAttribute>(v8::ReadOnly | v8::DontEnum | v8::DontDelete);
  if (guard->DefineOwnProperty(ctx, prototype, proto, fixed).IsNothing() ||
      proto.As<Object>()
          ->DefineOwnProperty(ctx, String::NewFromUtf8Literal(isolate, "constructor"), guard, v8::DontEnum)
          .IsNothing()) {
    return;
  }
  // Check: an isolate whose guard could not be installed must not run (it would hand out shared memory).
  wasm->DefineOwnProperty(ctx, name, guard, v8::DontEnum).Check();
}

void InstallWasmGuards(Isolate* isolate, Local<Context> ctx) {
  Local<Value> wa;
  if (!ctx->Global()->Get(ctx, String::NewFromUtf8Literal(isolate, "WebAssembly")).ToLocal(&wa) || !wa->IsObject()) {
    return;
  }
  Local<Object> w = wa.As<Object>();
  Local<Value> instantiate;
  if (!w->Get(ctx, String::NewFromUtf8Literal(isolate, "instantiate")).ToLocal(&instantiate)) return;
  struct Guard {
    const char* name;
    v8::FunctionCallback fn;
    Local<Value> data;
  } guards[] = {
      {"compile", WasmCompileGuard, v8::Undefined(isolate)},
      {"instantiate", WasmInstantiateGuard, instantiate},
  };
  for (const Guard& g : guards) {
    Local<String> name;
    Local<Function> fn;
    if (!String::NewFromUtf8(isolate, g.name).ToLocal(&name) ||
        !Function::New(ctx, g.fn, g.data, 1, v8::ConstructorBehavior::kThrow).ToLocal(&fn)) {
      return;
    }
    fn->SetName(name);
    if (w->DefineOwnProperty(ctx, name, fn, v8::DontEnum).IsNothing()) return;
  }
  InstallMemoryGuard(isolate, ctx, w);
}

void SetupWasm(islet_isolate* iso) {
  iso->isolate->SetAllowWasmCodeGenerationCallback(AllowWasmCodeGen);
  iso->isolate->SetWasmModuleCallback(ModuleConstructorGuard);
  iso->isolate->SetWasmInstanceCallback(InstanceConstructorGuard);
}

}  // namespace islet

extern "C" {

int islet_module_wasm(islet_isolate* iso, const char* url, size_t url_len, const char* bytes, size_t len,
                      int functions, int* module_id, islet_error* err) {
  if (iso->condemned) {
    islet::SetError(err, ISLET_FAIL_OOM, "the worker's isolate was condemned after reaching its memory limit", "");
    return ISLET_FAIL_OOM;
  }
  islet::Entry e(iso);
  Isolate* isolate = iso->isolate;
  TryCatch tc(isolate);
  iso->wasm_privileged = true;
  MaybeLocal<v8::WasmModuleObject> compiled = v8::WasmModuleObject::Compile(
      isolate, v8::MemorySpan<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes), len));
  iso->wasm_privileged = false;
  Local<v8::WasmModuleObject> wasm;
  if (!compiled.ToLocal(&wasm)) {
    if (tc.HasCaught() || tc.HasTerminated() || iso->oom) return islet::Finish(iso, tc, err);
    islet::SetError(err, ISLET_FAIL_INTERNAL, "V8 refused to compile the WebAssembly module", "");
    return ISLET_FAIL_INTERNAL;
  }
  if (wasm->SetPrivate(isolate->GetCurrentContext(), islet::FunctionsKey(isolate), v8::Integer::New(isolate, functions))
          .IsNothing()) {
    if (tc.HasCaught() || tc.HasTerminated() || iso->oom) return islet::Finish(iso, tc, err);
    islet::SetError(err, ISLET_FAIL_INTERNAL, "could not mark the WebAssembly module", "");
    return ISLET_FAIL_INTERNAL;
  }
  Local<String> exports[] = {String::NewFromUtf8Literal(isolate, "default")};
  Local<Module> module = Module::CreateSyntheticModule(isolate, islet::NewString(isolate, url, url_len),
                                                       v8::MemorySpan<const Local<String>>(exports, 1),
                                                       islet::EvaluateWasmModule);
  islet::ModuleEntry entry;
  entry.module.Reset(isolate, module);
  entry.url.assign(url, url_len);
  entry.synthetic_default.Reset(isolate, wasm);
  iso->modules.push_back(std::move(entry));
  *module_id = static_cast<int>(iso->modules.size() - 1);
  return ISLET_FAIL_NONE;
}

}  // extern "C"
