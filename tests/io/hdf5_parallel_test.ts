// One-process tests of io/hdf5_parallel.ts: the incomplete-output protocol
// (a failure injected after the dataset exists: no file, or the old file), argument errors, and
// layouts that need a point selection. The MPI tests are in hdf5_parallel_mpi_test.ts.

import assert from "node:assert/strict";
import { SelfComm } from "../../dist/comm.ts";
import { Distribution } from "../../dist/distribution.ts";
import { arange, empty } from "../../core/ndarray.ts";
import { FormatError, ShapeMismatchError } from "../../core/errors.ts";
import { H5File } from "../../io/hdf5.ts";
import {
  _testHooks,
  INCOMPLETE_ATTRIBUTE,
  readDistributed,
  writeDistributed,
} from "../../io/hdf5_parallel.ts";
import { hasPython, pythonJson, tempDir } from "../_util.ts";

const comm = new SelfComm();

function failAfterCreate(): void {
  _testHooks.afterCreate = () => {
    throw new Error("injected failure");
  };
}

Deno.test("writeDistributed() leaves no file when a new file's write fails", async () => {
  await using dir = await tempDir();
  const d = Distribution.create([6], { dist: "b", commSize: 1 });
  failAfterCreate();
  try {
    await assert.rejects(writeDistributed(comm, `${dir.path}/new.h5:/x`, d, arange(6)), {
      message: "injected failure",
    });
  } finally {
    _testHooks.afterCreate = null;
  }
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
  assert.equal(H5File.openObjectCount(), 0);
});

Deno.test("writeDistributed() leaves an existing file byte-identical when a write into it fails", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/old.h5`;
  const d = Distribution.create([2, 3], { dist: "bc", commSize: 1 });
  const six = arange(6, undefined, undefined, "int32").reshape([2, 3]);
  await writeDistributed(comm, `${file}:/kept`, d, six);
  const before = await Deno.readFile(file);
  failAfterCreate();
  try {
    await assert.rejects(writeDistributed(comm, `${file}:/broken`, d, six), {
      message: "injected failure",
    });
  } finally {
    _testHooks.afterCreate = null;
  }
  assert.equal(H5File.openObjectCount(), 0);
  // the failed write went to a copy: the file is untouched, nothing is left beside it
  assert.deepEqual(await Deno.readFile(file), before);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["old.h5"]);
  {
    using f = H5File.open(file);
    assert.equal(f.kind("/broken"), null);
    assert.deepEqual(f.attributes("/kept"), {});
  }
  if (hasPython("h5py")) {
    const names = await pythonJson<string[]>(
      `import h5py, json, sys; f = h5py.File(sys.argv[1], "r")
print(json.dumps(sorted(f.keys())))`,
      file,
    );
    assert.deepEqual(names, ["kept"]);
  }
  assert.deepEqual((await readDistributed(comm, `${file}:/kept`, d)).toArray(), [[0, 1, 2], [
    3,
    4,
    5,
  ]]);
  // a dataset marked incomplete (by an earlier version's in-place write) is refused
  await writeDistributed(comm, `${file}:/broken`, d, six);
  {
    using f = H5File.open(file, { mode: "r+" });
    f.setAttribute("/broken", INCOMPLETE_ATTRIBUTE, 1, { dtype: "int8" });
  }
  await assert.rejects(readDistributed(comm, `${file}:/broken`, d), FormatError);
  // a later complete write replaces it, siblings kept
  await writeDistributed(comm, `${file}:/broken`, d, six, {
    overwrite: true,
  });
  const again = await readDistributed(comm, `${file}:/broken`, d);
  assert.deepEqual((again.toArray() as number[][])[1], [3, 4, 5]);
  using f = H5File.open(file);
  assert.deepEqual(f.attributes("/broken"), {});
  assert.equal(f.kind("/kept"), "dataset");
});

Deno.test("writeDistributed() refuses a block of the wrong shape or a distribution for other ranks", async () => {
  await using dir = await tempDir();
  const d = Distribution.create([4], { dist: "b", commSize: 1 });
  await assert.rejects(
    writeDistributed(comm, `${dir.path}/a.h5:/x`, d, arange(5)),
    ShapeMismatchError,
  );
  const d2 = Distribution.create([4], { dist: "b", commSize: 2 });
  await assert.rejects(writeDistributed(comm, `${dir.path}/a.h5:/x`, d2, arange(2)), RangeError);
  await assert.rejects(writeDistributed(comm, `${dir.path}/a.npy`, d, arange(4)), SyntaxError);
  await assert.rejects(
    writeDistributed(comm, `${dir.path}/a.h5:/x`, d, arange(4), {
      compression: "lzf" as "gzip",
    }),
    TypeError,
  );
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
  await writeDistributed(comm, `${dir.path}/a.h5:/x`, d, arange(4));
  const other = Distribution.create([5], { dist: "b", commSize: 1 });
  await assert.rejects(readDistributed(comm, `${dir.path}/a.h5:/x`, other), ShapeMismatchError);
  await assert.rejects(readDistributed(comm, `${dir.path}/a.h5:/nope`, d), FormatError);
  assert.equal(H5File.openObjectCount(), 0);
});

Deno.test("readDistributed() reads unordered index lists and periodic halos with a point selection", async () => {
  await using dir = await tempDir();
  const loc = `${dir.path}/p.h5:/v`;
  const whole = Distribution.create([5, 4], { dist: "nn", commSize: 1 });
  const values = arange(20, undefined, undefined, "int16").reshape([5, 4]);
  await writeDistributed(comm, loc, whole, values);
  const u = Distribution.create([5, 4], {
    dist: [{ type: "u", indices: [[4, 0, 2, 1, 3]] }, {
      type: "b",
      padding: [1, 1],
      periodic: true,
    }],
    commSize: 1,
  });
  const block = await readDistributed(comm, loc, u);
  assert.equal(block.dtype, "int16");
  const rows = [4, 0, 2, 1, 3];
  const cols = [3, 0, 1, 2, 3, 0];
  assert.deepEqual(block.toArray(), rows.map((r) => cols.map((c) => r * 4 + c)));
  // and writing from that layout stores the owned elements in place
  const out = empty(block.shape, "int16");
  (out.data as Int16Array).set(block.data as Int16Array);
  await writeDistributed(comm, `${dir.path}/p.h5:/w`, u, out);
  assert.deepEqual(
    (await readDistributed(comm, `${dir.path}/p.h5:/w`, whole)).toArray(),
    values.toArray(),
  );
  assert.equal(_testHooks.lastIoMode, null);
});
