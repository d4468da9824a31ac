/** The listeners of one kind of simulated event: subscribe, and tell them all. */
export class Listeners<E> {
  private readonly listeners = new Set<(event: E) => void>();

  subscribe(listener: (event: E) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: E): void {
    for (const l of this.listeners) l(event);
  }
}
