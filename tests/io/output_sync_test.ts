// io/output.ts durability rule (issue 13): a new output is published by its
// rename alone (no fsync, no temporary per chunk inside a staged store); a
// replaced target, or an object put into an existing container, is synced
// once at the commit; `sync: true`, `--sync` and TESSERA_SYNC=1 sync new
// outputs too; a `sync` that is not a boolean is a TypeError naming it.

import assert from "node:assert/strict";
import { arange } from "../../core/ndarray.ts";
import { _syncCounts, insideTemp, PendingOutput, syncOption, tempPath } from "../../io/output.ts";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { openZarr } from "../../io/zarr.ts";
import { saveTxt } from "../../io/text.ts";
import { lazy } from "../../stream/lazy.ts";
import { CLI_MAIN, hasPython, IN_CI, listing, runCli, tempDir } from "../_util.ts";

function counted(): () => { files: number; dirs: number } {
  const f = _syncCounts.files;
  const d = _syncCounts.dirs;
  return () => ({ files: _syncCounts.files - f, dirs: _syncCounts.dirs - d });
}

/** Runs `fn` with TESSERA_SYNC set to `value` (restored after). */
async function withEnv(value: string, fn: () => Promise<void>): Promise<void> {
  const before = Deno.env.get("TESSERA_SYNC");
  Deno.env.set("TESSERA_SYNC", value);
  try {
    await fn();
  } finally {
    if (before === undefined) Deno.env.delete("TESSERA_SYNC");
    else Deno.env.set("TESSERA_SYNC", before);
  }
}

Deno.test("PendingOutput syncs a replaced target or an `into` commit, not a new one", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/a.bin`;
  let n = counted();
  const fresh = PendingOutput.at(file);
  await Deno.writeTextFile(fresh.temp, "one");
  await fresh.commit();
  assert.deepEqual(n(), { files: 0, dirs: 0 });
  n = counted();
  const replace = PendingOutput.at(file);
  await Deno.writeTextFile(replace.temp, "two");
  await replace.commit();
  assert.equal(await Deno.readTextFile(file), "two");
  assert.deepEqual(n(), { files: 1, dirs: 1 });
  // a new array directory published into an existing store: its files and directories, then the store's
  n = counted();
  const member = PendingOutput.at(`${dir.path}/s.zarr/x`, { into: true });
  await Deno.mkdir(`${member.temp}/c`, { recursive: true });
  await Deno.writeTextFile(`${member.temp}/.zarray`, "{}");
  await Deno.writeTextFile(`${member.temp}/c/0`, "chunk");
  await member.commit();
  assert.deepEqual(n(), { files: 2, dirs: 3 });
  // asked for: a new file is synced too
  n = counted();
  const asked = PendingOutput.at(`${dir.path}/b.bin`, { sync: true });
  await Deno.writeTextFile(asked.temp, "x");
  await asked.commit();
  assert.deepEqual(n(), { files: 1, dirs: 1 });
  // inside another temporary: that one's commit covers it
  const outer = tempPath(`${dir.path}/t.zarr`);
  await Deno.mkdir(`${outer}/y`, { recursive: true });
  await Deno.writeTextFile(`${outer}/y/.zarray`, "old");
  n = counted();
  const inner = PendingOutput.at(`${outer}/y`, { into: true });
  await Deno.mkdir(inner.temp);
  await inner.commit();
  assert.deepEqual(n(), { files: 0, dirs: 0 });
  assert.equal(insideTemp(`${outer}/y/0.0`), true);
  assert.equal(insideTemp(`${dir.path}/s.zarr/x/c/0`), false);
});

Deno.test("syncOption() takes a boolean or TESSERA_SYNC, refuses anything else naming it", async () => {
  assert.equal(syncOption(false, "x.npy"), false);
  assert.throws(() => syncOption("yes", "x.npy"), (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.equal((e as Error).message, `Invalid sync "yes" for "x.npy": expected true or false`);
    return true;
  });
  assert.throws(() => syncOption(1, "x.npy"), TypeError);
  await withEnv("1", () => Promise.resolve(assert.equal(syncOption(undefined, "x"), true)));
  await withEnv("0", () => Promise.resolve(assert.equal(syncOption(undefined, "x"), false)));
  await withEnv("maybe", () => {
    assert.throws(() => syncOption(undefined, "x"), /Invalid TESSERA_SYNC "maybe"/);
    return Promise.resolve();
  });
});

Deno.test('writers refuse `sync: "yes"` before writing; TESSERA_SYNC=1 syncs a new file', async () => {
  await using dir = await tempDir();
  const a = arange(6, undefined, undefined, "float64");
  const opts = { sync: "yes" } as unknown as { sync: boolean };
  await assert.rejects(() => writeNpy(`${dir.path}/a.npy`, a, opts), /Invalid sync "yes"/);
  await assert.rejects(() => saveTxt(`${dir.path}/a.txt`, a, opts), /Invalid sync "yes"/);
  await assert.rejects(() => lazy(a).to(`${dir.path}/a.zarr`, opts), (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.match((e as Error).message, /Invalid sync "yes" for ".*a\.zarr"/);
    return true;
  });
  assert.deepEqual(listing(dir.path), []);
  let n = counted();
  await writeNpy(`${dir.path}/a.npy`, a);
  assert.deepEqual(n(), { files: 0, dirs: 0 });
  n = counted();
  await withEnv("1", () => writeNpy(`${dir.path}/b.npy`, a));
  assert.deepEqual(n(), { files: 1, dirs: 1 });
  n = counted();
  await writeNpy(`${dir.path}/b.npy`, a.mul(2)); // replaces: synced
  assert.deepEqual(n(), { files: 1, dirs: 1 });
  assert.deepEqual((await readNpy(`${dir.path}/b.npy`)).toArray(), a.mul(2).toArray());
});

Deno.test("to() a new Zarr store: chunks written in place, no sync; into an existing store: synced once", async () => {
  await using dir = await tempDir();
  const a = arange(64, undefined, undefined, "int32").reshape([8, 8]);
  const store = `${dir.path}/s.zarr`;
  let n = counted();
  await lazy(a).to(`${store}:/a`, { chunks: [2, 4], codec: "zstd:3" });
  assert.deepEqual(n(), { files: 0, dirs: 0 });
  assert.deepEqual((await (await openZarr(`${store}:/a`)).read()).toArray(), a.toArray());
  assert.deepEqual(listing(dir.path), ["s.zarr"]);
  // a second array put into the store: its 8 chunks, its metadata and directories, synced
  n = counted();
  await lazy(a).to(`${store}:/b`, { chunks: [2, 4], codec: "zstd:3" });
  const c = n();
  assert.ok(c.files >= 9 && c.dirs >= 2, JSON.stringify(c));
  // explicitly asked for
  n = counted();
  await lazy(a).to(`${dir.path}/t.zarr`, { chunks: [4, 4], sync: true });
  assert.ok(n().files >= 5, "4 chunks and the metadata synced");
  assert.deepEqual((await (await openZarr(`${dir.path}/t.zarr`)).read()).toArray(), a.toArray());
});

/** The fsync and rename system calls of a CLI run (strace), or null without strace. */
async function traced(args: string[]): Promise<{ fsync: number; rename: number } | null> {
  try {
    const probe = await new Deno.Command("strace", { args: ["-V"], stdout: "null" }).output();
    if (!probe.success) return null;
  } catch {
    return null;
  }
  const log = `${await Deno.makeTempDir()}/strace.txt`;
  const out = await new Deno.Command("strace", {
    args: [
      "-f",
      "-qq",
      "-e",
      "trace=fsync,fdatasync,rename,renameat,renameat2",
      "-o",
      log,
      Deno.execPath(),
      "run",
      "-A",
      CLI_MAIN,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const text = await Deno.readTextFile(log);
  await Deno.remove(log.slice(0, log.lastIndexOf("/")), { recursive: true });
  const lines = text.split("\n");
  return {
    fsync: lines.filter((l) => /\b(fsync|fdatasync)\(/.test(l)).length,
    rename: lines.filter((l) => /\brename(at2?)?\(/.test(l)).length,
  };
}

Deno.test({
  name: "tessera convert to a new Zarr store: no fsync, one rename; --sync and --overwrite sync",
  ignore: !hasPython("numpy") && !IN_CI,
  async fn() {
    await using dir = await tempDir();
    const src = `${dir.path}/a.npy`;
    await writeNpy(src, arange(4096, undefined, undefined, "float32").reshape([64, 64]));
    const args = (dst: string, ...more: string[]): string[] => [
      "convert",
      src,
      dst,
      "--chunks",
      "16,16",
      "--codec",
      "blosc:lz4:5:shuffle",
      "-q",
      ...more,
    ];
    const plain = await traced(args(`${dir.path}/a.zarr`));
    if (plain === null) {
      // no strace here: the flag is still accepted and the store written
      const r = await runCli(args(`${dir.path}/a.zarr`, "--sync"));
      assert.equal(r.code, 0, r.stderr);
      return;
    }
    assert.equal(plain.fsync, 0, "a new output is not synced");
    assert.ok(plain.rename <= 2, `renames: ${plain.rename} (16 chunks written in place)`);
    const synced = await traced(args(`${dir.path}/b.zarr`, "--sync"));
    assert.ok(synced!.fsync >= 17, `--sync: ${synced!.fsync} fsyncs`);
    const replaced = await traced(args(`${dir.path}/a.zarr`, "--overwrite"));
    assert.ok(replaced!.fsync >= 17, `--overwrite: ${replaced!.fsync} fsyncs`);
    const z = await openZarr(`${dir.path}/a.zarr`);
    assert.deepEqual((await z.read()).toArray(), (await readNpy(src)).toArray());
  },
});
