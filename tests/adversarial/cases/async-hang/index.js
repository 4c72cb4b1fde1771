// The handler's promise never settles and nothing it could wait for is pending.
export default {
  fetch() {
    return new Promise(() => {});
  },
};
