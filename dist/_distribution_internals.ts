// Module-private access to a Distribution's per-axis maps and cached local
// index lists: set by the class's static block (dist/distribution.ts), used
// by the redistribution planner (dist/redistribution_plan.ts).

import type { AxisMap } from "./_grid.ts";
import type { Distribution } from "./distribution.ts";

/** Access to a distribution's private per-axis maps and local index lists, set by its class. */
export const internals: {
  axisMaps: (d: Distribution) => readonly AxisMap[];
  localList: (d: Distribution, axis: number, rank: number) => Int32Array;
} = {
  axisMaps: () => {
    throw new Error("Distribution is not loaded");
  },
  localList: () => {
    throw new Error("Distribution is not loaded");
  },
};
