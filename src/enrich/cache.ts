/** Addresses remembered per enricher. @default 100000 (a few MB) */
export const DEFAULT_CACHE_SIZE = 100_000;

/**
 * A bounded per-address memo: `null` remembers "nothing there" so misses are not looked up again.
 * Two generations of plain Maps (the scheme of quick-lru): new answers go to the young one, an
 * answer found in the old one moves up, and when the young one is full it becomes the old one and
 * the old one is dropped. A hit is one Map get (a third of an LRU list's cost on the ingest path);
 * what is dropped is what was not asked for during a whole generation. Holds at most `size`
 * addresses. Cleared when the underlying database is reloaded.
 */
export class AddressCache<T> {
  private young = new Map<string, T | null>();
  private old = new Map<string, T | null>();
  private readonly generation: number;

  constructor(size = DEFAULT_CACHE_SIZE) {
    this.generation = Math.max(1, Math.floor(size / 2));
  }

  /** The remembered answer, `null` for a remembered miss, undefined when not cached. */
  get(ip: string): T | null | undefined {
    const v = this.young.get(ip);
    if (v !== undefined) return v;
    const o = this.old.get(ip);
    if (o !== undefined) {
      this.old.delete(ip);
      this.set(ip, o);
    }
    return o;
  }

  set(ip: string, value: T | null): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(ip, value);
  }

  /** Addresses held. */
  get size(): number {
    return this.young.size + this.old.size;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }
}
