import { communityHash, communityId } from '../../../src/model/community-id';
import { hydrate, normalize, MAX_KEYWORD_LENGTH } from '../../../src/model/normalize';
import { FlowdexError } from '../../../src/errors';
import { parseQuery } from '../../../src/query/parser';
import { compileQuery } from '../../../src/query/compile';

const base = {
  format: 'test',
  start: Date.UTC(2026, 10, 23, 10),
  end: Date.UTC(2026, 10, 23, 10, 0, 2),
  protocol: 6,
  bytes: 100,
  packets: 2,
};

describe('the stored flow document', () => {
  const a = normalize({ ...base, srcIp: '10.1.2.3', dstIp: '192.0.2.80', srcPort: 51000, dstPort: 443 });
  const b = normalize({ ...base, srcIp: '192.0.2.80', dstIp: '10.1.2.3', srcPort: 443, dstPort: 51000 });

  it('stores the Community ID as a 64-bit hash and recomputes the ID on read', () => {
    expect(a.doc.network.community_id).toBeUndefined();
    const id = communityId('10.1.2.3', '192.0.2.80', 6, 51000, 443) as string;
    expect(hydrate(a.doc).network.community_id).toBe(id);
    expect(a.doc.flow.community_hash).toBe(communityHash(id));
  });

  it('gives both directions of a conversation the same hash', () => {
    expect(b.doc.flow.community_hash).toBe(a.doc.flow.community_hash);
  });

  it('reads the hash as the top 53 bits of the SHA-1, a number JSON keeps exactly', () => {
    // 1:LQU9qZlK+B5F3KDmev6m5PMibrg= starts with 2d 05 3d a9 99 4a f8 1e (base64 decoded by hand).
    expect(communityHash('1:LQU9qZlK+B5F3KDmev6m5PMibrg=')).toBe(Number(0x2d053da9994af81en >> 11n));
    expect(Number.isSafeInteger(communityHash('1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0='))).toBe(true);
    expect(communityHash('LQU9qZlK+B5F3KDmev6m5PMibrg=')).toBeUndefined();
  });

  it('uses 12-character ids, the same for the same flow', () => {
    expect(a.id).toHaveLength(12);
    expect(normalize({ ...base, srcIp: '10.1.2.3', dstIp: '192.0.2.80', srcPort: 51000, dstPort: 443 }).id).toBe(a.id);
    expect(b.id).not.toBe(a.id);
  });

  it('cuts names longer than a keyword may hold instead of rejecting the flow', () => {
    const long = normalize({ ...base, srcIp: '10.1.2.3', dstIp: '192.0.2.80', httpUrl: 'x'.repeat(5000) });
    expect(long.doc.url?.original).toHaveLength(MAX_KEYWORD_LENGTH);
  });

  it('is what community_id queries search', () => {
    const id = hydrate(a.doc).network.community_id as string;
    expect(compileQuery(parseQuery(`community_id:"${id}"`))).toEqual({
      bool: { filter: [{ term: { 'flow.community_hash': a.doc.flow.community_hash } }] },
    });
    expect(() => parseQuery('community_id:1:abc')).toThrow(FlowdexError);
    expect(() => parseQuery('cid:1:*')).toThrow(/whole value/);
  });
});
