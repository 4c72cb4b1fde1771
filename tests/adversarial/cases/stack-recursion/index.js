// Unbounded recursion, caught.
export default {
  fetch() {
    const f = (n) => f(n + 1) + 1;
    try {
      return new Response(String(f(0)));
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
