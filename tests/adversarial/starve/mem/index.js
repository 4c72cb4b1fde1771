// Allocates until its isolate hits the memory limit, on every request (each one then starts a
// fresh isolate).
const keep = [];
export default {
  fetch() {
    for (;;) keep.push(new Array(100000).fill(1.5));
  },
};
