/**
 * Optional permissions, asked without prompting: what Tessera would like but
 * can do without (an environment variable, the RAM size, FFI for aligned
 * buffers) is used only when already granted, so a run with exactly the
 * README's permissions never prompts and never fails with `NotCapable`.
 *
 * @module
 */

/**
 * Whether a permission is granted, without prompting (false when the
 * permission API itself is unavailable).
 *
 * @param desc The permission, e.g. `{ name: "sys", kind: "systemMemoryInfo" }`.
 * @returns True when granted.
 *
 * @example
 * ```ts
 * import { granted } from "./permissions.ts";
 * if (typeof granted({ name: "env", variable: "HOME" }) !== "boolean") throw new Error("not a boolean");
 * ```
 */
export function granted(desc: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(desc).state === "granted";
  } catch {
    return false;
  }
}

/**
 * An environment variable when env access to it is granted, else undefined
 * (never a prompt or a `NotCapable` error).
 *
 * @param name The variable.
 * @returns Its value, or undefined when unset or not permitted.
 *
 * @example
 * ```ts
 * import { optionalEnv } from "./permissions.ts";
 * const v = optionalEnv("TESSERA_SURELY_UNSET_VARIABLE");
 * if (v !== undefined) throw new Error(`unexpected ${v}`);
 * ```
 */
export function optionalEnv(name: string): string | undefined {
  if (!granted({ name: "env", variable: name })) return undefined;
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
