// io/output.ts: one temporary-name scheme, commit by rename (files and
// directories), abort, and the refusal of an existing target.

import assert from "node:assert/strict";
import {
  cleanPendingOutputs,
  exists,
  OutputLock,
  parseTempName,
  PendingOutput,
  processAlive,
  removePath,
  removeStaleTemps,
  removeStaleTempsSync,
  TEMP_MARK,
  tempPath,
  writeViaTemp,
} from "../../io/output.ts";
import { tempDir } from "../_util.ts";

Deno.test("tempPath() names a hidden sibling that parseTempName() recognises", () => {
  const t = tempPath("/d/x.zarr/");
  assert.ok(t.startsWith(`/d/.x.zarr${TEMP_MARK}${Deno.pid}-`), t);
  assert.deepEqual(parseTempName(t)?.target, "x.zarr");
  assert.equal(parseTempName(t)?.pid, Deno.pid);
  assert.equal(tempPath("x.npy", "1-deadbeef"), ".x.npy.tessera-tmp-1-deadbeef");
  assert.equal(parseTempName(".x.npy.tmp-12345678"), null);
  assert.notEqual(tempPath("x"), tempPath("x"));
});

Deno.test("PendingOutput commits a file or a directory over an existing target, or aborts", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/f.bin`;
  await Deno.writeTextFile(file, "old");
  await assert.rejects(() => PendingOutput.begin(file), (e: unknown) => {
    assert.ok(e instanceof Deno.errors.AlreadyExists);
    assert.match((e as Error).message, /"[^"]*f\.bin" exists; pass overwrite: true to replace it/);
    return true;
  });
  const out = await PendingOutput.begin(file, { overwrite: true });
  await Deno.writeTextFile(out.temp, "new");
  assert.equal(await Deno.readTextFile(file), "old");
  await out.commit();
  assert.equal(await Deno.readTextFile(file), "new");
  await assert.rejects(() => out.commit(), /already committed/);
  // a directory (a Zarr store) replaces a directory
  const store = `${dir.path}/s.zarr`;
  await Deno.mkdir(`${store}/old`, { recursive: true });
  const z = await PendingOutput.begin(store, { overwrite: true, object: "/a" });
  assert.equal(z.object, "/a");
  await Deno.mkdir(`${z.temp}/new`, { recursive: true });
  await z.commit();
  assert.deepEqual([...Deno.readDirSync(store)].map((e) => e.name), ["new"]);
  // abort removes the temporary, twice is fine
  const gone = await PendingOutput.begin(`${dir.path}/g.bin`);
  await Deno.writeTextFile(gone.temp, "x");
  await gone.abort();
  await gone.abort();
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name).sort(), ["f.bin", "s.zarr"]);
});

Deno.test("writeViaTemp() leaves nothing behind when the fill fails", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    () => writeViaTemp(`${dir.path}/x.npy`, () => Promise.reject(new Error("disk on fire"))),
    /disk on fire/,
  );
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
  assert.equal(await exists(`${dir.path}/x.npy`), false);
  await removePath(`${dir.path}/nothing`);
});

/** Pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const p = new Deno.Command(Deno.execPath(), { args: ["--version"], stdout: "null" }).spawn();
  await p.status;
  return p.pid;
}

Deno.test("OutputLock: exclusive, names its holder, a dead holder's lock is taken over", async () => {
  await using dir = await tempDir();
  const target = `${dir.path}/o.h5`;
  const lock = OutputLock.acquire(target, "o.h5:/x");
  assert.equal(lock.path, `${dir.path}/.o.h5.tessera-lock`);
  const [pid, host] = (await Deno.readTextFile(lock.path)).trim().split(" ");
  assert.equal(Number(pid), Deno.pid);
  assert.throws(() => OutputLock.acquire(target, "o.h5:/x"), (e: unknown) => {
    assert.ok(e instanceof Deno.errors.Busy);
    assert.match(
      (e as Error).message,
      new RegExp(`^Cannot write "o\\.h5:/x": it is being written by process ${Deno.pid}\\b`),
    );
    return true;
  });
  lock.release();
  lock.release();
  assert.equal(await exists(lock.path), false);
  // a lock of a process of this host that has ended
  const dead = await deadPid();
  assert.equal(processAlive(dead), false);
  assert.equal(processAlive(Deno.pid), true);
  await Deno.writeTextFile(lock.path, `${dead} ${host ?? ""}\n`);
  const taken = OutputLock.acquire(target);
  assert.equal((await Deno.readTextFile(taken.path)).split(" ")[0], String(Deno.pid));
  // a lock of another host is never taken over
  taken.release();
  await Deno.writeTextFile(lock.path, `${dead} some-other-host-of-the-cluster\n`);
  assert.throws(() => OutputLock.acquire(target), /process \d+ on some-other-host-of-the-cluster/);
  await Deno.remove(lock.path);
});

Deno.test("removeStaleTemps() removes the temporaries of dead processes only", async () => {
  await using dir = await tempDir();
  const dead = await deadPid();
  const target = `${dir.path}/x.zarr`;
  const stale = tempPath(target, `${dead}-0000abcd`);
  const staleDir = tempPath(target, `${dead}-0000abce`);
  const live = tempPath(target, `${Deno.pid}-0000abcd`);
  const other = tempPath(`${dir.path}/y.zarr`, `${dead}-0000abcd`);
  await Deno.writeTextFile(stale, "x");
  await Deno.mkdir(`${staleDir}/c`, { recursive: true });
  await Deno.writeTextFile(live, "x");
  await Deno.writeTextFile(other, "x");
  assert.deepEqual((await removeStaleTemps(target)).sort(), [stale, staleDir].sort());
  assert.deepEqual(removeStaleTempsSync(target), []);
  assert.deepEqual(removeStaleTempsSync(`${dir.path}/y.zarr`), [other]);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), [
    live.slice(dir.path.length + 1),
  ]);
});

Deno.test("cleanPendingOutputs() removes pending temporaries and locks; committed ones are not its own", async () => {
  await using dir = await tempDir();
  const lock = OutputLock.acquire(`${dir.path}/a.npy`);
  const a = await PendingOutput.begin(`${dir.path}/a.npy`);
  await Deno.writeTextFile(a.temp, "partial");
  const b = await PendingOutput.begin(`${dir.path}/b.npy`);
  await Deno.writeTextFile(b.temp, "complete");
  await b.commit();
  assert.equal(cleanPendingOutputs(), 2);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["b.npy"]);
  lock.release(); // idempotent after the clean-up
  await a.abort();
});

Deno.test("PendingOutput swaps a directory in: the old one goes only once the new one is there", async () => {
  await using dir = await tempDir();
  const target = `${dir.path}/s.zarr/g/arr`;
  await Deno.mkdir(`${target}`, { recursive: true });
  await Deno.writeTextFile(`${target}/.zarray`, "old");
  await Deno.writeTextFile(`${dir.path}/s.zarr/g/sibling`, "kept");
  const out = PendingOutput.at(target);
  await Deno.mkdir(out.temp);
  await Deno.writeTextFile(`${out.temp}/.zarray`, "new");
  out.commitSync();
  assert.equal(await Deno.readTextFile(`${target}/.zarray`), "new");
  assert.deepEqual([...Deno.readDirSync(`${dir.path}/s.zarr/g`)].map((e) => e.name).sort(), [
    "arr",
    "sibling",
  ]);
  // a failed swap keeps the old version
  const bad = PendingOutput.at(target);
  assert.throws(() => bad.commitSync(), Deno.errors.NotFound);
  assert.equal(await Deno.readTextFile(`${target}/.zarray`), "new");
  await bad.abort();
  const abandoned = PendingOutput.at(target);
  await Deno.mkdir(abandoned.temp);
  abandoned.abortSync();
  assert.equal(await exists(abandoned.temp), false);
});

Deno.test("OutputLock: a lock file left empty (its writer killed before writing its pid) is taken over once abandoned", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = `${dir}/x.h5`;
    const path = OutputLock.pathOf(target);
    Deno.writeFileSync(path, new Uint8Array());
    // made 9 s ago: abandoned 1 s from now (a creator writes its pid within microseconds)
    const made = new Date(Date.now() - 9_000);
    Deno.utimeSync(path, made, made);
    const t0 = Date.now();
    const lock = OutputLock.acquire(target);
    const waited = Date.now() - t0;
    assert.ok(waited >= 500 && waited < 5_000, `waited ${waited} ms`);
    assert.equal(Deno.readTextFileSync(path).split(" ")[0], String(Deno.pid));
    lock.release();
    // a live holder is refused at once
    const held = OutputLock.acquire(target);
    const t1 = Date.now();
    assert.throws(() => OutputLock.acquire(target), Deno.errors.Busy);
    assert.ok(Date.now() - t1 < 1_000);
    held.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
