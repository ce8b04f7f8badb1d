import { communityId } from '../../../src/model/community-id';

// Published Community ID v1 vectors (community-id-spec README, also Zeek's community_id_v1 test).
describe('communityId', () => {
  test.each([
    ['1.2.3.4', '5.6.7.8', 6, 1122, 3344, '1:wCb3OG7yAFWelaUydu0D+125CLM='],
    ['1.2.3.4', '5.6.7.8', 17, 1122, 3344, '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg='],
  ])('%s → %s proto %i', (s, d, p, sp, dp, want) => {
    expect(communityId(s, d, p, sp, dp)).toBe(want);
    expect(communityId(d, s, p, dp, sp)).toBe(want);
  });
});
