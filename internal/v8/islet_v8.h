// islet_v8.h: the C interface between Go and V8. The only header internal/v8 includes from Go.
//
// Contracts:
// - Isolates are opaque pointers (islet_isolate*). Every function that takes one enters it with a
//   v8::Locker on the calling thread, except islet_isolate_terminate, which any thread may call.
// - No C++ exception or V8 fatal condition that can be avoided crosses this boundary: JS
//   exceptions come back as islet_error (message and stack, malloc'ed, freed with islet_free).
// - Memory returned to Go (islet_val.ptr for strings/bytes, islet_error fields, code caches,
//   module request lists) is malloc'ed and owned by the caller, who frees it with islet_free.
#ifndef ISLET_V8_H
#define ISLET_V8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Value kinds; the numbering matches Go's op.Kind.
enum {
  ISLET_UNDEFINED = 0,
  ISLET_NULL = 1,
  ISLET_BOOL = 2,
  ISLET_NUMBER = 3,
  ISLET_STRING = 4,
  ISLET_BYTES = 5,
  ISLET_STRINGS = 6,
  ISLET_HANDLE = 7,
};

// Error classes for op failures; the numbering matches Go's op.Class.
enum {
  ISLET_ERR_ERROR = 1,
  ISLET_ERR_TYPE = 2,
  ISLET_ERR_RANGE = 3,
  ISLET_ERR_DOM = 4,
};

// Why an entry failed (islet_error.kind).
enum {
  ISLET_FAIL_NONE = 0,
  ISLET_FAIL_EXCEPTION = 1,   // a JS exception; message and stack are set
  ISLET_FAIL_TERMINATED = 2,  // TerminateExecution stopped the JS
  ISLET_FAIL_OOM = 3,         // the heap limit was reached; the isolate is condemned
  ISLET_FAIL_INTERNAL = 4,    // the embedder refused the call (message says why)
};

typedef struct {
  uint8_t kind;
  double num;       // number, bool (0/1), handle id
  const char* ptr;  // string (UTF-8) or bytes; STRINGS: a sequence of uint32 length + bytes
  size_t len;
} islet_val;

typedef struct {
  int kind;
  char* message;  // malloc'ed, may be NULL
  size_t message_len;
  char* stack;  // malloc'ed, may be NULL
  size_t stack_len;
} islet_error;

typedef struct islet_isolate islet_isolate;
typedef struct islet_snapshot_creator islet_snapshot_creator;
typedef struct islet_snapshot islet_snapshot;
typedef struct islet_source islet_source;
typedef struct islet_op_return islet_op_return;

typedef struct {
  size_t total_heap_size;
  size_t used_heap_size;
  size_t heap_size_limit;
  size_t external_memory;  // less the runtime's shared sources (islet_source), which are the process's
  size_t malloced_memory;
  size_t array_buffer_memory;  // bytes held by the isolate's ArrayBuffers and Wasm memories
} islet_heap_stats;

void islet_free(void* p);

// islet_v8_version is V8's version string (static storage); it needs no islet_init.
const char* islet_v8_version(void);

// islet_init sets V8 flags and starts the platform. Call once, before anything else.
void islet_init(const char* flags, size_t flags_len);

// islet_source_new copies an ASCII runtime source into memory kept for the rest of the process.
// Isolates compile it as an external string, so the bytes exist once however many isolates hold
// the script; a snapshot keeps it external (it is one of the snapshot's external references).
// NULL if the source is not ASCII (V8's one-byte strings are Latin-1, not UTF-8).
islet_source* islet_source_new(const char* src, size_t len);

// Snapshot building: create (naming every shared source the runtime files use), declare the
// ops, run runtime files, then take the snapshot.
islet_snapshot_creator* islet_snapshot_new(islet_source* const* sources, size_t n_sources);
// islet_snapshot_add_op makes rt.ops[name] a native function calling Go op `id`.
void islet_snapshot_add_op(islet_snapshot_creator* c, const char* name, size_t name_len, int id);
// islet_snapshot_run evaluates a runtime file (which must evaluate to a function) and calls it
// with rt. The file is `shared` when it is not NULL (it must be one islet_snapshot_new named),
// else the src_len bytes at src.
int islet_snapshot_run(islet_snapshot_creator* c, const char* name, size_t name_len, const char* src,
                       size_t src_len, islet_source* shared, islet_error* err);
// islet_snapshot_take finishes the snapshot and frees the creator. The snapshot is kept for the
// rest of the process.
int islet_snapshot_take(islet_snapshot_creator* c, islet_snapshot** out, islet_error* err);
// islet_snapshot_size is the size of the snapshot's blob in bytes.
size_t islet_snapshot_size(const islet_snapshot* s);

// Isolates. heap_limit bounds the V8 heap and, separately, the memory of the isolate's
// ArrayBuffers and Wasm memories (0: no limits).
islet_isolate* islet_isolate_new(const islet_snapshot* snap, size_t heap_limit, uintptr_t go_handle);
void islet_isolate_dispose(islet_isolate* iso);
void islet_isolate_terminate(islet_isolate* iso);
// islet_isolate_request_interrupt makes the isolate call the Go callback isletGoInterrupt on its
// own thread at the next safe point of running JS; any thread may call it.
void islet_isolate_request_interrupt(islet_isolate* iso);
int islet_isolate_condemned(islet_isolate* iso);
void islet_isolate_heap_stats(islet_isolate* iso, islet_heap_stats* out);
// islet_isolate_low_memory asks V8 to give back what it can (after a turn, when idle).
void islet_isolate_low_memory(islet_isolate* iso);

// Scripts and modules. Module ids are small integers local to the isolate.
int islet_script_run(islet_isolate* iso, const char* name, size_t name_len, const char* src, size_t src_len,
                     islet_val* result, islet_error* err);
// islet_module_compile compiles one module. cache may be NULL; *cache_out (malloc'ed) receives a
// fresh code cache when none was given or it was rejected. *requests (malloc'ed) receives the
// import specifiers as a STRINGS-encoded buffer.
int islet_module_compile(islet_isolate* iso, const char* url, size_t url_len, const char* src, size_t src_len,
                         const char* cache, size_t cache_len, int* module_id, char** cache_out,
                         size_t* cache_out_len, char** requests, size_t* requests_len, islet_error* err);
// islet_module_wasm compiles an uploaded WebAssembly binary into a synthetic module whose default
// export is its WebAssembly.Module. It is the only way Wasm code is generated: the worker's own
// JS is refused (WebAssembly.compile, instantiate(bytes), new WebAssembly.Module). functions is
// the module's function index space; each new instance of it is first allowed by the Go
// callback isletGoWasmInstance (new WebAssembly.Instance, WebAssembly.instantiate(module)).
int islet_module_wasm(islet_isolate* iso, const char* url, size_t url_len, const char* bytes, size_t len,
                      int functions, int* module_id, islet_error* err);
int islet_module_instantiate(islet_isolate* iso, int module_id, islet_error* err);
// islet_module_evaluate evaluates; *promise receives a handle to the evaluation promise.
int islet_module_evaluate(islet_isolate* iso, int module_id, int* promise, islet_error* err);
// islet_module_namespace returns a handle to the module's namespace object.
int islet_module_namespace(islet_isolate* iso, int module_id);

// Handles: values kept alive for Go by integer id.
// islet_promise_state: 0 pending, 1 fulfilled, 2 rejected (err describes the reason), -1 not a promise.
int islet_promise_state(islet_isolate* iso, int handle, islet_error* err);
// islet_promise_result converts a fulfilled promise's value (undefined otherwise).
void islet_promise_result(islet_isolate* iso, int handle, islet_val* out);
void islet_handle_release(islet_isolate* iso, int handle);

// islet_call_host calls rt.host[name](...args), runs microtasks, and converts the result.
int islet_call_host(islet_isolate* iso, const char* name, size_t name_len, const islet_val* args, int nargs,
                    islet_val* result, islet_error* err);
// islet_run_microtasks performs a microtask checkpoint and pumps the platform's tasks.
int islet_run_microtasks(islet_isolate* iso, islet_error* err);

// islet_runtime_eval runs a runtime file (which must evaluate to a function) and calls it with
// rt, in the current context: `shared` when it is not NULL, else the src_len bytes at src. Only
// for Go code running inside an op callback: the isolate is already locked and entered.
int islet_runtime_eval(islet_isolate* iso, const char* name, size_t name_len, const char* src, size_t src_len,
                       islet_source* shared, islet_error* err);

// Op returns, called by Go inside an op callback.
void islet_ret_number(islet_op_return* r, double v);
void islet_ret_bool(islet_op_return* r, int v);
void islet_ret_null(islet_op_return* r);
void islet_ret_string(islet_op_return* r, const char* p, size_t n);
void islet_ret_bytes(islet_op_return* r, const char* p, size_t n);
void islet_ret_strings(islet_op_return* r, const char* p, size_t n);  // STRINGS-encoded
void islet_ret_throw(islet_op_return* r, int cls, const char* name, size_t name_len, const char* msg,
                     size_t msg_len);

#ifdef __cplusplus
}
#endif
#endif
