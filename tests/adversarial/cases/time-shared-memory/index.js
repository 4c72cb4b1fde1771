// Looks for a shared buffer to build a high-resolution timer from.
export default {
  fetch() {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const buffer = Object.prototype.toString.call(memory.buffer);
    return new Response(`SharedArrayBuffer: ${typeof SharedArrayBuffer}, shared Wasm memory buffer: ${buffer}`);
  },
};
