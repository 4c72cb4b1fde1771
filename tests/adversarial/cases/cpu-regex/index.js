// Catastrophic backtracking: exponential in the input's length.
export default {
  fetch() {
    const matched = /^(a+)+$/.test("a".repeat(64) + "!");
    return new Response(String(matched));
  },
};
