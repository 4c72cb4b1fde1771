// Catastrophic backtracking until the CPU limit stops it.
export default {
  fetch() {
    return new Response(String(/^(a+)+$/.test("a".repeat(64) + "!")));
  },
};
