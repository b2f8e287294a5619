// Minimal local types for the untyped dev package ndarray-ops (only what the oracle tests call).
declare module 'ndarray-ops' {
  import type { Data, NdArray } from 'ndarray'

  type View = NdArray<Data<number>>

  // out = f(a, b), elementwise
  export function add(out: View, a: View, b: View): View
  export function sub(out: View, a: View, b: View): View
  export function mul(out: View, a: View, b: View): View
  export function div(out: View, a: View, b: View): View
  export function pow(out: View, a: View, b: View): View
  // out = f(a, s) with a scalar s
  export function adds(out: View, a: View, s: number): View
  export function subs(out: View, a: View, s: number): View
  export function muls(out: View, a: View, s: number): View
  export function divs(out: View, a: View, s: number): View
  export function pows(out: View, a: View, s: number): View
  // out = f(a), elementwise
  export function neg(out: View, a: View): View
  export function abs(out: View, a: View): View
  export function exp(out: View, a: View): View
  export function log(out: View, a: View): View
  export function sqrt(out: View, a: View): View
  export function assign(out: View, a: View): View
  // reductions over every element
  export function sum(a: View): number
  export function sup(a: View): number
  export function inf(a: View): number
}
