import { describe, expect, it } from 'vitest';
import { DurationDistribution } from '../../src/pacing/distribution.js';
import { FadingProportion } from '../../src/pacing/proportion.js';
import { Random } from '../../src/simulator/random.js';

describe('DurationDistribution', () => {
  it('converges on a lognormal talk-time distribution', () => {
    const r = new Random(7);
    const d = new DurationDistribution(5000);
    const samples: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = r.lognormal(180, 90);
      samples.push(x);
      d.observe(x);
    }
    samples.sort((a, b) => a - b);
    expect(d.mean()).toBeGreaterThan(180 * 0.95);
    expect(d.mean()).toBeLessThan(180 * 1.05);
    for (const q of [0.1, 0.5, 0.9]) {
      const x = samples[Math.floor(q * samples.length)]!;
      expect(Math.abs(d.cdf(x) - q)).toBeLessThan(0.02);
    }
  });

  it('converges on a gamma wrap-up distribution', () => {
    const r = new Random(8);
    const d = new DurationDistribution(5000);
    for (let i = 0; i < 20_000; i++) d.observe(r.gamma(15, 5));
    expect(Math.abs(d.mean() - 15)).toBeLessThan(0.6);
    expect(Math.abs(d.quantile(0.5) - 14.45)).toBeLessThan(0.8);
  });

  it('gives conditional probabilities: a call long under way is likelier to end soon only if the distribution says so', () => {
    const d = new DurationDistribution(1000);
    for (let i = 1; i <= 100; i++) d.observe(i); // uniform on 1..100 s
    // P(X ≤ 60 | X > 50) = 10/50 under a uniform.
    expect(d.endsWithin(50, 10)).toBeCloseTo(0.2, 1);
    expect(d.endsWithin(0, 200)).toBeGreaterThan(0.99);
  });

  it('forgets old observations, so a change in talk time is followed', () => {
    const d = new DurationDistribution(200);
    for (let i = 0; i < 2000; i++) d.observe(60);
    for (let i = 0; i < 2000; i++) d.observe(240);
    expect(d.mean()).toBeGreaterThan(230);
  });
});

describe('FadingProportion', () => {
  it('converges on the live-answer rate and follows a sudden drop', () => {
    const r = new Random(9);
    const p = new FadingProportion(300, 0.1, 2);
    for (let i = 0; i < 3000; i++) p.observe(r.next() < 0.3);
    expect(Math.abs(p.mean() - 0.3)).toBeLessThan(0.06);
    for (let i = 0; i < 3000; i++) p.observe(r.next() < 0.08);
    expect(Math.abs(p.mean() - 0.08)).toBeLessThan(0.04);
  });

  it('knows how uncertain it is', () => {
    const thin = new FadingProportion(300, 0.2, 2);
    const rich = new FadingProportion(300, 0.2, 2);
    for (let i = 0; i < 10; i++) thin.observe(i % 5 === 0);
    for (let i = 0; i < 1000; i++) rich.observe(i % 5 === 0);
    expect(thin.variance()).toBeGreaterThan(rich.variance() * 5);
  });
});
