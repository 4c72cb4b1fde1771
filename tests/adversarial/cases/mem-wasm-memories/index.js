// Creates 24 MiB Wasm memories and keeps them: the second one does not fit in 32 MiB.
const keep = [];
export default {
  fetch() {
    for (;;) keep.push(new WebAssembly.Memory({ initial: 384 }));
  },
};
