// A tenant allowed a long CPU limit spends all of it on every request.
export default {
  fetch() {
    for (;;) {}
  },
};
