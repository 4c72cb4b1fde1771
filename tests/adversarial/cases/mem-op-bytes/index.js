// Fills the ArrayBuffer budget, then asks ops to hand bytes to JS: each must fail with a
// RangeError in this worker, never abort the process.
const keep = [];
export default {
  async fetch() {
    try {
      for (;;) keep.push(new ArrayBuffer(1 << 20));
    } catch {}
    const results = [];
    const big = "x".repeat(2 << 20);
    for (const [name, f] of [
      ["TextEncoder.encode", () => new TextEncoder().encode(big)],
      ["Response.arrayBuffer", () => new Response(big).arrayBuffer()],
      ["Request.bytes", () => new Request("http://x/", { method: "POST", body: big }).bytes()],
    ]) {
      try {
        const out = await f();
        results.push(`${name}: ${out.byteLength}`);
      } catch (e) {
        results.push(`${name}: ${e.name}`);
      }
    }
    keep.length = 0;
    return new Response(results.join("; "));
  },
};
