/**
 * Memory budgets (DESIGN.md, contract 5): parsing byte sizes and resolving
 * the budget of a run from an option, `TESSERA_MEMORY` or a quarter of RAM.
 *
 * @module
 */

import { granted, optionalEnv } from "../core/permissions.ts";

/**
 * Bytes libhdf5 caches per open dataset: its default raw-data chunk cache
 * (`rdcc_nbytes` of 1 MiB; Tessera opens datasets with the default access
 * property list, so this is what each holds).
 *
 * @example
 * ```ts
 * import { HDF5_CHUNK_CACHE_BYTES } from "./budget.ts";
 * if (HDF5_CHUNK_CACHE_BYTES !== 2 ** 20) throw new Error("not 1 MiB");
 * ```
 */
export const HDF5_CHUNK_CACHE_BYTES = 2 ** 20;

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/**
 * Parses a byte size: a non-negative number of bytes, or a string with an
 * optional unit (`"512MiB"`, `"2 GiB"`, `"1.5G"`, `"100kB"`). Binary units
 * (`KiB`, `MiB`, `GiB`, `TiB`) are powers of 1024, decimal ones (`k`, `MB`,
 * `G`, ...) powers of 1000; case is ignored. The result is rounded down to
 * whole bytes.
 *
 * @param value A byte count or a size with a unit.
 * @returns The number of bytes.
 * @throws {SyntaxError} When the text does not parse.
 * @throws {RangeError} When the size is negative or not finite.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBytes } from "./budget.ts";
 * assert.equal(parseBytes("512MiB"), 512 * 2 ** 20);
 * assert.equal(parseBytes("1.5 kB"), 1500);
 * assert.equal(parseBytes(4096), 4096);
 * ```
 */
export function parseBytes(value: number | string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`Invalid byte size ${value}: must be a finite non-negative number`);
    }
    return Math.floor(value);
  }
  if (typeof value !== "string") {
    throw new TypeError(`Invalid byte size ${String(value)}: expected a number or a string`);
  }
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new SyntaxError(
      `Cannot parse byte size "${value}": expected a number with an optional unit such as MiB or GB`,
    );
  }
  const bytes = Number(m[1]) * unit;
  if (!Number.isFinite(bytes)) {
    throw new RangeError(`Invalid byte size "${value}": too large`);
  }
  return Math.floor(bytes);
}

/**
 * The memory budget of a run: the `memory` option when given, else the
 * `TESSERA_MEMORY` environment variable, else a quarter of the machine's
 * RAM (`Deno.systemMemoryInfo().total / 4`; 1 GiB when that is not
 * permitted). Env and sys access are used only when already granted (never
 * a prompt).
 *
 * @param memory A byte count or a size such as `"512MiB"`.
 * @returns The budget in bytes.
 * @throws {SyntaxError} When the option or the variable does not parse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryBudget } from "./budget.ts";
 * assert.equal(memoryBudget("1GiB"), 2 ** 30);
 * assert.ok(memoryBudget() > 0);
 * ```
 */
export function memoryBudget(memory?: number | string): number {
  if (memory !== undefined) return parseBytes(memory);
  // optional permissions, asked without prompting: without them the default is 1 GiB
  const env = optionalEnv("TESSERA_MEMORY");
  if (env !== undefined && env.trim() !== "") return parseBytes(env);
  if (!granted({ name: "sys", kind: "systemMemoryInfo" })) return 2 ** 30;
  try {
    return Math.floor(Deno.systemMemoryInfo().total / 4);
  } catch {
    return 2 ** 30;
  }
}
