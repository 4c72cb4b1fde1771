// fetch("http://10.0.0.1/")
export default {
  async fetch() {
    try {
      const r = await fetch("http://10.0.0.1/");
      return new Response("reached: " + r.status);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
