// Keeps 1 MiB ArrayBuffers (memory outside the V8 heap) until an allocation fails.
const keep = [];
export default {
  fetch() {
    try {
      for (;;) keep.push(new ArrayBuffer(1 << 20));
    } catch (e) {
      const n = keep.length;
      keep.length = 0;
      return new Response(`${e.name} after ${n} MiB: ${e.message}`);
    }
  },
};
