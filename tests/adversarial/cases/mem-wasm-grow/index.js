// Grows an uploaded module's Wasm memory 1 MiB at a time until memory.grow fails.
import mod from "./m.wasm";
export default {
  async fetch() {
    const inst = await WebAssembly.instantiate(mod, { env: { double: (x) => 2 * x } });
    let pages = 1;
    while (inst.exports.grow(16) !== -1) pages += 16;
    return new Response(`memory.grow refused at ${pages} pages (${pages / 16} MiB)`);
  },
};
