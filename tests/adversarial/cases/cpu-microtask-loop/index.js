// A microtask that re-queues itself forever: the turn never reaches its end.
export default {
  fetch() {
    const spin = () => Promise.resolve().then(spin);
    spin();
    return new Promise(() => {});
  },
};
