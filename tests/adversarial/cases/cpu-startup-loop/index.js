// The top level never finishes.
for (;;) {}
export default {
  fetch() {
    return new Response("unreachable");
  },
};
