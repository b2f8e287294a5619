// The formula compiler behind the cells' WebAssembly steps (wasm-formula.ts): a program runs in float64 as the
// same expression does in JavaScript, left to right, and a stored value is rounded once to float32, so its
// results are a JavaScript loop's bits; names it does not know are refused when it is built.
import { Generator } from '../../src/index.js'
import { encodeModule, ensureBytes, type WasmMemory } from '../../src/tensor/kernels/wasm-emit.js'
import { buildFormula, type FormulaFn } from '../../src/tensor/kernels/wasm-formula.js'

/** The little of WebAssembly used here (the project's lib settings have no DOM types). */
const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: Record<string, unknown> } } }).WebAssembly

function compile(streams: string, program: string): { run: FormulaFn; memory: WasmMemory } {
  const instance = new wasm.Instance(new wasm.Module(encodeModule({ run: buildFormula(streams, program) }, 1)))
  return { run: instance.exports.run as FormulaFn, memory: instance.exports.memory as unknown as WasmMemory }
}

test('rows × units in float64, left to right, each store rounded once: a JavaScript loop\'s bits, not float32 arithmetic\'s', () => {
  const { run, memory } = compile('o a b c:64 d', 't = a*b - c; o = t*(1 - d) + a + b*d')
  const rows = 3, H = 8, stride = 12 // rows 12 floats apart, 8 units used
  ensureBytes(memory, 4 * 65536)
  const f32 = new Float32Array(memory.buffer), f64 = new Float64Array(memory.buffer)
  const [O, A, B, C, D] = [0, 1000, 2000, 3000, 4000] // float offsets (C in float64 elements: 1500)
  const gen = new Generator(3)
  for (let i = 0; i < 4000; i++) f32[1000 + i] = (gen.uniform53() - 0.5) * 10
  for (let i = 0; i < H; i++) f64[C / 2 + i] = gen.uniform53() * Math.PI // one row for all rows (stride 0)
  run(rows, H * 4, O * 4, stride * 4, A * 4, stride * 4, B * 4, stride * 4, C * 4, 0, D * 4, stride * 4)
  let differsFromFloat32 = 0
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < H; j++) {
      const [a, b, c, d] = [f32[A + r * stride + j], f32[B + r * stride + j], f64[C / 2 + j], f32[D + r * stride + j]]
      const t = a * b - c
      expect(f32[O + r * stride + j]).toBe(Math.fround(t * (1 - d) + a + b * d))
      const fr = Math.fround
      const t32 = fr(fr(a * b) - fr(c))
      if (fr(fr(fr(t32 * fr(1 - d)) + a) + fr(b * d)) !== f32[O + r * stride + j]) differsFromFloat32++
    }
    // the units past H in the row are left alone
    for (let j = H; j < stride; j++) expect(f32[O + r * stride + j]).toBe(0)
  }
  expect(differsFromFloat32).toBeGreaterThan(0) // so float32 arithmetic would have failed the loop above
})

test('no rows, no work; a name neither a stream nor assigned before, or a float64 stream assigned, is refused', () => {
  const { run, memory } = compile('o a', 'o = a + 1')
  new Float32Array(memory.buffer).fill(7, 0, 8)
  run(0, 16, 0, 16, 0, 16)
  expect(Array.from(new Float32Array(memory.buffer, 0, 4))).toEqual([7, 7, 7, 7])
  expect(() => buildFormula('o a', 'o = a + x')).toThrow("buildFormula: 'x' is neither a stream nor assigned before, in o = a + x")
  expect(() => buildFormula('o a:64', 'a = o')).toThrow("buildFormula: the float64 stream 'a' is read only, in a = o")
  expect(() => buildFormula('o a', 'o = (a + 1')).toThrow("buildFormula: expected ')', got 'undefined' in o = (a + 1")
})

test('relu(x) and positive(y, x) are JavaScript\'s x > 0 ? x : 0 and y > 0 ? x : 0, NaN and −0 included', () => {
  const { run, memory } = compile('o q a b', 'o = relu(a - 1 + 1); q = positive(a, b*2)')
  const values = [Number.NaN, -0, 0, 1e-45, -1e-45, 3, -3, Infinity, -Infinity, 1e38]
  const H = 2 * Math.ceil(values.length / 2) // whole pairs
  const f32 = new Float32Array(memory.buffer)
  const [O, Q, A, B] = [0, 100, 200, 300]
  values.forEach((v, i) => { f32[A + i] = v; f32[B + i] = values[values.length - 1 - i] })
  run(1, H * 4, O * 4, 0, Q * 4, 0, A * 4, 0, B * 4, 0)
  values.forEach((_, i) => {
    const a = f32[A + i], b = f32[B + i], x = a - 1 + 1
    expect(Object.is(f32[O + i], Math.fround(x > 0 ? x : 0))).toBe(true)
    expect(Object.is(f32[Q + i], Math.fround(a > 0 ? b * 2 : 0))).toBe(true)
  })
})
