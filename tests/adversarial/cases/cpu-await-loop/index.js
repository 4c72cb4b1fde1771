// An async loop that never yields to I/O: every `await null` is a microtask of the same turn.
export default {
  async fetch() {
    let n = 0;
    for (;;) {
      await null;
      n++;
    }
  },
};
