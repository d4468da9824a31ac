/**
 * Seeded random numbers for the simulator. Every lead, agent and call draws
 * from its own keyed stream (seed, kind, index), so that two dial modes run on
 * the same seed meet the same customers: lead 1234 answers after the same
 * ring and talks as long whichever policy dialed it. That (common random
 * numbers) makes differences between modes show up over few seeds.
 */

/** SplitMix32 finaliser: a good 32-bit mix to derive independent stream seeds. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashKey(seed: number, kind: string, index: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (let i = 0; i < kind.length; i++) h = mix32(h ^ kind.charCodeAt(i));
  return mix32(h ^ mix32(index + 0x7f4a7c15));
}

/** sfc32: small, fast, passes PractRand to 2^40; one instance per stream. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a ^ 0x243f6a88);
    this.c = mix32(this.b ^ 0x85a308d3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  static stream(seed: number, kind: string, index: number): Random {
    return new Random(hashKey(seed, kind, index));
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Marsaglia polar). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const k = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * k;
    return u * k;
  }

  /** Lognormal with the given mean and standard deviation (of the variable itself, not its log). */
  lognormal(mean: number, sd: number): number {
    if (sd <= 0) return mean;
    const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
    return Math.exp(Math.log(mean) - sigma2 / 2 + Math.sqrt(sigma2) * this.normal());
  }

  /** Gamma with the given mean and standard deviation (Marsaglia–Tsang). */
  gamma(mean: number, sd: number): number {
    if (sd <= 0) return mean;
    const shape = (mean * mean) / (sd * sd);
    const scale = (sd * sd) / mean;
    return this.standardGamma(shape) * scale;
  }

  private standardGamma(shape: number): number {
    if (shape < 1) return this.standardGamma(shape + 1) * Math.pow(this.next() || 1e-12, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
}
