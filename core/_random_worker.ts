// A worker of fillUniformParallel (core/random.ts), a Deno Web Worker: fills
// its part of the shared output with fillUniform and answers with the job's
// id (and an error message when it failed).

import { runUniformJob, type UniformJob } from "./random.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<{ id: number; job: UniformJob }>) => void) | null;
  postMessage(m: unknown): void;
};

scope.onmessage = (e) => {
  try {
    runUniformJob(e.data.job);
    scope.postMessage({ id: e.data.id });
  } catch (err) {
    scope.postMessage({ id: e.data.id, error: (err as Error)?.message ?? String(err) });
  }
};
