// Arms far more timers than an isolate may hold.
export default {
  fetch() {
    let armed = 0;
    try {
      for (let i = 0; i < 20000; i++) {
        setTimeout(() => {}, 1e9);
        armed++;
      }
      return new Response("armed " + armed);
    } catch (e) {
      return new Response(`${e.name} after ${armed} timers: ${e.message}`);
    }
  },
};
