// Unbounded recursion, not caught.
export default {
  fetch() {
    const f = (n) => f(n + 1) + 1;
    return new Response(String(f(0)));
  },
};
