export default {
  fetch() {
    return "just a string";
  },
};
