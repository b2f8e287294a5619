// Independent oracle: 4×4 matmul against gl-matrix's mat4.multiply, single and batched, float32 and float64.
import fc from 'fast-check'
import { glMatrix, mat4 } from 'gl-matrix'
import { Tensor, matmul, tensor } from '../../src/index.js'

// gl-matrix is column-major: a row-major array read by it is the transpose, so passing row-major
// (B, A) makes it compute Bᵀ·Aᵀ = (A·B)ᵀ, whose column-major storage is exactly row-major A·B.
function glRowMajorProduct(a: ArrayLike<number>, b: ArrayLike<number>, out: mat4): mat4 {
  return mat4.multiply(out, Array.from(b) as mat4, Array.from(a) as mat4)
}

/** Σ_p |a[i,p]|·|b[p,j]| for each (i, j) of one 4×4 product: the scale of its rounding error. */
function absProduct(a: ArrayLike<number>, b: ArrayLike<number>, aOff = 0, bOff = 0): Float64Array {
  const out = new Float64Array(16)
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let p = 0; p < 4; p++) out[i * 4 + j] += Math.abs(a[aOff + i * 4 + p] * b[bOff + p * 4 + j])
  return out
}

/** |got − want| ≤ ulp·scale (+ a few of the smallest subnormals, for products that underflow). */
function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, scale: ArrayLike<number>, tol: { ulp: number; tiny: number }, gotOffset = 0): void {
  for (let e = 0; e < 16; e++) {
    const diff = Math.abs(got[gotOffset + e] - want[e])
    const bound = tol.ulp * scale[e] + tol.tiny
    if (!(diff <= bound)) {
      throw new Error(`element ${e}: got ${got[gotOffset + e]}, gl-matrix ${want[e]}, diff ${diff} > ${bound}`)
    }
  }
}

const f64Mat = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 16, maxLength: 16 }).map((v) => Float64Array.from(v))
const f32Mat = fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: 16, maxLength: 16 }).map((v) => Float32Array.from(v))

// Bounds: float64 4-term dot products differ by at most a few double roundings (4·2⁻⁵³ relative to Σ|a||b|);
// seqgrad's float32 kernel rounds each partial sum to float32 (≤ 4·2⁻²⁴), gl-matrix rounds once (≤ 2⁻²⁴).
// Products that underflow into subnormals are rounded to absolute (not relative) precision.
const F64_TOL = { ulp: 4 * 2 ** -53, tiny: 4 * 2 ** -1074 }
const F32_TOL = { ulp: 6 * 2 ** -24, tiny: 4 * 2 ** -149 }

afterAll(() => glMatrix.setMatrixArrayType(Float32Array))

describe('the layout translation itself (hand-computed products)', () => {
  test('E01 · E12 = E02 and E12 · E01 = 0 (catches a swapped or untransposed call)', () => {
    const e01 = new Float64Array(16)
    e01[0 * 4 + 1] = 1
    const e12 = new Float64Array(16)
    e12[1 * 4 + 2] = 1
    const expected = new Array<number>(16).fill(0)
    expected[0 * 4 + 2] = 1
    glMatrix.setMatrixArrayType(Array)
    expect(Array.from(glRowMajorProduct(e01, e12, mat4.create()))).toEqual(expected)
    expect(Array.from(matmul(tensor(e01, { shape: [4, 4] }), tensor(e12, { shape: [4, 4] })).data)).toEqual(expected)
    expect(Array.from(matmul(tensor(e12, { shape: [4, 4] }), tensor(e01, { shape: [4, 4] })).data)).toEqual(new Array<number>(16).fill(0))
  })

  test('diag(1, 2, 3, 4) · ones: row i is i + 1', () => {
    const d = Float32Array.from({ length: 16 }, (_, e) => (Math.floor(e / 4) === e % 4 ? (e % 4) + 1 : 0))
    const ones = new Float32Array(16).fill(1)
    const expected = Array.from({ length: 16 }, (_, e) => Math.floor(e / 4) + 1)
    glMatrix.setMatrixArrayType(Float32Array)
    expect(Array.from(glRowMajorProduct(d, ones, mat4.create()))).toEqual(expected)
    expect(Array.from(tensor(d, { shape: [4, 4] }).matmul(tensor(ones, { shape: [4, 4] })).data)).toEqual(expected)
  })
})

describe('4×4 matmul against mat4.multiply', () => {
  test('float64 (gl-matrix with setMatrixArrayType(Array), all in doubles)', () => {
    glMatrix.setMatrixArrayType(Array)
    fc.assert(
      fc.property(f64Mat, f64Mat, (a, b) => {
        const out = mat4.create()
        expect(Array.isArray(out)).toBe(true) // doubles, not Float32Array
        const want = glRowMajorProduct(a, b, out)
        const got = matmul(tensor(a, { shape: [4, 4] }), tensor(b, { shape: [4, 4] }))
        expect(got.dtype).toBe('float64')
        expect(got.shape).toEqual([4, 4])
        expectWithin(got.data, want, absProduct(a, b), F64_TOL)
      }),
      { numRuns: 200 },
    )
  })

  test('float32 (gl-matrix Float32Array output)', () => {
    glMatrix.setMatrixArrayType(Float32Array)
    fc.assert(
      fc.property(f32Mat, f32Mat, (a, b) => {
        const out = mat4.create()
        expect(out).toBeInstanceOf(Float32Array)
        const want = glRowMajorProduct(a, b, out)
        const got = tensor(a, { shape: [4, 4] }).matmul(tensor(b, { shape: [4, 4] }))
        expect(got.dtype).toBe('float32')
        expect(got.shape).toEqual([4, 4])
        expectWithin(got.data, want, absProduct(a, b), F32_TOL)
      }),
      { numRuns: 200 },
    )
  })
})

describe('batched matmul [k, 4, 4]: every slice against mat4.multiply', () => {
  const batch = <T extends Float32Array | Float64Array>(mat: fc.Arbitrary<T>, make: (n: number) => T) =>
    fc.integer({ min: 1, max: 6 }).chain((k) =>
      fc.tuple(fc.array(mat, { minLength: k, maxLength: k }), fc.array(mat, { minLength: k, maxLength: k })).map(([as, bs]) => {
        const a = make(16 * k)
        const b = make(16 * k)
        as.forEach((m, i) => a.set(m, 16 * i))
        bs.forEach((m, i) => b.set(m, 16 * i))
        return { k, a, b }
      }),
    )

  function checkBatch(got: Tensor, k: number, a: ArrayLike<number>, b: ArrayLike<number>, bShared: boolean, tol: { ulp: number; tiny: number }): void {
    expect(got.shape).toEqual([k, 4, 4])
    for (let i = 0; i < k; i++) {
      const aSlice = Array.prototype.slice.call(a, 16 * i, 16 * i + 16) as number[]
      const bOff = bShared ? 0 : 16 * i
      const bSlice = Array.prototype.slice.call(b, bOff, bOff + 16) as number[]
      const want = glRowMajorProduct(aSlice, bSlice, mat4.create())
      expectWithin(got.data, want, absProduct(aSlice, bSlice), tol, 16 * i)
    }
  }

  test('float64', () => {
    glMatrix.setMatrixArrayType(Array)
    fc.assert(
      fc.property(batch(f64Mat, (n) => new Float64Array(n)), ({ k, a, b }) => {
        const got = matmul(tensor(a, { shape: [k, 4, 4] }), tensor(b, { shape: [k, 4, 4] }))
        expect(got.dtype).toBe('float64')
        checkBatch(got, k, a, b, false, F64_TOL)
      }),
      { numRuns: 60 },
    )
  })

  test('float32', () => {
    glMatrix.setMatrixArrayType(Float32Array)
    fc.assert(
      fc.property(batch(f32Mat, (n) => new Float32Array(n)), ({ k, a, b }) => {
        const got = tensor(a, { shape: [k, 4, 4] }).matmul(tensor(b, { shape: [k, 4, 4] }))
        expect(got.dtype).toBe('float32')
        checkBatch(got, k, a, b, false, F32_TOL)
      }),
      { numRuns: 60 },
    )
  })

  test('[k, 4, 4] @ [4, 4] broadcasts the right operand over the batch (float64)', () => {
    glMatrix.setMatrixArrayType(Array)
    fc.assert(
      fc.property(batch(f64Mat, (n) => new Float64Array(n)), f64Mat, ({ k, a }, b) => {
        const got = matmul(tensor(a, { shape: [k, 4, 4] }), tensor(b, { shape: [4, 4] }))
        checkBatch(got, k, a, b, true, F64_TOL)
      }),
      { numRuns: 60 },
    )
  })
})
