// mod.ts must work when imported by URL from a project that has no import
// map of ours: serve the repository on a loopback port and run a script in
// another directory that imports http://127.0.0.1:PORT/mod.ts. A script that
// only touches .npy files downloads no npm package (zarrita and apache-arrow
// load on first use), even with an empty Deno cache.

import assert from "node:assert/strict";
import { ROOT, tempDir } from "./_util.ts";

const TYPES: Record<string, string> = {
  ".ts": "application/typescript",
  ".js": "application/javascript",
  ".json": "application/json",
};

Deno.test("mod.ts imported by URL writes, reads and reduces a .npy with narrow permissions", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(`${ROOT}${path}`);
      const ext = path.slice(path.lastIndexOf("."));
      return new Response(body, {
        headers: { "content-type": TYPES[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    await using dir = await tempDir("tessera-url-");
    const script = `
import * as tessera from "http://${host}/mod.ts";
const a = tessera.arange(12, undefined, undefined, "float32").reshape([3, 4]);
await tessera.writeNpy("${dir.path}/a.npy", a);
await using f = await tessera.NpyFile.open("${dir.path}/a.npy");
const block = await f.read("1:3, ::2");
const m = tessera.mean(block, { axis: 0 });
console.log(JSON.stringify({ shape: block.shape, mean: [...m.toTypedArray()] }));
`;
    await Deno.writeTextFile(`${dir.path}/main.ts`, script);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--allow-import=${host}`,
        `--allow-read=${dir.path}`,
        `--allow-write=${dir.path}`,
        "main.ts",
      ],
      cwd: dir.path,
      stdout: "piped",
      stderr: "piped",
      env: { DENO_NO_UPDATE_CHECK: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(result.shape, [2, 2]);
    assert.deepEqual(result.mean, [6, 8]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("mod.ts imported by URL with an empty Deno cache downloads no npm package for .npy work", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(`${ROOT}${path}`);
      const ext = path.slice(path.lastIndexOf("."));
      return new Response(body, {
        headers: { "content-type": TYPES[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    await using dir = await tempDir("tessera-url-");
    await using cache = await tempDir("tessera-deno-dir-");
    const script = `
import * as tessera from "http://${host}/mod.ts";
await tessera.writeNpy("${dir.path}/a.npy", tessera.arange(6, undefined, undefined, "int16"));
const a = await tessera.open("${dir.path}/a.npy");
console.log(JSON.stringify({ sum: Number(await a.sum().compute().then((r) => r.get())) }));
`;
    await Deno.writeTextFile(`${dir.path}/main.ts`, script);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-import=${host}`,
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "main.ts",
      ],
      cwd: dir.path,
      stdout: "piped",
      stderr: "piped",
      env: { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: cache.path, NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), { sum: 15 });
    // the modules themselves were downloaded (the cache was empty) ...
    assert.match(stderr, new RegExp(`Download http://${host.replace(/\./g, "\\.")}/mod\\.ts`));
    // ... and nothing else: no npm package (registry.npmjs.org), no other host
    assert.deepEqual(
      stderr.split("\n").filter((l) => l.includes("Download") && !l.includes(host)),
      [],
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("mod.ts imported by URL: the MIME types a static host may send, and the ones it may not", async () => {
  // what the README's "Importing by URL" says, checked: TypeScript types and
  // the generic ones (Deno then goes by the .ts extension) work;
  // application/javascript makes Deno parse TypeScript as JavaScript, and
  // text/html is refused
  const cases: [string, boolean][] = [
    ["application/typescript", true],
    ["text/typescript", true],
    ["text/plain", true],
    ["application/octet-stream", true],
    ["application/javascript", false],
    ["text/html", false],
  ];
  await using dir = await tempDir("tessera-url-mime-");
  for (const [type, works] of cases) {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      if (path.includes("..")) return new Response("bad path", { status: 400 });
      try {
        return new Response(await Deno.readFile(`${ROOT}${path}`), {
          headers: { "content-type": type },
        });
      } catch {
        return new Response("not found", { status: 404 });
      }
    });
    try {
      const host = `127.0.0.1:${server.addr.port}`;
      await using cache = await tempDir("tessera-deno-dir-");
      await Deno.writeTextFile(
        `${dir.path}/main.ts`,
        `import { arange } from "http://${host}/core/ndarray.ts";\nconsole.log(String(arange(3)));\n`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", `--allow-import=${host}`, "main.ts"],
        cwd: dir.path,
        stdout: "piped",
        stderr: "piped",
        env: { DENO_NO_UPDATE_CHECK: "1", DENO_DIR: cache.path, NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.success, works, `${type}: ${stderr}`);
      if (works) assert.equal(new TextDecoder().decode(out.stdout), "[0 1 2]\n", type);
    } finally {
      await server.shutdown();
    }
  }
});
