export default {
  async fetch() {
    await null;
    throw new TypeError("async kaboom");
  },
};
