// Used by tests/dist/abort_test.ts, under a launcher: rank 1 ends in the way
// the mode names while the other ranks wait in an allreduce that can never
// complete.
//   deno run -A tests/dist/_scripts/abort.ts <mode> <token>
// Modes: throw, reject, using-throw (throws inside `await using world`),
// exit1 (Deno.exit(3)), using-exit1, exit0 (Deno.exit(0)), signal (waits for
// SIGTERM/SIGINT from the test, which finds this rank by its "ready" line),
// kill (waits for kill -9); blocked: rank 1 sleeps and rank 0 says it is
// ready, then blocks in the allreduce, for a signal sent to rank 0; clean: no failure, every rank ends with
// Deno.exit(0) after leaving `await using world`, and the job must exit 0.

import { init } from "../../../dist/comm.ts";

const [mode = "throw", token = ""] = Deno.args;

async function fail(rank: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const error = new Error(`Deliberate failure "${token}"`);
  switch (mode) {
    case "throw":
    case "using-throw":
      throw error;
    case "reject":
      Promise.reject(error);
      break;
    case "exit1":
    case "using-exit1":
      Deno.exit(3);
      break;
    case "exit0":
      Deno.exit(0);
      break;
    case "blocked":
      break;
    default: // signal, kill: the test ends this rank
      console.error(`ready ${rank} ${Deno.pid} "${token}"`);
  }
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}

if (mode === "clean") {
  {
    await using world = await init();
    const total = world.allreduce(new Float64Array([1]))[0];
    console.log(`rank ${world.rank} clean ${total}`);
  }
  Deno.exit(0);
} else if (mode.startsWith("using-")) {
  await using world = await init();
  if (world.rank === 1) await fail(world.rank);
  else world.allreduce(new Float64Array([world.rank]));
  console.log(`rank ${world.rank} finished, which it must not`);
} else {
  const world = await init();
  if (world.rank === 1) await fail(world.rank);
  else {
    if (mode === "blocked") console.error(`ready ${world.rank} ${Deno.pid} "${token}"`);
    world.allreduce(new Float64Array([world.rank]));
  }
  console.log(`rank ${world.rank} finished, which it must not`);
}
