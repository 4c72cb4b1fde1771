// Looks for a shared buffer to build a high-resolution timer from: the constructor, a shared
// Wasm memory, and the constructor reached through a memory's prototype.
export default {
  fetch() {
    const found = [`SharedArrayBuffer: ${typeof SharedArrayBuffer}`];
    for (const [name, make] of [
      ['shared Wasm memory', () => new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true })],
      ['via prototype', () => new (Object.getPrototypeOf(new WebAssembly.Memory({ initial: 1 })).constructor)({ initial: 1, maximum: 1, shared: true })],
    ]) {
      try {
        found.push(`${name}: ${Object.prototype.toString.call(make().buffer)}`);
      } catch (e) {
        found.push(`${name}: ${e.name}`);
      }
    }
    return new Response(found.join(', '));
  },
};
