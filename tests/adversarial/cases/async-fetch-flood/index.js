// Starts as many fetches as it can, to an origin that never answers, and responds without
// awaiting them.
export default {
  async fetch(req, env) {
    let refused = 0;
    let message = "none";
    for (let i = 0; i < 100; i++) {
      fetch(env.PUBLIC + "/hang").catch((e) => {
        if (e.message.startsWith("Too many subrequests")) {
          refused++;
          message = e.message;
        }
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 1)); // the refusals settle first
    return new Response(`started 100, ${refused} refused: ${message}`);
  },
};
