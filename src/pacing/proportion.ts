/**
 * An online estimate of a probability (such as "an attempt reaches a person
 * who needs an agent"), as a fading Beta posterior: recent attempts weigh
 * most, so a sudden change in answer rate is followed within a few hundred
 * attempts, and the estimate's own uncertainty is known and used by the
 * pacing policy instead of being ignored.
 */
export class FadingProportion {
  private successes: number;
  private trials: number;
  private readonly keep: number;
  private observed = 0;

  /**
   * @param memory effective number of recent trials the estimate rests on
   * @param prior  the estimate before any trial, held with the weight of `priorWeight` trials
   */
  constructor(memory = 300, prior = 0.1, priorWeight = 2) {
    this.keep = 1 - 1 / memory;
    this.successes = prior * priorWeight;
    this.trials = priorWeight;
  }

  get count(): number {
    return this.observed;
  }

  observe(success: boolean): void {
    this.successes = this.successes * this.keep + (success ? 1 : 0);
    this.trials = this.trials * this.keep + 1;
    this.observed++;
  }

  mean(): number {
    return this.successes / this.trials;
  }

  /** Variance of the estimate itself (Beta posterior), not of one trial. */
  variance(): number {
    const p = this.mean();
    return (p * (1 - p)) / (this.trials + 1);
  }
}
