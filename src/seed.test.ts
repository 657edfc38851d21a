/** When a first start seeds the demo (whose passwords are published): loopback only, unless the operator says. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shouldSeedDemo } from './seed.ts';

describe('demo seeding on a first start', () => {
  const cases: [string, 'auto' | boolean, boolean][] = [
    ['127.0.0.1', 'auto', true],
    ['127.1.2.3', 'auto', true],
    ['localhost', 'auto', true],
    ['::1', 'auto', true],
    ['0.0.0.0', 'auto', false],
    ['::', 'auto', false],
    ['192.0.2.10', 'auto', false],
    ['hibiki.example.jp', 'auto', false],
    ['0.0.0.0', true, true],
    ['127.0.0.1', false, false],
  ];
  for (const [host, demo, seeds] of cases) {
    it(`${seeds ? 'seeds' : 'does not seed'} on ${host} with HIBIKI_DEMO ${demo === 'auto' ? 'unset' : demo}`, () => {
      assert.equal(shouldSeedDemo({ host, demo }), seeds);
    });
  }
});
