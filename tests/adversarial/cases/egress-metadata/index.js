// fetch("http://169.254.169.254/latest/meta-data/")
export default {
  async fetch() {
    try {
      const r = await fetch("http://169.254.169.254/latest/meta-data/");
      return new Response("reached: " + r.status);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
