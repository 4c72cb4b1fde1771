export default {
  fetch(request, env, ctx) {
    return new Response("hello world");
  },
};
