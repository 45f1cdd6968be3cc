import path from 'node:path';
import { replayRecordedHistories } from '../helpers/replay';

/**
 * Histories of session workflows recorded by the session tests on the real stack (fixtures/
 * session-histories, one per path: lifecycle, expiry, failed create, logout, events, carried
 * state, a replaced worker, a health-sweep restart). Running sessions hold such histories, so the
 * current code must replay each: a change in the order of the workflow's activities, timers or
 * search-attribute upserts fails here rather than in production. Payloads are sealed with the
 * test key ring.
 */
const dir = path.join(__dirname, 'fixtures', 'session-histories');

it('the session workflow replays every recorded history without a nondeterminism error', async () => {
  const { count, failed } = await replayRecordedHistories(dir);
  expect(count).toBeGreaterThan(0);
  expect(failed).toEqual([]);
});
