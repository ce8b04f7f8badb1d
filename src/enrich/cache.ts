import { lru, type LRU } from 'tiny-lru';

/** Addresses remembered per enricher. @default 100000 (a few MB) */
export const DEFAULT_CACHE_SIZE = 100_000;

/**
 * A bounded per-address memo: `null` remembers "nothing there" so misses are not looked up again.
 * Cleared when the underlying database is reloaded.
 */
export class AddressCache<T> {
  private readonly lru: LRU<T | null>;

  constructor(size = DEFAULT_CACHE_SIZE) {
    this.lru = lru<T | null>(size);
  }

  /** The remembered answer, `null` for a remembered miss, undefined when not cached. */
  get(ip: string): T | null | undefined {
    return this.lru.get(ip);
  }

  set(ip: string, value: T | null): void {
    this.lru.set(ip, value);
  }

  clear(): void {
    this.lru.clear();
  }
}
