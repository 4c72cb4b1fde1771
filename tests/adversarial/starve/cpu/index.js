// Burns its whole CPU limit on every request.
export default {
  fetch() {
    for (;;) {}
  },
};
