// Counts the requests it sees whose path starts with /smuggled (the ones hidden in the bodies
// of the attack's requests); /count reports them.
let smuggled = 0;
export default {
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (path.startsWith("/smuggled")) smuggled++;
    if (path === "/count") return new Response("smuggled " + smuggled);
    return new Response("ok " + path);
  },
};
