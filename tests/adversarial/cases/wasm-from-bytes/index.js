// Compiles WebAssembly from bytes at run time, every way there is.
const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
export default {
  async fetch() {
    const tries = [
      () => WebAssembly.compile(bytes),
      () => WebAssembly.instantiate(bytes),
      () => new WebAssembly.Module(bytes),
      () => WebAssembly.instantiate(bytes.buffer, {}),
    ];
    let refused = 0;
    let first = "";
    for (const f of tries) {
      try {
        await f();
      } catch (e) {
        if (e instanceof WebAssembly.CompileError && e.message.includes("Wasm code generation from bytes is refused")) refused++;
        first ||= e.name + ": " + e.message;
      }
    }
    return new Response(`${refused} of ${tries.length} refused; ${first}`);
  },
};
