// Every request leaves a closure over 1 MiB in a global: the isolate fills up over requests.
globalThis.leak = [];
export default {
  fetch() {
    const big = Array.from({ length: 1 << 17 }, (_, i) => i * 1.5);
    leak.push(() => big);
    return new Response("leaked " + leak.length);
  },
};
