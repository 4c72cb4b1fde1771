// Tries to time its own computation: Date.now() and performance.now() before and after a
// busy loop of about 20 ms.
export default {
  fetch() {
    const d0 = Date.now();
    const p0 = performance.now();
    let x = 0;
    for (let i = 0; i < 2e7; i++) x += i;
    globalThis.sink = x;
    return new Response(`Date.now advanced ${Date.now() - d0} ms, performance.now advanced ${performance.now() - p0} ms`);
  },
};
