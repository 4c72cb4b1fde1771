export default {
  fetch(request, env) {
    return new Response(`${env.GREETING} ${env.COUNT + 1} ${env.NESTED.a} ${Object.isFrozen(env)}`);
  },
};
