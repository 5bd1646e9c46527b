import assert from "node:assert/strict";

const SCRIPT = new URL("../../scripts/check_layers.ts", import.meta.url);

// A tiny project with one offence of each kind, plus imports that must not count.
const FILES: Record<string, string> = {
  "mod.ts": `export * from "./io/x.ts";\nexport * from "./io/h.ts";\n`,
  "core/a.ts": `export const a = 1;\n`,
  "core/_p.ts": `export const p = 2;\n`,
  "ffi/lib.ts": `export type Handle = number;\n`,
  // line 2: upward (io/ below stream/)
  "io/x.ts": `import { a } from "../core/a.ts";\nimport { s } from "../stream/s.ts";\n` +
    `export const x = a + s;\n`,
  // a public signature naming an ffi/ type
  "io/h.ts": `import type { Handle } from "../ffi/lib.ts";\n` +
    `/** Doc. */\nexport function h(x: Handle): number {\n  return x;\n}\n`,
  // io/ <-> viz/: a cycle on one floor
  "io/y.ts": `import type {\n  V,\n} from "../viz/v.ts";\nexport type Y = V;\n`,
  "viz/v.ts": `import { x } from "../io/x.ts";\nexport type V = typeof x;\n`,
  // neither comments, strings nor template text count
  "io/z.ts": `// import "../cli/main.ts";\n/* import("../stream/s.ts") */\n` +
    'const t = `import("../cli/main.ts")`;\nconst r = /"/;\nexport { r, t };\n',
  // line 1: another folder's private file
  "stream/s.ts": `import { p } from "../core/_p.ts";\nexport const s = p;\n`,
  "stream/mod.ts": `export { s } from "./s.ts";\n`,
  "cli/main.ts": `const m = await import("../stream/mod.ts");\nexport { m };\n`,
  // tests/ may import anything
  "tests/t_test.ts":
    `import { p } from "../core/_p.ts";\nimport "../cli/main.ts";\nexport { p };\n`,
};

async function run(dir: string): Promise<{ code: number; lines: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${dir}/scripts/check_layers.ts`],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  return { code: out.code, lines: text.split("\n").filter((l) => l) };
}

async function project(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "check-layers-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${path.slice(0, path.lastIndexOf("/") + 1) || "."}`, {
      recursive: true,
    });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  await Deno.mkdir(`${dir}/scripts`, { recursive: true });
  await Deno.copyFile(SCRIPT, `${dir}/scripts/check_layers.ts`);
  return dir;
}

Deno.test("check_layers lists upward and private imports and folder cycles with file:line", async () => {
  const dir = await project(FILES);
  try {
    const { code, lines } = await run(dir);
    assert.equal(code, 1);
    assert.deepEqual(lines, [
      'io/x.ts:2: upward import: "../stream/s.ts": stream/ is above io/',
      'stream/s.ts:1: private import: "../core/_p.ts" is private to core/',
      "cycle between folders io/, viz/: io/ -> viz/ (io/y.ts:3), viz/ -> io/ (viz/v.ts:1)",
      "3 import(s) break the layers (see scripts/check_layers.ts)",
      "public API: h (io/h.ts): names Handle, declared in ffi/ (ffi/lib.ts)",
      "1 public API name(s) come from ffi/ or a private file",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check_layers fails on an ffi/ type or a private file in the public API", async () => {
  const files = { ...FILES };
  files["io/x.ts"] = `import { a } from "../core/a.ts";\nexport const x = a;\n`;
  files["stream/s.ts"] = `import { a } from "../core/a.ts";\nexport const s = a;\n`;
  files["io/y.ts"] = `export type Y = number;\n`;
  // a public type declared in a private file, re-exported
  files["io/_k.ts"] = `/** Doc. */\nexport type Kind = "a" | "b";\n`;
  files["io/k.ts"] = `import type { Kind } from "./_k.ts";\nexport type { Kind };\n` +
    `/** Doc. */\nexport function k(x: Kind): Kind {\n  return x;\n}\n`;
  files["mod.ts"] += `export * from "./io/k.ts";\n`;
  const dir = await project(files);
  try {
    const { code, lines } = await run(dir);
    assert.equal(code, 1);
    assert.deepEqual(lines, [
      "public API: Kind: declared in a private file (io/_k.ts)",
      "public API: h (io/h.ts): names Handle, declared in ffi/ (ffi/lib.ts)",
      "public API: k (io/k.ts): names Kind, declared in a private file (io/_k.ts)",
      "3 public API name(s) come from ffi/ or a private file",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check_layers passes a layered tree whose public API has public homes", async () => {
  const files = { ...FILES };
  files["io/x.ts"] = `import { a } from "../core/a.ts";\nexport const x = a;\n`;
  files["stream/s.ts"] = `import { a } from "../core/a.ts";\nexport const s = a;\n`;
  files["io/y.ts"] = `export type Y = number;\n`;
  // the ffi/ type stays inside: the public signature names a public io/ type
  files["io/h.ts"] = `import type { Handle } from "../ffi/lib.ts";\n` +
    `/** A handle. */\nexport type H = number;\nconst id = (x: Handle): H => x;\n` +
    `/** Doc. */\nexport function h(x: H): H {\n  return id(x);\n}\n`;
  const dir = await project(files);
  try {
    const { code, lines } = await run(dir);
    assert.equal(code, 0);
    assert.deepEqual(lines, [
      "layers ok: imports point downward, no private imports across folders, no cycles, " +
      "no ffi/ or private type in the public API",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
