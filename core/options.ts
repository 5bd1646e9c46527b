/**
 * The check every option bag goes through: `deno run` does not type-check,
 * so a misspelt option must be an error, not silently ignored.
 *
 * @module
 */

/**
 * Throws a TypeError naming the first key of `options` not in `allowed`
 * (`Unknown option "sd" for rand(): expected seed, region, ...`), or when
 * `options` is not an object. `undefined` passes (the defaults), and `null`
 * too when `nullOk` is set.
 *
 * @param what The caller as named in messages (`rand()`, `add.reduce`).
 * @param options The option bag as given.
 * @param allowed The keys the caller takes.
 * @param nullOk Whether `null` means "no options".
 * @throws {TypeError} For a non-object or an unknown key.
 *
 * @example
 * ```ts
 * import { checkOptionKeys } from "./options.ts";
 * import assert from "node:assert/strict";
 * checkOptionKeys("f()", { seed: 1 }, ["seed"]);
 * assert.throws(() => checkOptionKeys("f()", { sed: 1 }, ["seed"]), /Unknown option "sed" for f\(\)/);
 * ```
 */
export function checkOptionKeys(
  what: string,
  options: unknown,
  allowed: readonly string[],
  nullOk = false,
): void {
  if (options === undefined || (nullOk && options === null)) return;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid options for ${what}: expected an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`Unknown option "${key}" for ${what}: expected ${allowed.join(", ")}`);
    }
  }
}
