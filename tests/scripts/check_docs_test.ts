import assert from "node:assert/strict";

const SCRIPT = new URL("../../scripts/check_docs.ts", import.meta.url);

const EXAMPLE = [
  " * @example",
  " * ```ts",
  ' * if (1 + 1 !== 2) throw new Error("bad sum");',
  " * ```",
].join("\n");

// A tiny project: mod.ts re-exports dist/comm.ts, whose class extends a
// private base class (dist/_base.ts) that implements a documented interface.
const FILES: Record<string, string> = {
  "mod.ts": `/** A project. @module */
export * from "./dist/comm.ts";
export * from "./core/arr.ts";

/** No example. */
export function bare(): number {
  return 1;
}

/**
 * Documented.
${EXAMPLE}
 */
export function good(): number {
  return 1;
}

/**
 * Only an ignored block.
 * @example
 * \`\`\`ts ignore
 * bare();
 * \`\`\`
 */
export function ignored(): number {
  return 1;
}

/**
 * An example that checks nothing.
 * @example
 * \`\`\`ts
 * console.log(1);
 * \`\`\`
 */
export function unchecked(): number {
  return 1;
}
`,
  "dist/comm.ts": `import { BaseComm } from "./_base.ts";

/** A communicator. */
export interface Comm {
  /**
   * Waits.
${EXAMPLE.replaceAll(" * ", "   * ")}
   */
  barrier(): void;
  /** No example. */
  free(): void;
}

/** One process. */
export class SelfComm extends BaseComm {
  /** Inherits the interface's example. */
  override barrier(): void {}
  /** The interface has no example either. */
  override free(): void {}
  /** Own method without example. */
  own(): void {}
  /** A static method without example. */
  static make(): SelfComm {
    return new SelfComm();
  }
  /** Private by convention. */
  _hidden(): void {}
  /** @internal */
  internal(): void {}
  /** A getter needs none. */
  get size(): number {
    return 1;
  }
  /** Closing. */
  [Symbol.dispose](): void {}
  #secret(): void {}
}
`,
  "dist/_base.ts": `import type { Comm } from "./comm.ts";

/** The shared base. */
export abstract class BaseComm implements Comm {
  /** Waits. */
  abstract barrier(): void;
  /** Frees. */
  abstract free(): void;
}
`,
  // Methods generated from an operation table and declared by interface
  // merging are documented by the table's example, not one by one.
  "core/arr.ts": `/**
 * The operation table.
${EXAMPLE}
 */
export const OPS = { add: 2, neg: 1 } as const;
type Ops<T> = { [K in keyof typeof OPS]: (...args: T[]) => T };

/** Generated operations. */
export interface Arr extends Ops<Arr> {}

/** An array. */
export class Arr {
  /**
   * Documented in the class body.
${EXAMPLE.replaceAll(" * ", "   * ")}
   */
  sum(): number {
    return 0;
  }
}
`,
};

async function project(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tessera-check-docs-" });
  await Deno.mkdir(`${dir}/scripts`);
  await Deno.mkdir(`${dir}/dist`);
  await Deno.mkdir(`${dir}/core`);
  await Deno.copyFile(SCRIPT, `${dir}/scripts/check_docs.ts`);
  for (const [name, text] of Object.entries(FILES)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

async function run(dir: string, args: string[]): Promise<{ code: number; lines: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${dir}/scripts/check_docs.ts`, ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  return { code: out.code, lines: text.split("\n").filter((l) => /^\S+:\d+ /.test(l)) };
}

Deno.test("check_docs lists each public function and method without a runnable example", async () => {
  const dir = await project();
  try {
    const strict = await run(dir, []);
    assert.deepEqual(strict.lines, [
      "dist/comm.ts:22 SelfComm.free",
      "dist/comm.ts:24 SelfComm.own",
      "dist/comm.ts:26 SelfComm.make",
      "mod.ts:6 bare",
      "mod.ts:28 ignored",
      "mod.ts:39 unchecked",
    ]);
    assert.equal(strict.code, 1);
    const report = await run(dir, ["--report"]);
    assert.deepEqual(report.lines, strict.lines);
    assert.equal(report.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check_docs passes when every public function and method has an example", async () => {
  const dir = await project();
  try {
    const text = FILES["mod.ts"].replace(
      /\/\*\* No example\. \*\/\nexport function bare[^}]*}\n/,
      "",
    )
      .replace(/\/\*\*\n \* Only an ignored block[\s\S]*$/, "");
    await Deno.writeTextFile(
      `${dir}/mod.ts`,
      text.replace('export * from "./dist/comm.ts";\n', ""),
    );
    const r = await run(dir, []);
    assert.deepEqual(r.lines, []);
    assert.equal(r.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
