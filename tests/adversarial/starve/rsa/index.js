// Generates RSA-4096 keys: a computation in Go that V8 cannot interrupt.
export default {
  async fetch() {
    await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      false,
      ["sign"],
    );
    return new Response("generated");
  },
};
