import { LoginThrottle } from '../../../src/web/security';

describe('LoginThrottle', () => {
  test('a client is blocked after the limit of failures until the window passes; others are not', () => {
    let now = 1_000_000;
    const t = new LoginThrottle(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) {
      expect(t.blocked('a')).toBeUndefined();
      t.failed('a');
    }
    expect(t.blocked('a')).toBe(60);
    expect(t.blocked('b')).toBeUndefined();
    now += 59_000;
    expect(t.blocked('a')).toBe(1);
    now += 1_000;
    expect(t.blocked('a')).toBeUndefined();
  });

  test('a success clears the count', () => {
    const t = new LoginThrottle(2, 60_000, () => 0);
    t.failed('a');
    t.succeeded('a');
    t.failed('a');
    expect(t.blocked('a')).toBeUndefined();
  });

  test('memory stays bounded: the oldest client is forgotten first', () => {
    const t = new LoginThrottle(1, 60_000, () => 0, 2);
    t.failed('a');
    t.failed('b');
    t.failed('c');
    expect(t.blocked('a')).toBeUndefined();
    expect(t.blocked('b')).toBe(60);
    expect(t.blocked('c')).toBe(60);
  });
});
