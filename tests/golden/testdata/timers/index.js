export default {
  async fetch() {
    const order = [];
    await new Promise((resolve) => setTimeout(() => { order.push("timeout"); resolve(); }, 5));
    queueMicrotask(() => order.push("microtask"));
    await null;
    return new Response(order.join(","));
  },
};
