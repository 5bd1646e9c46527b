// The part of core's WebAssembly engine (core/_wasm/) that other folders may
// use: the shared arena (4096-aligned regions of one wasm memory, which IO
// reads into and kernels run on without a copy) and the compiler of fused
// elementwise maps (stream/ runs `map` expressions through it). Internal: not
// re-exported by mod.ts.

export { type ArenaSpan, WasmArena, wasmArena } from "./_wasm/arena.ts";
export { compileMap, type MapExpr, type MapKernel } from "./_wasm/kernels.ts";
export { TRANSCEND_OPS, type TranscendOp } from "./_wasm/transcend.ts";
