// islet_v8.cc: the V8 side of internal/v8. See islet_v8.h for the contracts.
#include "islet_v8.h"
#include "islet_internal.h"

#include <libplatform/libplatform.h>
#include <pthread.h>
#include <v8.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "_cgo_export.h"

using v8::ArrayBuffer;
using v8::ArrayBufferView;
using v8::Context;
using v8::EscapableHandleScope;
using v8::Function;
using v8::FunctionCallbackInfo;
using v8::FunctionTemplate;
using v8::HandleScope;
using v8::Integer;
using v8::Isolate;
using v8::Local;
using v8::Locker;
using v8::MaybeLocal;
using v8::Module;
using v8::Object;
using v8::Promise;
using v8::ScriptCompiler;
using v8::ScriptOrigin;
using v8::String;
using v8::TryCatch;
using v8::Value;

using islet::CopyOut;
using islet::Entry;
using islet::Finish;
using islet::ModuleEntry;
using islet::NewString;
using islet::Rejection;
using islet::SetError;
using islet::Utf8;

namespace {

// The time Date.now() returns on this thread while a turn runs (0: the real clock). It is
// read once when a turn starts, so a worker's clock does not advance while its JS runs and
// cannot time its own computation (a side-channel defence, as in Workers).
thread_local double tl_frozen_ms = 0;

// IsletPlatform is V8's default platform with a frozen wall clock during turns.
class IsletPlatform : public v8::Platform {
 public:
  explicit IsletPlatform(std::unique_ptr<v8::Platform> inner) : inner_(std::move(inner)) {}
  v8::Platform* inner() { return inner_.get(); }

  // Wasm memories are allocated through the page allocator; the wrapper counts them against the
  // isolate that allocates them (islet_webassembly.cc).
  v8::PageAllocator* GetPageAllocator() override { return islet::WrapPageAllocator(inner_->GetPageAllocator()); }
  void OnCriticalMemoryPressure() override { inner_->OnCriticalMemoryPressure(); }
  int NumberOfWorkerThreads() override { return inner_->NumberOfWorkerThreads(); }
  std::shared_ptr<v8::TaskRunner> GetForegroundTaskRunner(Isolate* isolate, v8::TaskPriority priority) override {
    return inner_->GetForegroundTaskRunner(isolate, priority);
  }
  bool IdleTasksEnabled(Isolate* isolate) override { return inner_->IdleTasksEnabled(isolate); }
  double MonotonicallyIncreasingTime() override { return inner_->MonotonicallyIncreasingTime(); }
  // V8 reads the wall clock through all three (Date.now and new Date() through the high
  // resolution one); each returns the frozen time while a turn runs.
  double CurrentClockTimeMillis() override {
    return tl_frozen_ms != 0 ? tl_frozen_ms : inner_->CurrentClockTimeMillis();
  }
  int64_t CurrentClockTimeMilliseconds() override {
    return tl_frozen_ms != 0 ? static_cast<int64_t>(tl_frozen_ms) : inner_->CurrentClockTimeMilliseconds();
  }
  double CurrentClockTimeMillisecondsHighResolution() override {
    return tl_frozen_ms != 0 ? tl_frozen_ms : inner_->CurrentClockTimeMillisecondsHighResolution();
  }
  v8::TracingController* GetTracingController() override { return inner_->GetTracingController(); }

 protected:
  std::unique_ptr<v8::JobHandle> CreateJobImpl(v8::TaskPriority priority, std::unique_ptr<v8::JobTask> job_task,
                                               const v8::SourceLocation& location) override {
    return inner_->CreateJob(priority, std::move(job_task), location);
  }
  void PostTaskOnWorkerThreadImpl(v8::TaskPriority priority, std::unique_ptr<v8::Task> task,
                                  const v8::SourceLocation& location) override {
    inner_->PostTaskOnWorkerThread(priority, std::move(task), location);
  }
  void PostDelayedTaskOnWorkerThreadImpl(v8::TaskPriority priority, std::unique_ptr<v8::Task> task,
                                         double delay_in_seconds, const v8::SourceLocation& location) override {
    inner_->PostDelayedTaskOnWorkerThread(priority, std::move(task), delay_in_seconds, location);
  }

 private:
  std::unique_ptr<v8::Platform> inner_;
};

std::unique_ptr<IsletPlatform> g_platform;

void OpCallback(const FunctionCallbackInfo<Value>& info);

// Every C++ function V8 may call from a snapshot must be among its external references; a
// snapshot adds its shared sources after these.
const intptr_t g_static_external_refs[] = {
    reinterpret_cast<intptr_t>(OpCallback),
};

std::string ToUtf8(Isolate* isolate, Local<Value> v) {
  std::string out;
  Local<String> s;
  if (v.IsEmpty() || !v->ToString(isolate->GetCurrentContext()).ToLocal(&s)) return "<unprintable>";
  Utf8(isolate, s, &out);
  return out;
}

// DescribeException fills err from a caught exception value: its String() and, for errors,
// its stack, with the script location prepended when V8 knows it (syntax errors).
void DescribeException(Isolate* isolate, Local<Value> exception, Local<v8::Message> message, islet_error* err) {
  Local<Context> ctx = isolate->GetCurrentContext();
  std::string text = ToUtf8(isolate, exception);
  std::string stack;
  if (exception->IsObject()) {
    Local<Value> sv;
    TryCatch inner(isolate);
    if (exception.As<Object>()->Get(ctx, String::NewFromUtf8Literal(isolate, "stack")).ToLocal(&sv) &&
        sv->IsString()) {
      Utf8(isolate, sv.As<String>(), &stack);
    }
  }
  if (!message.IsEmpty()) {
    std::string where = ToUtf8(isolate, message->GetScriptResourceName());
    int line = message->GetLineNumber(ctx).FromMaybe(0);
    int col = message->GetStartColumn(ctx).FromMaybe(-1) + 1;
    bool stack_has_location = !stack.empty() && stack.find(where + ":") != std::string::npos;
    if (!stack_has_location && line > 0) {
      std::string loc = where + ":" + std::to_string(line) + ":" + std::to_string(col);
      stack = stack.empty() ? text + "\n    at " + loc : stack + "\n    at " + loc;
      text = loc + ": " + text;
    }
  }
  SetError(err, ISLET_FAIL_EXCEPTION, text, stack);
}

// StackLimit returns an address a safe distance above the lowest address of this thread's
// stack, computed once per thread.
uintptr_t StackLimit() {
  static thread_local uintptr_t limit = 0;
  if (limit) return limit;
  pthread_attr_t attr;
  void* addr = nullptr;
  size_t size = 0;
  uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  uintptr_t lo = reinterpret_cast<uintptr_t>(addr);
  // Leave 256 KiB for C++ and Go callbacks below V8's limit; use at most 4 MiB for JS.
  if (lo && here > lo + 512 * 1024) {
    limit = std::max(lo + 256 * 1024, here - 4 * 1024 * 1024);
  } else {
    limit = here - 768 * 1024;
  }
  return limit;
}

}  // namespace

// islet_source is a runtime file's text, kept for the rest of the process and shared by every
// isolate as the contents of an external string. V8 calls Dispose when one of those strings dies
// (or its isolate does); the bytes stay, because other isolates and snapshots still point at them.
struct islet_source final : public v8::String::ExternalOneByteStringResource {
  explicit islet_source(std::string s) : text(std::move(s)) {}
  const char* data() const override { return text.data(); }
  size_t length() const override { return text.size(); }
  void Dispose() override {}
  const std::string text;
};

// islet_snapshot is a startup blob and the external references it was made with (the op callback
// and the addresses of its shared sources, zero-terminated); an isolate made from the blob must
// be given the same references. Kept for the rest of the process.
struct islet_snapshot {
  v8::StartupData blob{nullptr, 0};
  std::vector<intptr_t> refs;
  size_t shared_bytes = 0;  // the length of the shared sources among refs
};

struct islet_snapshot_creator {
  v8::SnapshotCreator* creator = nullptr;
  islet_snapshot* snapshot = nullptr;
  v8::Global<Context> context;
  v8::Global<Object> rt;
  v8::Global<Object> ops;
};

struct islet_op_return {
  const FunctionCallbackInfo<Value>* info;
  islet_isolate* iso;
};

namespace islet {

char* CopyOut(const char* p, size_t n) {
  char* out = static_cast<char*>(malloc(n + 1));
  if (n) memcpy(out, p, n);
  out[n] = 0;
  return out;
}

// Utf8 writes a JS string as UTF-8 (lone surrogates become U+FFFD) into out.
void Utf8(Isolate* isolate, Local<String> s, std::string* out) {
  size_t n = s->Utf8LengthV2(isolate);
  out->resize(n);
  if (n) s->WriteUtf8V2(isolate, &(*out)[0], n, String::WriteFlags::kReplaceInvalidUtf8);
}

Local<String> NewString(Isolate* isolate, const char* p, size_t n) {
  Local<String> s;
  if (n == 0) return String::Empty(isolate);
  if (n > static_cast<size_t>(String::kMaxLength) ||
      !String::NewFromUtf8(isolate, p, v8::NewStringType::kNormal, static_cast<int>(n)).ToLocal(&s)) {
    return String::Empty(isolate);
  }
  return s;
}

// RuntimeSource is a runtime file's text as a V8 string: an external string over `shared` when
// there is one (no copy in the isolate's heap), else a copy of the n bytes at p.
Local<String> RuntimeSource(Isolate* isolate, const char* p, size_t n, islet_source* shared) {
  Local<String> s;
  if (shared && String::NewExternalOneByte(isolate, shared).ToLocal(&s)) return s;
  return NewString(isolate, p, n);
}

void SetError(islet_error* err, int kind, const std::string& message, const std::string& stack) {
  if (!err) return;
  err->kind = kind;
  err->message = CopyOut(message.data(), message.size());
  err->message_len = message.size();
  err->stack = stack.empty() ? nullptr : CopyOut(stack.data(), stack.size());
  err->stack_len = stack.size();
}

int Finish(islet_isolate* iso, TryCatch& tc, islet_error* err) {
  Isolate* isolate = iso->isolate;
  if (iso->oom) {
    iso->condemned = true;
    isolate->CancelTerminateExecution();
    SetError(err, ISLET_FAIL_OOM, "the worker exceeded its memory limit", "");
    return ISLET_FAIL_OOM;
  }
  if (tc.HasTerminated() || isolate->IsExecutionTerminating()) {
    isolate->CancelTerminateExecution();
    SetError(err, ISLET_FAIL_TERMINATED, "the worker's execution was terminated", "");
    return ISLET_FAIL_TERMINATED;
  }
  if (tc.HasCaught()) {
    DescribeException(isolate, tc.Exception(), tc.Message(), err);
    return ISLET_FAIL_EXCEPTION;
  }
  return ISLET_FAIL_NONE;
}

Entry::Entry(islet_isolate* iso)
    : locker_(iso->isolate), scope_(iso->isolate), handles_(iso->isolate), context_(iso->context.Get(iso->isolate)),
      context_scope_(context_), prev_(CurrentIsolate()) {
  iso->isolate->SetStackLimit(StackLimit());
  // A termination requested after the previous turn finished must not hit this one.
  iso->isolate->CancelTerminateExecution();
  tl_frozen_ms = g_platform->inner()->CurrentClockTimeMillis();
  SetCurrentIsolate(iso);
}

Entry::~Entry() {
  tl_frozen_ms = 0;
  SetCurrentIsolate(prev_);
}

}  // namespace islet

namespace {

int NewHandle(islet_isolate* iso, Local<Value> v) {
  if (!iso->free_handles.empty()) {
    int id = iso->free_handles.back();
    iso->free_handles.pop_back();
    iso->handles[id].Reset(iso->isolate, v);
    return id;
  }
  iso->handles.emplace_back(iso->isolate, v);
  return static_cast<int>(iso->handles.size() - 1);
}

Local<Value> GetHandle(islet_isolate* iso, int id) {
  if (id < 0 || id >= static_cast<int>(iso->handles.size()) || iso->handles[id].IsEmpty()) {
    return v8::Undefined(iso->isolate);
  }
  return iso->handles[id].Get(iso->isolate);
}

void ThrowError(Isolate* isolate, int cls, const char* msg, size_t msg_len);

Local<Value> FromC(islet_isolate* iso, const islet_val& v) {
  Isolate* isolate = iso->isolate;
  switch (v.kind) {
    case ISLET_NULL:
      return v8::Null(isolate);
    case ISLET_BOOL:
      return v8::Boolean::New(isolate, v.num != 0);
    case ISLET_NUMBER:
      return v8::Number::New(isolate, v.num);
    case ISLET_STRING:
      return NewString(isolate, v.ptr, v.len);
    case ISLET_BYTES: {
      // MaybeNew fails (empty) where New would abort the process past the ArrayBuffer budget;
      // the caller sees an empty value with a RangeError pending.
      Local<ArrayBuffer> ab;
      if (!ArrayBuffer::MaybeNew(isolate, v.len, v8::BackingStoreInitializationMode::kUninitialized).ToLocal(&ab)) {
        const char msg[] = "cannot allocate the bytes handed to the worker: its memory limit is reached";
        ThrowError(isolate, ISLET_ERR_RANGE, msg, sizeof(msg) - 1);
        return Local<Value>();
      }
      if (v.len) memcpy(ab->Data(), v.ptr, v.len);
      return v8::Uint8Array::New(ab, 0, v.len);
    }
    case ISLET_HANDLE:
      return GetHandle(iso, static_cast<int>(v.num));
  }
  return v8::Undefined(isolate);
}

// ToC converts a result for Go: primitives by value, Uint8Array as a copy, promises as a
// handle, anything else as its string.
void ToC(islet_isolate* iso, Local<Value> v, islet_val* out) {
  Isolate* isolate = iso->isolate;
  memset(out, 0, sizeof(*out));
  if (v.IsEmpty() || v->IsUndefined()) return;
  if (v->IsNull()) {
    out->kind = ISLET_NULL;
  } else if (v->IsBoolean()) {
    out->kind = ISLET_BOOL;
    out->num = v->IsTrue() ? 1 : 0;
  } else if (v->IsNumber()) {
    out->kind = ISLET_NUMBER;
    out->num = v.As<v8::Number>()->Value();
  } else if (v->IsArrayBufferView()) {
    Local<ArrayBufferView> view = v.As<ArrayBufferView>();
    size_t n = view->ByteLength();
    char* p = static_cast<char*>(malloc(n + 1));
    view->CopyContents(p, n);
    out->kind = ISLET_BYTES;
    out->ptr = p;
    out->len = n;
  } else if (v->IsPromise()) {
    out->kind = ISLET_HANDLE;
    out->num = NewHandle(iso, v);
  } else {
    std::string s = ToUtf8(isolate, v);
    out->kind = ISLET_STRING;
    out->ptr = CopyOut(s.data(), s.size());
    out->len = s.size();
  }
}

void ThrowError(Isolate* isolate, int cls, const char* msg, size_t msg_len) {
  Local<String> m = NewString(isolate, msg, msg_len);
  switch (cls) {
    case ISLET_ERR_TYPE:
      isolate->ThrowException(v8::Exception::TypeError(m));
      return;
    case ISLET_ERR_RANGE:
      isolate->ThrowException(v8::Exception::RangeError(m));
      return;
  }
  isolate->ThrowException(v8::Exception::Error(m));
}

void OpCallback(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  islet_isolate* iso = static_cast<islet_isolate*>(isolate->GetData(0));
  if (!iso) {
    const char msg[] = "ops are not available while the runtime snapshot is built";
    ThrowError(isolate, ISLET_ERR_ERROR, msg, sizeof(msg) - 1);
    return;
  }
  int op_id = info.Data().As<Integer>()->Value();
  int n = info.Length();
  islet_val small[6];
  std::vector<islet_val> big;
  islet_val* args = small;
  if (n > 6) {
    big.resize(n);
    args = big.data();
  }
  std::string strs_small[6];
  std::vector<std::string> strs_big;
  std::string* strs = strs_small;
  if (n > 6) {
    strs_big.resize(n);
    strs = strs_big.data();
  }
  for (int i = 0; i < n; i++) {
    Local<Value> v = info[i];
    islet_val& a = args[i];
    a.kind = ISLET_UNDEFINED;
    a.num = 0;
    a.ptr = nullptr;
    a.len = 0;
    if (v->IsUndefined()) {
    } else if (v->IsNull()) {
      a.kind = ISLET_NULL;
    } else if (v->IsBoolean()) {
      a.kind = ISLET_BOOL;
      a.num = v->IsTrue() ? 1 : 0;
    } else if (v->IsNumber()) {
      a.kind = ISLET_NUMBER;
      a.num = v.As<v8::Number>()->Value();
    } else if (v->IsString()) {
      Utf8(isolate, v.As<String>(), &strs[i]);
      a.kind = ISLET_STRING;
      a.ptr = strs[i].data();
      a.len = strs[i].size();
    } else if (v->IsArrayBufferView()) {
      Local<ArrayBufferView> view = v.As<ArrayBufferView>();
      a.kind = ISLET_BYTES;
      a.len = view->ByteLength();
      a.ptr = a.len ? static_cast<const char*>(view->Buffer()->Data()) + view->ByteOffset() : "";
    } else if (v->IsArrayBuffer()) {
      Local<ArrayBuffer> ab = v.As<ArrayBuffer>();
      a.kind = ISLET_BYTES;
      a.len = ab->ByteLength();
      a.ptr = a.len ? static_cast<const char*>(ab->Data()) : "";
    } else {
      std::string msg = "op argument " + std::to_string(i) + " has a type that cannot cross to Go";
      ThrowError(isolate, ISLET_ERR_TYPE, msg.data(), msg.size());
      return;
    }
  }
  islet_op_return ret{&info, iso};
  isletGoOp(iso->go_handle, op_id, args, n, &ret);
}

MaybeLocal<Module> ResolveModule(Local<Context> context, Local<String> specifier, Local<v8::FixedArray>,
                                 Local<Module> referrer) {
  Isolate* isolate = context->GetIsolate();
  islet_isolate* iso = static_cast<islet_isolate*>(isolate->GetData(0));
  int referrer_id = -1;
  for (size_t i = 0; i < iso->modules.size(); i++) {
    if (iso->modules[i].module == referrer) {
      referrer_id = static_cast<int>(i);
      break;
    }
  }
  std::string spec;
  Utf8(isolate, specifier, &spec);
  int id = referrer_id < 0 ? -1 : isletGoResolve(iso->go_handle, referrer_id, const_cast<char*>(spec.data()), spec.size());
  if (id < 0 || id >= static_cast<int>(iso->modules.size())) {
    std::string from = referrer_id < 0 ? "?" : iso->modules[referrer_id].url;
    std::string msg = "Cannot find module '" + spec + "' imported from " + from;
    isolate->ThrowException(v8::Exception::Error(NewString(isolate, msg.data(), msg.size())));
    return MaybeLocal<Module>();
  }
  return iso->modules[id].module.Get(isolate);
}

void InitImportMeta(Local<Context> context, Local<Module> module, Local<Object> meta) {
  Isolate* isolate = context->GetIsolate();
  islet_isolate* iso = static_cast<islet_isolate*>(isolate->GetData(0));
  for (auto& m : iso->modules) {
    if (m.module == module) {
      meta->CreateDataProperty(context, String::NewFromUtf8Literal(isolate, "url"),
                               NewString(isolate, m.url.data(), m.url.size()))
          .Check();
      return;
    }
  }
}

MaybeLocal<Promise> ImportDynamically(Local<Context> context, Local<v8::Data>, Local<Value>, Local<String> specifier,
                                      Local<v8::FixedArray>) {
  Isolate* isolate = context->GetIsolate();
  Local<Promise::Resolver> resolver;
  if (!Promise::Resolver::New(context).ToLocal(&resolver)) return MaybeLocal<Promise>();
  std::string spec;
  Utf8(isolate, specifier, &spec);
  std::string msg = "import('" + spec + "'): dynamic import is not supported; import it statically or bundle it";
  resolver->Reject(context, v8::Exception::TypeError(NewString(isolate, msg.data(), msg.size()))).Check();
  return resolver->GetPromise();
}

void OnPromiseReject(v8::PromiseRejectMessage message) {
  Local<Promise> promise = message.GetPromise();
  Isolate* isolate = promise->GetIsolate();
  islet_isolate* iso = static_cast<islet_isolate*>(isolate->GetData(0));
  if (!iso) return;
  switch (message.GetEvent()) {
    case v8::kPromiseRejectWithNoHandler: {
      Rejection r;
      r.promise.Reset(isolate, promise);
      Local<Value> reason = message.GetValue();
      if (!reason.IsEmpty()) r.reason.Reset(isolate, reason);
      iso->rejections.push_back(std::move(r));
      break;
    }
    case v8::kPromiseHandlerAddedAfterReject:
      for (auto it = iso->rejections.begin(); it != iso->rejections.end(); ++it) {
        if (it->promise == promise) {
          iso->rejections.erase(it);
          break;
        }
      }
      break;
    default:
      break;
  }
}

size_t NearHeapLimit(void* data, size_t current, size_t) {
  islet_isolate* iso = static_cast<islet_isolate*>(data);
  iso->oom = true;
  iso->isolate->TerminateExecution();
  // Give the unwinding JS room to finish; the isolate is condemned and dropped afterwards. The
  // room must hold the allocation that hit the limit, or V8 aborts the whole process ("Reached
  // heap limit"): one built-in can ask for a single array of up to FixedArray's maximum length
  // (2^27 elements, 1 GiB of doubles; Array.prototype.sort of a long sparse array copies it
  // into one), so the limit grows by more than that. Termination lands at the next interrupt
  // check, so a worker that allocates step by step never uses the room.
  constexpr size_t kLargestSingleAllocation = size_t{1280} << 20;
  return current + std::max<size_t>(current / 2, kLargestSingleAllocation);
}

// AfterTurn runs microtasks, pumps platform tasks and reports rejections nobody handled.
void AfterTurn(islet_isolate* iso) {
  Isolate* isolate = iso->isolate;
  if (!isolate->IsExecutionTerminating()) isolate->PerformMicrotaskCheckpoint();
  while (v8::platform::PumpMessageLoop(g_platform->inner(), isolate)) {
  }
  if (iso->rejections.empty() || isolate->IsExecutionTerminating()) return;
  std::vector<Rejection> list;
  list.swap(iso->rejections);
  for (auto& r : list) {
    TryCatch tc(isolate);
    islet_error e{};
    Local<Value> reason = r.reason.IsEmpty() ? Local<Value>(v8::Undefined(isolate)) : r.reason.Get(isolate);
    DescribeException(isolate, reason, Local<v8::Message>(), &e);
    isletGoUnhandledRejection(iso->go_handle, e.message, e.message_len, e.stack, e.stack_len);
    free(e.message);
    free(e.stack);
  }
}

}  // namespace

extern "C" {

void islet_free(void* p) { free(p); }

const char* islet_v8_version(void) { return v8::V8::GetVersion(); }

void islet_init(const char* flags, size_t flags_len) {
  if (g_platform) return;
  std::string f(flags, flags_len);
  v8::V8::SetFlagsFromString(f.c_str(), f.size());
  // No platform worker threads: with --single-threaded, V8's background jobs (concurrent
  // compilation, GC tasks) run on the thread that runs the isolate, inside its turns. Executors
  // are then the only threads doing JS work, and no turn wakes another thread (measured: a
  // background worker thread cost a futex wake-up per request).
  g_platform = std::make_unique<IsletPlatform>(v8::platform::NewSingleThreadedDefaultPlatform());
  v8::V8::InitializePlatform(g_platform.get());
  v8::V8::Initialize();
}

islet_source* islet_source_new(const char* src, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (static_cast<unsigned char>(src[i]) >= 0x80) return nullptr;
  }
  return new islet_source(std::string(src, len));
}

islet_snapshot_creator* islet_snapshot_new(islet_source* const* sources, size_t n_sources) {
  auto* c = new islet_snapshot_creator;
  c->snapshot = new islet_snapshot;
  std::vector<intptr_t>& refs = c->snapshot->refs;
  refs.assign(std::begin(g_static_external_refs), std::end(g_static_external_refs));
  for (size_t i = 0; i < n_sources; i++) {
    // The address of the resource: V8 writes its index into the blob in its place.
    auto ref = reinterpret_cast<intptr_t>(static_cast<v8::String::ExternalOneByteStringResource*>(sources[i]));
    if (std::find(refs.begin(), refs.end(), ref) == refs.end()) {
      refs.push_back(ref);
      c->snapshot->shared_bytes += sources[i]->length();
    }
  }
  refs.push_back(0);
  c->creator = new v8::SnapshotCreator(refs.data());
  Isolate* isolate = c->creator->GetIsolate();
  HandleScope hs(isolate);
  Local<Context> ctx = Context::New(isolate);
  Context::Scope cs(ctx);
  Local<Object> rt = Object::New(isolate);
  Local<Object> ops = Object::New(isolate);
  rt->Set(ctx, String::NewFromUtf8Literal(isolate, "ops"), ops).Check();
  rt->Set(ctx, String::NewFromUtf8Literal(isolate, "host"), Object::New(isolate)).Check();
  Local<Object> internal = Object::New(isolate);
  rt->Set(ctx, String::NewFromUtf8Literal(isolate, "internal"), internal).Check();
  c->context.Reset(isolate, ctx);
  c->rt.Reset(isolate, rt);
  c->ops.Reset(isolate, ops);
  return c;
}

void islet_snapshot_add_op(islet_snapshot_creator* c, const char* name, size_t name_len, int id) {
  Isolate* isolate = c->creator->GetIsolate();
  HandleScope hs(isolate);
  Local<Context> ctx = c->context.Get(isolate);
  Context::Scope cs(ctx);
  Local<FunctionTemplate> t = FunctionTemplate::New(isolate, OpCallback, Integer::New(isolate, id), Local<v8::Signature>(),
                                                    0, v8::ConstructorBehavior::kThrow);
  Local<String> n = NewString(isolate, name, name_len);
  Local<Function> fn = t->GetFunction(ctx).ToLocalChecked();
  fn->SetName(n);
  c->ops.Get(isolate)->Set(ctx, n, fn).Check();
}

int islet_snapshot_run(islet_snapshot_creator* c, const char* name, size_t name_len, const char* src, size_t src_len,
                       islet_source* shared, islet_error* err) {
  Isolate* isolate = c->creator->GetIsolate();
  HandleScope hs(isolate);
  Local<Context> ctx = c->context.Get(isolate);
  Context::Scope cs(ctx);
  TryCatch tc(isolate);
  ScriptOrigin origin(NewString(isolate, name, name_len));
  v8::Local<v8::Script> script;
  Local<Value> fn;
  Local<Value> arg = c->rt.Get(isolate);
  if (!v8::Script::Compile(ctx, islet::RuntimeSource(isolate, src, src_len, shared), &origin).ToLocal(&script) ||
      !script->Run(ctx).ToLocal(&fn)) {
    DescribeException(isolate, tc.Exception(), tc.Message(), err);
    return ISLET_FAIL_EXCEPTION;
  }
  if (!fn->IsFunction()) {
    SetError(err, ISLET_FAIL_INTERNAL, "runtime file did not evaluate to a function", "");
    return ISLET_FAIL_INTERNAL;
  }
  if (fn.As<Function>()->Call(ctx, v8::Undefined(isolate), 1, &arg).IsEmpty()) {
    DescribeException(isolate, tc.Exception(), tc.Message(), err);
    return ISLET_FAIL_EXCEPTION;
  }
  isolate->PerformMicrotaskCheckpoint();
  return ISLET_FAIL_NONE;
}

int islet_snapshot_take(islet_snapshot_creator* c, islet_snapshot** out, islet_error* err) {
  Isolate* isolate = c->creator->GetIsolate();
  {
    HandleScope hs(isolate);
    Local<Context> ctx = c->context.Get(isolate);
    c->creator->AddData(ctx, c->rt.Get(isolate));
    c->creator->SetDefaultContext(ctx);
  }
  c->rt.Reset();
  c->ops.Reset();
  c->context.Reset();
  v8::StartupData data = c->creator->CreateBlob(v8::SnapshotCreator::FunctionCodeHandling::kKeep);
  islet_snapshot* snap = c->snapshot;
  delete c->creator;
  delete c;
  if (!data.data || data.raw_size <= 0) {
    delete[] data.data;
    delete snap;
    SetError(err, ISLET_FAIL_INTERNAL, "V8 could not create the startup snapshot", "");
    return ISLET_FAIL_INTERNAL;
  }
  snap->blob = data;  // the blob is allocated with new[]; both are kept for the process lifetime
  *out = snap;
  return ISLET_FAIL_NONE;
}

size_t islet_snapshot_size(const islet_snapshot* s) { return static_cast<size_t>(s->blob.raw_size); }

islet_isolate* islet_isolate_new(const islet_snapshot* snap, size_t heap_limit, uintptr_t go_handle) {
  auto* iso = new islet_isolate;
  iso->go_handle = go_handle;
  iso->startup = snap->blob;
  iso->shared_source_bytes = snap->shared_bytes;
  Isolate::CreateParams params;
  // ArrayBuffers and Wasm memories get as much memory again as the heap may use.
  iso->allocator = std::make_unique<islet::CountingAllocator>(heap_limit);
  params.array_buffer_allocator = iso->allocator.get();
  params.snapshot_blob = &iso->startup;
  params.external_references = snap->refs.data();
  if (heap_limit) params.constraints.ConfigureDefaultsFromHeapSize(0, heap_limit);
  Isolate* isolate = Isolate::New(params);
  iso->isolate = isolate;
  isolate->SetData(0, iso);
  Locker locker(isolate);
  Isolate::Scope scope(isolate);
  HandleScope hs(isolate);
  isolate->SetStackLimit(StackLimit());
  isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate->AddNearHeapLimitCallback(NearHeapLimit, iso);
  isolate->SetPromiseRejectCallback(OnPromiseReject);
  isolate->SetHostInitializeImportMetaObjectCallback(InitImportMeta);
  isolate->SetHostImportModuleDynamicallyCallback(ImportDynamically);
  islet::SetupWasm(iso);
  Local<Context> ctx = Context::New(isolate);
  Context::Scope cs(ctx);
  ctx->AllowCodeGenerationFromStrings(false);
  ctx->SetErrorMessageForCodeGenerationFromStrings(
      String::NewFromUtf8Literal(isolate, "code generation from strings is disallowed in workers"));
  // V8 installs WebAssembly on each context it deserializes, so the guards go on here.
  islet::InstallWasmGuards(isolate, ctx);
  Local<Object> rt = ctx->GetDataFromSnapshotOnce<Object>(0).ToLocalChecked();
  Local<Value> host = rt->Get(ctx, String::NewFromUtf8Literal(isolate, "host")).ToLocalChecked();
  iso->context.Reset(isolate, ctx);
  iso->rt.Reset(isolate, rt);
  iso->host.Reset(isolate, host.As<Object>());
  return iso;
}

void islet_isolate_dispose(islet_isolate* iso) {
  {
    Locker locker(iso->isolate);
    Isolate::Scope scope(iso->isolate);
    iso->rejections.clear();
    iso->host_fns.clear();
    iso->handles.clear();
    iso->modules.clear();
    iso->host.Reset();
    iso->rt.Reset();
    iso->context.Reset();
  }
  iso->isolate->Dispose();
  islet::ForgetWasmMemory(iso);
  delete iso;
}

void islet_isolate_terminate(islet_isolate* iso) { iso->isolate->TerminateExecution(); }

void islet_isolate_request_interrupt(islet_isolate* iso) {
  iso->isolate->RequestInterrupt(
      [](v8::Isolate*, void* data) { isletGoInterrupt(static_cast<islet_isolate*>(data)->go_handle); }, iso);
}

int islet_isolate_condemned(islet_isolate* iso) { return iso->condemned ? 1 : 0; }

void islet_isolate_heap_stats(islet_isolate* iso, islet_heap_stats* out) {
  Locker locker(iso->isolate);
  Isolate::Scope scope(iso->isolate);
  v8::HeapStatistics hs;
  iso->isolate->GetHeapStatistics(&hs);
  out->total_heap_size = hs.total_heap_size();
  out->used_heap_size = hs.used_heap_size();
  out->heap_size_limit = hs.heap_size_limit();
  // V8 counts an external string's bytes in every isolate that holds one; the runtime's shared
  // sources exist once in the process, so they are not this isolate's memory.
  out->external_memory = hs.external_memory() - std::min(hs.external_memory(), iso->shared_source_bytes);
  out->malloced_memory = hs.malloced_memory();
  out->array_buffer_memory = iso->allocator ? iso->allocator->used() : 0;
}

void islet_isolate_low_memory(islet_isolate* iso) {
  Locker locker(iso->isolate);
  Isolate::Scope scope(iso->isolate);
  iso->isolate->LowMemoryNotification();
}

#define REFUSE_IF_CONDEMNED(iso, err)                                                   \
  if ((iso)->condemned) {                                                               \
    SetError(err, ISLET_FAIL_OOM, "the worker's isolate was condemned after reaching its memory limit", ""); \
    return ISLET_FAIL_OOM;                                                              \
  }

int islet_script_run(islet_isolate* iso, const char* name, size_t name_len, const char* src, size_t src_len,
                     islet_val* result, islet_error* err) {
  REFUSE_IF_CONDEMNED(iso, err);
  Entry e(iso);
  Isolate* isolate = iso->isolate;
  TryCatch tc(isolate);
  ScriptOrigin origin(NewString(isolate, name, name_len));
  Local<v8::Script> script;
  Local<Value> v;
  if (v8::Script::Compile(e.context(), NewString(isolate, src, src_len), &origin).ToLocal(&script) &&
      script->Run(e.context()).ToLocal(&v)) {
    ToC(iso, v, result);
  }
  AfterTurn(iso);
  return Finish(iso, tc, err);
}

int islet_module_compile(islet_isolate* iso, const char* url, size_t url_len, const char* src, size_t src_len,
                         const char* cache, size_t cache_len, int* module_id, char** cache_out, size_t* cache_out_len,
                         char** requests, size_t* requests_len, islet_error* err) {
  REFUSE_IF_CONDEMNED(iso, err);
  Entry e(iso);
  Isolate* isolate = iso->isolate;
  TryCatch tc(isolate);
  ScriptOrigin origin(NewString(isolate, url, url_len), 0, 0, false, -1, Local<Value>(), false, false, true);
  ScriptCompiler::CachedData* cached = nullptr;
  if (cache && cache_len) {
    cached = new ScriptCompiler::CachedData(reinterpret_cast<const uint8_t*>(cache), static_cast<int>(cache_len),
                                            ScriptCompiler::CachedData::BufferNotOwned);
  }
  ScriptCompiler::Source source(NewString(isolate, src, src_len), origin, cached);
  Local<Module> module;
  if (!ScriptCompiler::CompileModule(isolate, &source,
                                     cached ? ScriptCompiler::kConsumeCodeCache : ScriptCompiler::kNoCompileOptions)
           .ToLocal(&module)) {
    return Finish(iso, tc, err);
  }
  bool rejected = cached && source.GetCachedData()->rejected;
  if (!cached || rejected) {
    std::unique_ptr<ScriptCompiler::CachedData> fresh(ScriptCompiler::CreateCodeCache(module->GetUnboundModuleScript()));
    if (fresh && fresh->length > 0) {
      *cache_out = CopyOut(reinterpret_cast<const char*>(fresh->data), fresh->length);
      *cache_out_len = fresh->length;
    }
  }
  Local<v8::FixedArray> reqs = module->GetModuleRequests();
  std::string buf;
  for (int i = 0; i < reqs->Length(); i++) {
    Local<v8::ModuleRequest> r = reqs->Get(e.context(), i).As<v8::ModuleRequest>();
    std::string s;
    Utf8(isolate, r->GetSpecifier(), &s);
    uint32_t n = static_cast<uint32_t>(s.size());
    buf.append(reinterpret_cast<const char*>(&n), 4);
    buf.append(s);
  }
  *requests = CopyOut(buf.data(), buf.size());
  *requests_len = buf.size();
  ModuleEntry entry;
  entry.module.Reset(isolate, module);
  entry.url.assign(url, url_len);
  iso->modules.push_back(std::move(entry));
  *module_id = static_cast<int>(iso->modules.size() - 1);
  return ISLET_FAIL_NONE;
}

int islet_module_instantiate(islet_isolate* iso, int module_id, islet_error* err) {
  REFUSE_IF_CONDEMNED(iso, err);
  Entry e(iso);
  TryCatch tc(iso->isolate);
  if (module_id < 0 || module_id >= static_cast<int>(iso->modules.size())) {
    SetError(err, ISLET_FAIL_INTERNAL, "no such module", "");
    return ISLET_FAIL_INTERNAL;
  }
  Local<Module> m = iso->modules[module_id].module.Get(iso->isolate);
  if (m->InstantiateModule(e.context(), ResolveModule).IsNothing()) return Finish(iso, tc, err);
  return ISLET_FAIL_NONE;
}

int islet_module_evaluate(islet_isolate* iso, int module_id, int* promise, islet_error* err) {
  REFUSE_IF_CONDEMNED(iso, err);
  Entry e(iso);
  TryCatch tc(iso->isolate);
  if (module_id < 0 || module_id >= static_cast<int>(iso->modules.size())) {
    SetError(err, ISLET_FAIL_INTERNAL, "no such module", "");
    return ISLET_FAIL_INTERNAL;
  }
  Local<Module> m = iso->modules[module_id].module.Get(iso->isolate);
  Local<Value> result;
  if (m->Evaluate(e.context()).ToLocal(&result)) {
    *promise = NewHandle(iso, result);
  }
  AfterTurn(iso);
  return Finish(iso, tc, err);
}

int islet_module_namespace(islet_isolate* iso, int module_id) {
  Entry e(iso);
  if (module_id < 0 || module_id >= static_cast<int>(iso->modules.size())) return -1;
  Local<Module> m = iso->modules[module_id].module.Get(iso->isolate);
  if (m->GetStatus() < Module::kInstantiated) return -1;
  return NewHandle(iso, m->GetModuleNamespace());
}

int islet_promise_state(islet_isolate* iso, int handle, islet_error* err) {
  Entry e(iso);
  Local<Value> v = GetHandle(iso, handle);
  if (!v->IsPromise()) return -1;
  Local<Promise> p = v.As<Promise>();
  switch (p->State()) {
    case Promise::kPending:
      return 0;
    case Promise::kFulfilled:
      return 1;
    case Promise::kRejected:
      DescribeException(iso->isolate, p->Result(), v8::Exception::CreateMessage(iso->isolate, p->Result()), err);
      // The caller reports this rejection; it is not "unhandled".
      p->MarkAsHandled();
      for (auto it = iso->rejections.begin(); it != iso->rejections.end(); ++it) {
        if (it->promise == p) {
          iso->rejections.erase(it);
          break;
        }
      }
      return 2;
  }
  return -1;
}

void islet_promise_result(islet_isolate* iso, int handle, islet_val* out) {
  Entry e(iso);
  memset(out, 0, sizeof(*out));
  Local<Value> v = GetHandle(iso, handle);
  if (!v->IsPromise() || v.As<Promise>()->State() != Promise::kFulfilled) return;
  TryCatch tc(iso->isolate);
  ToC(iso, v.As<Promise>()->Result(), out);
}

void islet_handle_release(islet_isolate* iso, int handle) {
  Locker locker(iso->isolate);
  if (handle < 0 || handle >= static_cast<int>(iso->handles.size()) || iso->handles[handle].IsEmpty()) return;
  iso->handles[handle].Reset();
  iso->free_handles.push_back(handle);
}

int islet_call_host(islet_isolate* iso, const char* name, size_t name_len, const islet_val* args, int nargs,
                    islet_val* result, islet_error* err) {
  REFUSE_IF_CONDEMNED(iso, err);
  Entry e(iso);
  Isolate* isolate = iso->isolate;
  TryCatch tc(isolate);
  Local<Object> host = iso->host.Get(isolate);
  Local<Value> fn;
  std::string key(name, name_len);
  auto cached = iso->host_fns.find(key);
  if (cached != iso->host_fns.end()) {
    fn = cached->second.Get(isolate);
  } else {
    if (!host->Get(e.context(), NewString(isolate, name, name_len)).ToLocal(&fn) || !fn->IsFunction()) {
      std::string msg = "the runtime has no host entry point rt.host." + key;
      SetError(err, ISLET_FAIL_INTERNAL, msg, "");
      return ISLET_FAIL_INTERNAL;
    }
    iso->host_fns.emplace(key, v8::Global<Function>(isolate, fn.As<Function>()));
  }
  Local<Value> small[8];
  std::vector<Local<Value>> big;
  Local<Value>* argv = small;
  if (nargs > 8) {
    big.resize(nargs);
    argv = big.data();
  }
  for (int i = 0; i < nargs; i++) {
    argv[i] = FromC(iso, args[i]);
    if (argv[i].IsEmpty()) return Finish(iso, tc, err);  // a RangeError is pending
  }
  Local<Value> v;
  if (fn.As<Function>()->Call(e.context(), host, nargs, argv).ToLocal(&v)) {
    ToC(iso, v, result);
  }
  AfterTurn(iso);
  return Finish(iso, tc, err);
}

int islet_run_microtasks(islet_isolate* iso, islet_error* err) {
  REFUSE_IF_CONDEMNED(iso, err);
  Entry e(iso);
  TryCatch tc(iso->isolate);
  AfterTurn(iso);
  return Finish(iso, tc, err);
}

int islet_runtime_eval(islet_isolate* iso, const char* name, size_t name_len, const char* src, size_t src_len,
                       islet_source* shared, islet_error* err) {
  Isolate* isolate = iso->isolate;
  HandleScope hs(isolate);
  Local<Context> ctx = isolate->GetCurrentContext();
  TryCatch tc(isolate);
  ScriptOrigin origin(NewString(isolate, name, name_len));
  Local<v8::Script> script;
  Local<Value> fn;
  Local<Value> arg = iso->rt.Get(isolate);
  Local<String> source = islet::RuntimeSource(isolate, src, src_len, shared);
  if (source->IsExternalOneByte()) iso->shared_source_bytes += source->Length();
  if (!v8::Script::Compile(ctx, source, &origin).ToLocal(&script) ||
      !script->Run(ctx).ToLocal(&fn) || !fn->IsFunction() ||
      fn.As<Function>()->Call(ctx, v8::Undefined(isolate), 1, &arg).IsEmpty()) {
    if (tc.HasTerminated() || isolate->IsExecutionTerminating()) {
      SetError(err, ISLET_FAIL_TERMINATED, "the worker's execution was terminated", "");
      return ISLET_FAIL_TERMINATED;
    }
    if (tc.HasCaught()) {
      DescribeException(isolate, tc.Exception(), tc.Message(), err);
    } else {
      SetError(err, ISLET_FAIL_INTERNAL, "runtime file did not evaluate to a function", "");
    }
    return ISLET_FAIL_EXCEPTION;
  }
  return ISLET_FAIL_NONE;
}

void islet_ret_number(islet_op_return* r, double v) { r->info->GetReturnValue().Set(v); }
void islet_ret_bool(islet_op_return* r, int v) { r->info->GetReturnValue().Set(v != 0); }
void islet_ret_null(islet_op_return* r) { r->info->GetReturnValue().SetNull(); }

void islet_ret_string(islet_op_return* r, const char* p, size_t n) {
  Isolate* isolate = r->info->GetIsolate();
  if (n > static_cast<size_t>(String::kMaxLength)) {
    const char msg[] = "string result is too long";
    ThrowError(isolate, ISLET_ERR_RANGE, msg, sizeof(msg) - 1);
    return;
  }
  r->info->GetReturnValue().Set(NewString(isolate, p, n));
}

void islet_ret_bytes(islet_op_return* r, const char* p, size_t n) {
  Isolate* isolate = r->info->GetIsolate();
  // kReturnNull: past the worker's ArrayBuffer budget V8 would otherwise abort the process.
  std::unique_ptr<v8::BackingStore> store = ArrayBuffer::NewBackingStore(
      isolate, n, v8::BackingStoreInitializationMode::kUninitialized, v8::BackingStoreOnFailureMode::kReturnNull);
  if (!store || (n && !store->Data())) {
    const char msg[] = "cannot allocate the op's result";
    ThrowError(isolate, ISLET_ERR_RANGE, msg, sizeof(msg) - 1);
    return;
  }
  if (n) memcpy(store->Data(), p, n);
  Local<ArrayBuffer> ab = ArrayBuffer::New(isolate, std::move(store));
  r->info->GetReturnValue().Set(v8::Uint8Array::New(ab, 0, n));
}

void islet_ret_strings(islet_op_return* r, const char* p, size_t n) {
  Isolate* isolate = r->info->GetIsolate();
  std::vector<Local<Value>> items;
  size_t off = 0;
  while (off + 4 <= n) {
    uint32_t len;
    memcpy(&len, p + off, 4);
    off += 4;
    if (off + len > n) break;
    items.push_back(NewString(isolate, p + off, len));
    off += len;
  }
  r->info->GetReturnValue().Set(v8::Array::New(isolate, items.data(), items.size()));
}

void islet_ret_throw(islet_op_return* r, int cls, const char* name, size_t name_len, const char* msg, size_t msg_len) {
  Isolate* isolate = r->info->GetIsolate();
  if (cls != ISLET_ERR_DOM) {
    ThrowError(isolate, cls, msg, msg_len);
    return;
  }
  Local<Context> ctx = isolate->GetCurrentContext();
  Local<Object> rt = r->iso->rt.Get(isolate);
  Local<Value> internal, make, ex;
  Local<Value> argv[2] = {NewString(isolate, name, name_len), NewString(isolate, msg, msg_len)};
  if (rt->Get(ctx, String::NewFromUtf8Literal(isolate, "internal")).ToLocal(&internal) && internal->IsObject() &&
      internal.As<Object>()->Get(ctx, String::NewFromUtf8Literal(isolate, "makeDOMException")).ToLocal(&make) &&
      make->IsFunction() && make.As<Function>()->Call(ctx, v8::Undefined(isolate), 2, argv).ToLocal(&ex)) {
    isolate->ThrowException(ex);
    return;
  }
  std::string m = std::string(name, name_len) + ": " + std::string(msg, msg_len);
  ThrowError(isolate, ISLET_ERR_ERROR, m.data(), m.size());
}

}  // extern "C"
