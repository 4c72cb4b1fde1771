// Keeps arrays of objects until the heap is full.
const keep = [];
export default {
  fetch() {
    for (let i = 0; ; i++) keep.push(Array.from({ length: 1e4 }, (_, j) => ({ i, j })));
  },
};
