// Writes 10 MB to the console in one request.
export default {
  fetch() {
    const line = "x".repeat(1000);
    for (let i = 0; i < 10000; i++) console.log(i, line);
    return new Response("flooded");
  },
};
