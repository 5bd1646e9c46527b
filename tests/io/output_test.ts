// io/output.ts: one temporary-name scheme, commit by rename (files and
// directories), abort, and the refusal of an existing target.

import assert from "node:assert/strict";
import {
  exists,
  parseTempName,
  PendingOutput,
  removePath,
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
