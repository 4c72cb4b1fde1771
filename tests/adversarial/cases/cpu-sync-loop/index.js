// A synchronous infinite loop in the fetch handler.
export default {
  fetch() {
    for (;;) {}
  },
};
