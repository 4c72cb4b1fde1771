// A thousand promises rejected with nobody to handle them.
export default {
  fetch() {
    for (let i = 0; i < 1000; i++) Promise.reject(new Error("unhandled " + i));
    return new Response("responded");
  },
};
