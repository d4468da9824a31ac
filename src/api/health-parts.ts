/**
 * What the process's own parts say of their health, beside the database and
 * Redis that /health asks itself: a trunk the PBX finds unreachable, named.
 * Each part is set when it goes wrong and cleared when it is well again.
 */
export interface HealthProblem {
  readonly part: string;
  readonly problem: string;
}

export class HealthParts {
  private readonly problems = new Map<string, string>();

  /** The part is unwell (`problem`) or well again (undefined). */
  set(part: string, problem: string | undefined): void {
    if (problem === undefined) this.problems.delete(part);
    else this.problems.set(part, problem);
  }

  list(): HealthProblem[] {
    return [...this.problems].map(([part, problem]) => ({ part, problem }));
  }
}
