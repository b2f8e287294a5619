// Padded steps on the fast path, for every cell alike: a row whose step is not valid (valid[t·B + b] = 0)
// carries its state unchanged, s_t = s_{t−1}, and its output is 0. Forward lets the cell's step run on all
// B rows and then copies the state it read back over what it wrote for the padded ones; backward lets the
// cell's backward step run too, then zeroes the padded rows' da (so they add nothing to any weight or input
// gradient) and puts back the dh, dc and dhZ they carry, which pass a padded step untouched.
import type { TypedArray } from '../../tensor/dtype.js'

/** For each row b with valid[validAt + b] = 0: out[outAt + b·width …] = src[srcAt + b·width …], width values. */
export function copyPaddedRows(out: TypedArray, outAt: number, src: TypedArray, srcAt: number, valid: Uint8Array, validAt: number, rows: number, width: number): void {
  for (let b = 0; b < rows; b++) {
    if (valid[validAt + b] !== 0) continue
    const o = outAt + b * width, s = srcAt + b * width
    for (let j = 0; j < width; j++) out[o + j] = src[s + j]
  }
}

/** For each row b with valid[validAt + b] = 0: out[outAt + b·width …] = 0, width values. */
export function zeroPaddedRows(out: TypedArray, outAt: number, valid: Uint8Array, validAt: number, rows: number, width: number): void {
  for (let b = 0; b < rows; b++) {
    if (valid[validAt + b] !== 0) continue
    out.fill(0, outAt + b * width, outAt + (b + 1) * width)
  }
}
