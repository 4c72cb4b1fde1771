export default {
  fetch() {
    explode();
  },
};
function explode() {
  throw new Error("kaboom");
}
