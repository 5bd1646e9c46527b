// Used by tests/dist/abort_test.ts, under a launcher with 3 ranks: rank 1
// fails while the other ranks wait in an allreduce that can never complete.
//   deno run -A tests/dist/_scripts/abort.ts <throw|reject> <token>

import { init } from "../../../dist/comm.ts";

const [mode = "throw", token = ""] = Deno.args;
const world = await init();
if (world.rank === 1) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const error = new Error(`Deliberate failure "${token}"`);
  if (mode === "reject") Promise.reject(error);
  else throw error;
  await new Promise((resolve) => setTimeout(resolve, 60_000));
} else {
  world.allreduce(new Float64Array([world.rank]));
}
console.log(`rank ${world.rank} finished, which it must not`);
