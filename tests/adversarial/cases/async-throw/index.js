// The handler throws after an await.
export default {
  async fetch() {
    await null;
    throw new Error("thrown after an await");
  },
};
