import { double } from "./lib/math.js";
import config from "./config.js";

const answer = await Promise.resolve(double(21));

export default {
  fetch() {
    const file = new URL(import.meta.url).pathname.split("/").pop();
    return new Response(`${config.name} ${answer} ${file}`);
  },
};
