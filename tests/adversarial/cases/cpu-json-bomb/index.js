// Parses a 1.5 MB JSON document over and over.
const unit = JSON.stringify({ a: [1, 2, 3, { b: "x".repeat(50) }] });
const big = "[" + Array(20000).fill(unit).join(",") + "]";
export default {
  fetch() {
    let n = 0;
    for (;;) n += JSON.parse(big).length;
  },
};
