// fetch("http://metadata.test/latest/meta-data/")
export default {
  async fetch() {
    try {
      const r = await fetch("http://metadata.test/latest/meta-data/");
      return new Response("reached: " + r.status);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
