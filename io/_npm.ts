// The npm libraries of the formats, loaded on first use (DESIGN.md, contract
// 9: `import` of mod.ts pulls no npm package a script does not use).
//
// The specifiers are held in variables on purpose: Deno fetches a dynamic
// `import("npm:...")` with a literal specifier ahead of time, together with
// the static imports, which is exactly what this file avoids. The types come
// from `import type`, which `deno run` does not load.

import type * as Zarrita from "npm:zarrita@0.7.5";
import type * as ApacheArrow from "npm:apache-arrow@21.2.0";

export type { ApacheArrow, Zarrita };

const ZARRITA: string = "npm:zarrita@0.7.5";
const APACHE_ARROW: string = "npm:apache-arrow@21.2.0";

/**
 * Every npm package loaded on first use: the test command caches them ahead
 * of time (`deno cache` cannot see a specifier held in a variable).
 */
export const LAZY_NPM_PACKAGES: readonly string[] = [ZARRITA, APACHE_ARROW];

let zarritaModule: Promise<typeof Zarrita> | null = null;
let arrowModule: Promise<typeof ApacheArrow> | null = null;

/** zarrita, imported on the first call. */
export function loadZarrita(): Promise<typeof Zarrita> {
  return zarritaModule ??= import(ZARRITA) as Promise<typeof Zarrita>;
}

/** apache-arrow, imported on the first call. */
export function loadArrow(): Promise<typeof ApacheArrow> {
  return arrowModule ??= import(APACHE_ARROW) as Promise<typeof ApacheArrow>;
}
