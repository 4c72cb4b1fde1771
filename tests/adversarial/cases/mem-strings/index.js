// Keeps 64 KiB strings until the heap is full.
const keep = [];
export default {
  fetch() {
    for (let i = 0; ; i++) keep.push("x".repeat(1 << 16) + i);
  },
};
